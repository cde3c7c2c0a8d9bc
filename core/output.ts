// Where output goes: machine output (--json) on stdout, human progress and errors on stderr.
import { Writable } from 'node:stream';

export interface Output {
  json: boolean;
  debug: boolean;
  /** Human progress line, on stderr. */
  info(line: string): void;
  warn(line: string): void;
  /** The command's result on stdout: JSON when --json, else the human text. */
  result(value: unknown, human: () => string): void;
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

export interface OutputOptions {
  json: boolean;
  debug: boolean;
  stdout?: Writable;
  stderr?: Writable & { isTTY?: boolean };
}

export function createOutput(options: OutputOptions): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  return {
    json: options.json,
    debug: options.debug,
    stderr,
    info(line) {
      stderr.write(`${line}\n`);
    },
    warn(line) {
      stderr.write(`warning: ${line}\n`);
    },
    result(value, human) {
      if (options.json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else {
        const text = human();
        if (text) stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
    },
  };
}

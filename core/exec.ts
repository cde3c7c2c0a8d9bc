// The one way slipway runs an external program: an argv array, never a shell string.
import { spawn } from 'node:child_process';
import { SlipwayError } from './errors.js';

export interface Command {
  /** Program name or path; looked up on PATH. */
  file: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the program's standard input, then closed. */
  input?: string | Buffer;
}

export interface CommandResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Called with each chunk of standard error, for live progress. */
  onStderr?: (chunk: string) => void;
  onStdout?: (chunk: string) => void;
  signal?: AbortSignal;
  /** Cap on captured output per stream; the tail is kept. */
  maxBuffer?: number;
}

/** Runs a command and resolves with its exit status and output; rejects only when it cannot start. */
export function run(command: Command, options: RunOptions = {}): Promise<CommandResult> {
  const maxBuffer = options.maxBuffer ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(command.file, [...command.args], {
      cwd: command.cwd,
      env: command.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      signal: options.signal,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout = (stdout + chunk).slice(-maxBuffer);
      options.onStdout?.(chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-maxBuffer);
      options.onStderr?.(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new SlipwayError('TOOL_MISSING', `${command.file} is not installed or not on PATH`, {
            fix: `install ${command.file} or add it to PATH`,
            cause: error,
          }),
        );
      } else reject(error);
    });
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    if (command.input !== undefined) child.stdin.end(command.input);
    else child.stdin.end();
  });
}

/** Runs a command that must succeed; a non-zero exit becomes the given error with the last stderr lines. */
export async function runChecked(
  command: Command,
  failure: { code: 'GIT_FAILED' | 'TOOL_FAILED'; fix: string },
  options: RunOptions = {},
): Promise<CommandResult> {
  const result = await run(command, options);
  if (result.code !== 0) {
    const last = result.stderr.trim().split('\n').slice(-5);
    throw new SlipwayError(
      failure.code,
      `${command.file} ${command.args[0] ?? ''} exited with ${result.code}: ${last.at(-1) ?? ''}`.trim(),
      {
        fix: failure.fix,
        details: last,
      },
    );
  }
  return result;
}

// Runs the slipway CLI in-process (the TypeScript sources) and captures what it prints, for end-to-end tests.
import { PassThrough } from 'node:stream';
import { main } from '../../cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when the command was run with --json. */
  json: unknown;
}

export async function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(args, { stdout, stderr, cwd: options.cwd, env: { ...process.env, ...options.env } });
  let json: unknown;
  if (args.includes('--json')) {
    try {
      json = JSON.parse(out);
    } catch {
      json = undefined;
    }
  }
  return { code, stdout: out, stderr: err, json };
}

// Finding the k6 binary, its version, and what its exit codes mean (go.k6.io/k6 errext/exitcodes).
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { SlipwayError } from '../core/errors.js';
import { run } from '../core/exec.js';

/** The release scripts/install-k6.sh builds and the tests run. */
export const K6_PINNED_VERSION = 'v1.8.1';

const INSTALL_FIX = `install k6 (\`go install go.k6.io/k6@${K6_PINNED_VERSION}\`, or slipway's scripts/install-k6.sh) and put it on PATH, or set loadtest.k6 in slipway.config.ts to its path`;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Where scripts/install-k6.sh puts k6: the machine's state dir, shared with the other machine setup steps. */
export function installDir(env: NodeJS.ProcessEnv): string {
  return path.join(env.SLIPWAY_MACHINE_STATE ?? '/var/lib/slipway-machine', 'bin');
}

/**
 * The k6 to run: the configured one (a path, or a name looked up on PATH), else `k6` on PATH, else the install
 * dir. Missing, it fails saying where it looked and how to install it.
 */
export function findK6(configured: string | undefined, env: NodeJS.ProcessEnv): string {
  const onPath = (name: string) =>
    (env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, name))
      .find(isExecutable);
  if (configured) {
    const found = configured.includes('/') ? (isExecutable(configured) ? configured : undefined) : onPath(configured);
    if (found) return found;
    throw new SlipwayError('TOOL_MISSING', `k6 is not installed at ${configured} (loadtest.k6 in the config)`, {
      fix: INSTALL_FIX,
    });
  }
  const found = onPath('k6') ?? [path.join(installDir(env), 'k6')].find(isExecutable);
  if (found) return found;
  throw new SlipwayError('TOOL_MISSING', `k6 is not installed (looked on PATH and in ${installDir(env)})`, {
    fix: INSTALL_FIX,
  });
}

/** `k6 v1.8.1 (go1.26.8, linux/amd64)` -> `v1.8.1`. */
export function parseK6Version(output: string): string | undefined {
  return /\bk6 (v\d+\.\d+\.\d+\S*)/.exec(output)?.[1];
}

export async function k6Version(binary: string): Promise<string> {
  const result = await run({ file: binary, args: ['version'] });
  const version = parseK6Version(result.stdout);
  if (result.code !== 0 || !version) {
    throw new SlipwayError('TOOL_FAILED', `${binary} version did not report a k6 version`, {
      fix: INSTALL_FIX,
      details: `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-3),
    });
  }
  return version;
}

/** What an exit of `k6 run` means for slipway. */
export type K6Outcome =
  | 'finished' // 0: ran to the end, thresholds passed
  | 'thresholds-failed' // 99: ran, and at least one threshold failed
  | 'marked-failed' // 108 test.abort(), 110 test.fail(): the script itself said the run failed
  | 'script-invalid' // 104 invalid options, 107 an exception while loading or in setup (syntax errors land here)
  | 'crashed'; // anything else: a signal, a Go panic (109), the REST API port taken (106)

export function classifyExit(code: number, signal: string | null): K6Outcome {
  if (signal) return 'crashed';
  switch (code) {
    case 0:
      return 'finished';
    case 99:
      return 'thresholds-failed';
    case 108:
    case 110:
      return 'marked-failed';
    case 104:
    case 107:
      return 'script-invalid';
    default:
      return 'crashed';
  }
}

/** k6's own error lines (`level=error msg="..."`), unquoted, for error details. */
export function k6ErrorLines(log: string): string[] {
  const lines: string[] = [];
  for (const line of log.split('\n')) {
    const match = /level=(?:error|fatal) msg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (match) lines.push(match[1]!.replace(/\\"/g, '"').replace(/\\n/g, ' ').replace(/\\\\/g, '\\'));
    else if (/^(panic:|fatal error:)/.test(line)) lines.push(line.trim());
  }
  return lines;
}

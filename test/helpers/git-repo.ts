// Real git repositories in temp folders for end-to-end tests: files, commits, branches, and slipway run in-process.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { main } from '../../cli/main.js';

const exec = promisify(execFile);

/** slipway's own checkout, whose node_modules the fixtures borrow so that real ESLint, vitest and tsc run. */
export const SLIPWAY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface GitRepo {
  dir: string;
  write(file: string, content: string | Buffer): void;
  remove(file: string): void;
  git(...args: string[]): Promise<string>;
  /** Stages everything and commits; returns the commit sha. */
  commit(message: string): Promise<string>;
  cleanup(): void;
}

export async function createGitRepo(options: { prefix?: string; branch?: string } = {}): Promise<GitRepo> {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), options.prefix ?? 'slipway-repo-')));
  const git = async (...args: string[]) =>
    (await exec('git', args, { cwd: dir, maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  await git('init', '--quiet', '--initial-branch', options.branch ?? 'main');
  await git('config', 'user.name', 'Fixture');
  await git('config', 'user.email', 'fixture@example.com');
  await git('config', 'commit.gpgsign', 'false');
  return {
    dir,
    write(file, content) {
      const target = path.join(dir, file);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
    },
    remove(file) {
      unlinkSync(path.join(dir, file));
    },
    git,
    async commit(message) {
      await git('add', '--all');
      await git('commit', '--quiet', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The files of a TypeScript project with vitest coverage, ESLint and tsc: the gate fixtures' and the gate bench's. */
export function nodeProjectFiles(name: string): Record<string, string> {
  const devDependencies = {
    '@eslint/js': '9',
    '@vitest/coverage-v8': '4',
    eslint: '9',
    typescript: '5',
    'typescript-eslint': '8',
    vitest: '4',
  };
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  return {
    '.gitignore': 'node_modules\ncoverage\n',
    'package.json': `${JSON.stringify({ name, private: true, type: 'module', devDependencies }, null, 2)}\n`,
    'eslint.config.js': [
      "import js from '@eslint/js';",
      "import tseslint from 'typescript-eslint';",
      '',
      "export default tseslint.config({ ignores: ['coverage/', 'node_modules/'] }, js.configs.recommended, ...tseslint.configs.recommended);",
      '',
    ].join('\n'),
    'tsconfig.json': `${JSON.stringify({ compilerOptions, include: ['src'] }, null, 2)}\n`,
  };
}

/** Makes the repo a TypeScript project with vitest coverage, ESLint and tsc, using slipway's installed copies. */
export function makeNodeProject(repo: GitRepo): void {
  symlinkSync(path.join(SLIPWAY_ROOT, 'node_modules'), path.join(repo.dir, 'node_modules'), 'dir');
  for (const [file, content] of Object.entries(nodeProjectFiles('fixture-app'))) repo.write(file, content);
}

/** The environment the gate's tools see: this test run's vitest variables removed, so a nested vitest starts clean. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(VITEST|TEST$|NODE_ENV$|CI_|GITHUB_)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

export interface SlipwayRun {
  code: number;
  stdout: string;
  stderr: string;
  json: <T = Record<string, unknown>>() => T;
}

/** Runs the slipway CLI in-process, as a user would from `cwd`. */
export async function runSlipway(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = cleanEnv(),
): Promise<SlipwayRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(args, { stdout, stderr, cwd, env });
  return {
    code,
    stdout: out,
    stderr: err,
    json: <T>() => JSON.parse(out) as T,
  };
}

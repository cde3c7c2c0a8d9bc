// Real monorepo histories for the release tests: a two-module project, bare remotes, clones, and slipway run in-process.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runCli, type CliRun } from '../helpers/cli.js';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.js';

const exec = promisify(execFile);

export const MONOREPO_CONFIG = `export default {
  project: 'relfix',
  registry: { url: '127.0.0.1:5000' },
  modules: {
    students: {
      components: {
        web: { kind: 'front', context: 'students/web', port: 8080 },
        api: { kind: 'back', context: 'students/api', port: 8080 },
      },
    },
    grades: { components: { api: { kind: 'back', context: 'grades/api', port: 8080 } } },
  },
};
`;

export interface PlanJson {
  current: string | null;
  next: string | null;
  bump: 'major' | 'minor' | 'patch' | null;
  tag: string | null;
  modules: Record<string, { current: string | null; next: string | null; bump: string | null; tag: string | null }>;
  changelog: string;
  tags: { name: string; version: string; module: string | null }[];
}

const cleanups: (() => void)[] = [];

/** Removes every repository the tests of a file made (call in afterEach). */
export function cleanupRepos(): void {
  for (const cleanup of cleanups.splice(0)) cleanup();
}

/** A git repository with the two-module config and one file per component, committed as `chore: init`. */
export async function monorepo(options: { config?: boolean } = {}): Promise<GitRepo> {
  const repo = await createGitRepo({ prefix: 'slipway-release-' });
  cleanups.push(() => repo.cleanup());
  repo.write('.gitignore', '.slipway/\n');
  if (options.config !== false) repo.write('slipway.config.ts', MONOREPO_CONFIG);
  for (const dir of ['students/web', 'students/api', 'grades/api']) repo.write(`${dir}/index.js`, '// v0\n');
  repo.write('README.md', '# fixture\n');
  await repo.commit('chore: init');
  return repo;
}

/** Changes a file (appends a line) and commits it with the message. */
export async function change(repo: GitRepo, file: string, message: string): Promise<string> {
  repo.write(file, `// ${message.split('\n')[0]} ${Math.random()}\n`);
  return repo.commit(message);
}

export async function tag(repo: GitRepo, ...names: string[]): Promise<void> {
  for (const name of names) await repo.git('tag', '--annotate', '--message', name, name);
}

export function slipway(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runCli(args, { cwd, env });
}

export async function plan(repo: GitRepo): Promise<PlanJson> {
  const run = await slipway(['release', 'plan', '--json'], repo.dir);
  if (run.code !== 0) throw new Error(`release plan exited ${run.code}: ${run.stderr}`);
  return run.json as PlanJson;
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await exec('git', args, { cwd })).stdout.trim();
}

/** A bare repository that `repo` pushes its main branch (and tags, if asked) to, as `origin`. */
export async function bareRemote(repo: GitRepo, options: { tags?: boolean } = {}): Promise<string> {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'slipway-remote-')));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  await git(dir, 'init', '--quiet', '--bare', '--initial-branch', 'main');
  await repo.git('remote', 'add', 'origin', dir);
  await repo.git('push', '--quiet', 'origin', 'main', ...(options.tags ? ['--tags'] : []));
  return dir;
}

/** A clone of the remote with its own identity, as a CI job would check it out. */
export async function clone(remote: string): Promise<GitRepo> {
  const parent = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'slipway-clone-')));
  cleanups.push(() => rmSync(parent, { recursive: true, force: true }));
  const dir = path.join(parent, 'work');
  await exec('git', ['clone', '--quiet', remote, dir]);
  const run = (...args: string[]) => git(dir, ...args);
  await run('config', 'user.name', 'CI');
  await run('config', 'user.email', 'ci@example.com');
  await run('config', 'commit.gpgsign', 'false');
  return {
    dir,
    git: run,
    write(file, content) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    },
    remove: () => undefined,
    async commit(message) {
      await run('add', '--all');
      await run('commit', '--quiet', '--allow-empty', '-m', message);
      return run('rev-parse', 'HEAD');
    },
    cleanup: () => rmSync(parent, { recursive: true, force: true }),
  };
}

/** `refname objectname` for every tag on the remote, sorted. */
export async function remoteTags(remote: string): Promise<string[]> {
  const out = await git(remote, 'for-each-ref', '--format=%(refname:strip=2) %(objectname)', 'refs/tags');
  return out.split('\n').filter(Boolean).sort();
}

export async function localTags(repo: GitRepo): Promise<string[]> {
  return (await repo.git('tag', '--list')).split('\n').filter(Boolean).sort();
}

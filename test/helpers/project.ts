// Disposable copies of the example app (or small generated projects) as real git repositories in temp folders.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const EXAMPLE = path.join(REPO_ROOT, 'examples/scolarite');

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.org',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.org',
    },
  }).trim();
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export interface TempProject {
  dir: string;
  project: string;
  cleanup(): Promise<void>;
}

/** Copies examples/scolarite (without base-images) under a unique project name and commits it. */
export async function copyExample(prefix = 'e2e'): Promise<TempProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-example-'));
  await cp(EXAMPLE, dir, {
    recursive: true,
    filter: (source) =>
      !source.includes(`${path.sep}base-images`) &&
      !source.includes(`${path.sep}.slipway`) &&
      !source.includes('node_modules'),
  });
  const project = uniqueName(prefix);
  const configFile = path.join(dir, 'slipway.config.ts');
  await writeFile(
    configFile,
    (await readFile(configFile, 'utf8')).replace("project: 'scolarite'", `project: '${project}'`),
  );
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'feat: scolarite example');
  return { dir, project, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A project from a map of files, committed on main. */
export async function makeProject(files: Record<string, string>): Promise<TempProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-project-'));
  const project = uniqueName('t');
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(dir, file);
    await (await import('node:fs/promises')).mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content.replaceAll('__PROJECT__', project));
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'chore: init');
  return { dir, project, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Adds top-level settings (`router: {...}, environments: {...}`) to a copied example's config, in a commit. */
export async function configureExample(example: TempProject, settings: string, message: string): Promise<void> {
  const configFile = path.join(example.dir, 'slipway.config.ts');
  const registry = "registry: { url: '127.0.0.1:5000' },";
  const config = await readFile(configFile, 'utf8');
  if (!config.includes(registry)) throw new Error(`${configFile} has no "${registry}" line to add settings after`);
  await writeFile(configFile, config.replace(registry, `${registry}\n  ${settings}`));
  git(example.dir, 'commit', '-qam', message);
}

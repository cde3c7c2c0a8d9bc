// Baselines of the target branch, kept in git itself (refs/slipway/baselines/<branch>) or in a JSON file.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { SlipwayError } from '../core/errors.js';
import { run, runChecked } from '../core/exec.js';
import type { Baseline } from './types.js';

export const BASELINE_REF_PREFIX = 'refs/slipway/baselines/';
const BASELINE_FILE = 'baseline.json';

const baselineSchema = z.object({
  version: z.literal(1),
  branch: z.string(),
  commit: z.string(),
  recordedAt: z.string(),
  metrics: z.record(z.string(), z.object({ value: z.number(), better: z.enum(['higher', 'lower']) })),
  files: z.record(
    z.string(),
    z.object({
      coverage: z.tuple([z.number(), z.number()]).optional(),
      issues: z.record(z.string(), z.number()).optional(),
    }),
  ),
});

export interface BaselineStore {
  storage: 'git-ref' | 'file';
  /** For file storage: the path (relative to the project), `{branch}` replaced by the branch. */
  file: string;
  remote: string;
}

/** `origin/main` and `refs/remotes/origin/main` both mean the branch `main`. */
export function branchName(ref: string): string {
  return ref.replace(/^refs\/heads\//, '').replace(/^(refs\/remotes\/)?origin\//, '');
}

export function baselineRef(branch: string): string {
  return `${BASELINE_REF_PREFIX}${branchName(branch)}`;
}

export function baselineFile(store: BaselineStore, projectDir: string, branch: string): string {
  return path.resolve(projectDir, store.file.replaceAll('{branch}', branchName(branch).replaceAll('/', '-')));
}

export function parseBaseline(text: string, where: string): Baseline {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SlipwayError('BASELINE_INVALID', `the baseline in ${where} is not JSON: ${(error as Error).message}`, {
      fix: 'record it again on the target branch: slipway gate --record',
    });
  }
  const parsed = baselineSchema.safeParse(json);
  if (!parsed.success) {
    throw new SlipwayError('BASELINE_INVALID', `the baseline in ${where} is not a slipway baseline`, {
      fix: 'record it again on the target branch: slipway gate --record',
      details: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
  }
  return parsed.data as Baseline;
}

/** The argv that stores a baseline: blob, tree, commit (parent: the previous baseline), then the ref. */
export function gitStoreCommands(
  ref: string,
  parent: string | undefined,
): {
  blob: string[];
  tree: string[];
  commit: (tree: string, message: string) => string[];
  update: (commit: string) => string[];
} {
  return {
    blob: ['hash-object', '-w', '--stdin'],
    tree: ['mktree'],
    commit: (tree, message) => ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message],
    // the old value makes the update fail if another job moved the ref meanwhile
    update: (commit) => ['update-ref', ref, commit, parent ?? ''],
  };
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'slipway',
  GIT_AUTHOR_EMAIL: 'slipway@localhost',
  GIT_COMMITTER_NAME: 'slipway',
  GIT_COMMITTER_EMAIL: 'slipway@localhost',
};

async function git(root: string, args: string[], input?: string) {
  return runChecked(
    { file: 'git', args, cwd: root, env: { ...process.env, ...IDENTITY }, ...(input === undefined ? {} : { input }) },
    { code: 'GIT_FAILED', fix: 'check that the repository is writable' },
  );
}

async function hasRemote(root: string, remote: string): Promise<boolean> {
  return (await run({ file: 'git', args: ['remote', 'get-url', remote], cwd: root })).code === 0;
}

/** Brings the remote's baseline ref here; a remote without one is not an error. */
async function fetchRef(root: string, remote: string, ref: string, warn: (line: string) => void): Promise<void> {
  if (!(await hasRemote(root, remote))) return;
  const fetched = await run({
    file: 'git',
    args: ['fetch', '--quiet', '--no-tags', remote, `+${ref}:${ref}`],
    cwd: root,
  });
  if (fetched.code !== 0 && !/couldn't find remote ref/i.test(fetched.stderr)) {
    warn(
      `could not fetch ${ref} from ${remote}: ${fetched.stderr.trim().split('\n').at(-1) ?? ''}; using the local copy`,
    );
  }
}

export async function readBaseline(
  root: string,
  projectDir: string,
  store: BaselineStore,
  branch: string,
  warn: (line: string) => void,
): Promise<Baseline | undefined> {
  if (store.storage === 'file') {
    const file = baselineFile(store, projectDir, branch);
    return existsSync(file) ? parseBaseline(await readFile(file, 'utf8'), file) : undefined;
  }
  const ref = baselineRef(branch);
  await fetchRef(root, store.remote, ref, warn);
  const shown = await run({ file: 'git', args: ['show', `${ref}:${BASELINE_FILE}`], cwd: root });
  if (shown.code !== 0) return undefined;
  return parseBaseline(shown.stdout, ref);
}

/** Stores a baseline; with `push`, sends the ref to the remote so other CI jobs can read it. */
export async function writeBaseline(
  root: string,
  projectDir: string,
  store: BaselineStore,
  baseline: Baseline,
  options: { push: boolean; warn: (line: string) => void },
): Promise<string> {
  const json = `${JSON.stringify(baseline, null, 2)}\n`;
  if (store.storage === 'file') {
    const file = baselineFile(store, projectDir, baseline.branch);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, json);
    return file;
  }
  const ref = baselineRef(baseline.branch);
  await fetchRef(root, store.remote, ref, options.warn);
  const previous = await run({ file: 'git', args: ['rev-parse', '--verify', '--quiet', ref], cwd: root });
  const parent = previous.code === 0 ? previous.stdout.trim() : undefined;
  const commands = gitStoreCommands(ref, parent);
  const blob = (await git(root, commands.blob, json)).stdout.trim();
  const tree = (await git(root, commands.tree, `100644 blob ${blob}\t${BASELINE_FILE}\n`)).stdout.trim();
  const message = `slipway baseline for ${baseline.branch} at ${baseline.commit}`;
  const commit = (await git(root, commands.commit(tree, message))).stdout.trim();
  await git(root, commands.update(commit));
  if (options.push) {
    if (!(await hasRemote(root, store.remote))) {
      throw new SlipwayError('GIT_FAILED', `cannot push the baseline: there is no remote "${store.remote}"`, {
        fix: 'add the remote, or set gate.baseline.remote',
      });
    }
    await runChecked(
      { file: 'git', args: ['push', '--quiet', store.remote, `${ref}:${ref}`], cwd: root },
      {
        code: 'GIT_FAILED',
        fix: `give the CI job push rights to ${store.remote} (a project access token), then rerun`,
      },
    );
  }
  return ref;
}

// Reads what the release plan needs from git (history with touched files, release tags, shallow boundary) via argv commands.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../../core/errors.js';
import { run, runChecked } from '../../core/exec.js';
import { parseCommit, type Commit, type RawCommit } from './commits.js';
import type { TagRef } from './plan.js';

const RECORD = '\x1e';
const FIELD = '\x1f';

/**
 * Every commit reachable from HEAD, children before parents, with its raw message and the files it touched
 * (`--no-renames`: a file moved out of a module counts for that module too). `-z` keeps odd file names verbatim.
 */
export function gitLogArgs(): string[] {
  return [
    'log',
    '--topo-order',
    '-z',
    '--no-renames',
    '--name-only',
    `--format=${RECORD}%H${FIELD}%P${FIELD}%B${FIELD}`,
    'HEAD',
    '--',
  ];
}

export function parseGitLog(stdout: string): RawCommit[] {
  return stdout
    .split(RECORD)
    .filter((record) => record.includes(FIELD))
    .map((record) => {
      const [hash = '', parents = '', message = '', files = ''] = record.split(FIELD);
      return {
        hash,
        parents: parents.split(' ').filter(Boolean),
        message,
        files: files
          .split('\0')
          .map((f) => f.replace(/^\n/, ''))
          .filter(Boolean),
      };
    });
}

/** Tags reachable from HEAD; `%(*objectname)` is the commit an annotated tag points at, empty for lightweight tags. */
export function gitTagArgs(): string[] {
  return ['tag', '--list', '--merged', 'HEAD', '--format=%(refname:strip=2)%09%(objectname)%09%(*objectname)'];
}

export function parseTagList(stdout: string): TagRef[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', object = '', peeled = ''] = line.split('\t');
      return { name, commit: peeled || object };
    });
}

export interface History {
  /** The repository's top folder. */
  root: string;
  /** The commit HEAD points at; undefined in a repository without commits. */
  head: string | undefined;
  commits: Commit[];
  tags: TagRef[];
  /** Boundary commits of a shallow clone. */
  shallow: string[];
}

const GIT_FIX = 'check that git works in this folder: git status';
/** About a million commits' worth of messages and file lists. */
const MAX_LOG = 256 * 2 ** 20;

export async function repositoryRoot(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const found = await run({ file: 'git', args: ['rev-parse', '--show-toplevel'], cwd, env });
  if (found.code !== 0) {
    throw new SlipwayError('NOT_A_REPOSITORY', `${cwd} is not inside a git repository`, {
      fix: 'run slipway release from a git checkout of the project',
    });
  }
  return found.stdout.trim();
}

async function shallowBoundary(root: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const file = (
    await runChecked(
      { file: 'git', args: ['rev-parse', '--git-path', 'shallow'], cwd: root, env },
      {
        code: 'GIT_FAILED',
        fix: GIT_FIX,
      },
    )
  ).stdout.trim();
  try {
    return (await readFile(path.resolve(root, file), 'utf8')).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export async function readHistory(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<History> {
  const root = await repositoryRoot(cwd, env);
  const head = await run({ file: 'git', args: ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], cwd: root, env });
  if (head.code !== 0) return { root, head: undefined, commits: [], tags: [], shallow: [] };
  const failure = { code: 'GIT_FAILED', fix: GIT_FIX } as const;
  const [log, tags, shallow] = await Promise.all([
    runChecked({ file: 'git', args: gitLogArgs(), cwd: root, env }, failure, { maxBuffer: MAX_LOG }),
    runChecked({ file: 'git', args: gitTagArgs(), cwd: root, env }, failure),
    shallowBoundary(root, env),
  ]);
  // exec keeps the tail of a longer output, which would silently drop the newest commits
  if (log.stdout.length >= MAX_LOG) {
    throw new SlipwayError('TOOL_FAILED', `the history is over ${MAX_LOG / 2 ** 20} MiB of git log output`, {
      fix: 'slipway release reads every commit from HEAD and this history is too large for it; report the repository size',
    });
  }
  return {
    root,
    head: head.stdout.trim(),
    commits: parseGitLog(log.stdout).map(parseCommit),
    tags: parseTagList(tags.stdout),
    shallow,
  };
}

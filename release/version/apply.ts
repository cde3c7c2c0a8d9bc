// Applies a release plan: release notes files, annotated tags at HEAD, one atomic push; all undone if any step fails.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../../core/errors.js';
import { run, runChecked, type Command } from '../../core/exec.js';
import type { PlannedTag } from './plan.js';

/**
 * The annotated tag, its message (the notes) on standard input: a first release's notes can outgrow one argument.
 * `--cleanup=verbatim`: git's default cleanup would strip the notes' Markdown headings as comment lines.
 */
export function tagCommand(root: string, tag: Pick<PlannedTag, 'name' | 'notes'>, commit: string): Command {
  return {
    file: 'git',
    args: ['tag', '--annotate', '--cleanup=verbatim', '--file=-', tag.name, commit],
    cwd: root,
    input: tag.notes,
  };
}

/** One atomic push of exactly these tags: either the remote takes them all, or none (a concurrent release won). */
export function pushArgs(remote: string, tags: string[]): string[] {
  return ['push', '--atomic', '--porcelain', remote, ...tags.map((t) => `refs/tags/${t}:refs/tags/${t}`)];
}

export function deleteTagsArgs(tags: string[]): string[] {
  return ['tag', '--delete', ...tags];
}

export interface PushStatus {
  ref: string;
  rejected: boolean;
  /** `already exists`, `atomic push failed`, `atomic transaction failed`... */
  reason: string;
}

/** Reads `git push --porcelain`: `<flag>\t<from>:<to>\t<summary> (<reason>)`, `!` for a rejected ref. */
export function parsePushStatus(stdout: string): PushStatus[] {
  return stdout.split('\n').flatMap((line) => {
    const match = /^([ +\-*!=])\t[^\t]*:([^\t]+)\t(.*)$/.exec(line);
    if (!match) return [];
    return [
      { ref: match[2]!, rejected: match[1] === '!', reason: /\(([^)]*)\)\s*$/.exec(match[3]!)?.[1] ?? match[3]! },
    ];
  });
}

/** Reasons that mean the tag was taken by someone else, not that the remote failed. */
const TAKEN = /already exists|fetch first|stale info|cannot lock|failed to lock|reference already exists/i;
/** Git's atomic transaction fails this way when a concurrent push holds or just wrote the same ref. */
const CONTENDED = /atomic transaction failed|failed to update ref/i;

export interface ApplyInput {
  /** The repository's top folder. */
  root: string;
  /** The commit every tag points at (HEAD when planned). */
  commit: string;
  tags: PlannedTag[];
  /** Where `<tag>.md` release notes go. */
  notesDir: string;
  push?: { remote: string };
  env: NodeJS.ProcessEnv;
  info(line: string): void;
  /** Pause between remote checks after a contended push; tests shorten it. */
  retryDelayMs?: number;
}

export interface ApplyResult {
  tags: string[];
  notes: string[];
  pushed: boolean;
}

const GIT_FIX = 'check that git works in this folder: git status';

function git(root: string, args: string[], env: NodeJS.ProcessEnv): Command {
  return { file: 'git', args, cwd: root, env };
}

/** git needs a tagger: CI runners often have none configured, so slipway signs as a bot like semantic-release does. */
async function taggerEnv(root: string, env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const base = { ...env, GIT_TERMINAL_PROMPT: '0' };
  const ident = await run(git(root, ['var', 'GIT_COMMITTER_IDENT'], base));
  if (ident.code === 0) return base;
  return { ...base, GIT_COMMITTER_NAME: 'slipway', GIT_COMMITTER_EMAIL: 'slipway@localhost' };
}

async function existingLocalTags(root: string, names: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const listed = await runChecked(
    git(root, ['for-each-ref', '--format=%(refname:strip=2)', ...names.map((n) => `refs/tags/${n}`)], env),
    { code: 'GIT_FAILED', fix: GIT_FIX },
  );
  return listed.stdout.split('\n').filter((n) => names.includes(n));
}

async function remoteHas(root: string, remote: string, names: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const listed = await run(
    git(root, ['ls-remote', '--refs', '--tags', remote, ...names.map((n) => `refs/tags/${n}`)], env),
  );
  if (listed.code !== 0) return [];
  const refs = listed.stdout.split('\n').map((line) => line.split('\t')[1]);
  return names.filter((n) => refs.includes(`refs/tags/${n}`));
}

async function pushTags(input: ApplyInput, names: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const remote = input.push!.remote;
  const pushed = await run(git(input.root, pushArgs(remote, names), env));
  if (pushed.code === 0) return;
  const statuses = parsePushStatus(pushed.stdout).filter((s) => s.rejected);
  const taken = new Set(statuses.filter((s) => TAKEN.test(s.reason)).map((s) => s.ref.replace(/^refs\/tags\//, '')));
  const contended = statuses.some((s) => CONTENDED.test(s.reason));
  // a push that lost the race by a few milliseconds: the winner's tags appear on the remote right after
  for (let attempt = 0; attempt < (contended ? 5 : 1) && taken.size === 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, input.retryDelayMs ?? 200));
    for (const name of await remoteHas(input.root, remote, names, env)) taken.add(name);
  }
  if (taken.size > 0) {
    const list = [...taken].join(', ');
    throw new SlipwayError('TAG_EXISTS', `${remote} already has ${list}: another release took this version first`, {
      fix: `fetch the tags and plan again: git fetch --tags ${remote}, then slipway release plan (this run's tags were removed, nothing was pushed)`,
      details: statuses.map((s) => `${s.ref}: ${s.reason}`),
    });
  }
  const last = pushed.stderr.trim().split('\n').slice(-5);
  throw new SlipwayError('GIT_FAILED', `git push to ${remote} failed: ${last.at(-1) ?? `exit ${pushed.code}`}`, {
    fix: `check the remote ${remote} and its credentials, then run slipway release again (this run's tags were removed)`,
    details: [...statuses.map((s) => `${s.ref}: ${s.reason}`), ...last],
  });
}

/**
 * Nothing half-done: refuses before writing anything when a tag already exists here, and removes its notes files and
 * tags again when a later step (a tag, the push) fails.
 */
export async function applyRelease(input: ApplyInput): Promise<ApplyResult> {
  const names = input.tags.map((t) => t.name);
  const env = await taggerEnv(input.root, input.env);
  const existing = await existingLocalTags(input.root, names, env);
  if (existing.length > 0) {
    throw new SlipwayError('TAG_EXISTS', `tag ${existing.join(', ')} already exists in this clone`, {
      fix: `fetch the tags and plan again (git fetch --tags); a stale local tag goes with git tag --delete ${existing.join(' ')}`,
    });
  }
  const written: string[] = [];
  const created: string[] = [];
  try {
    await mkdir(input.notesDir, { recursive: true });
    for (const tag of input.tags) {
      const file = path.join(input.notesDir, `${tag.name}.md`);
      await writeFile(file, tag.notes);
      written.push(file);
    }
    for (const tag of input.tags) {
      await runChecked({ ...tagCommand(input.root, tag, input.commit), env }, { code: 'GIT_FAILED', fix: GIT_FIX });
      created.push(tag.name);
      input.info(`tagged ${tag.name} at ${input.commit.slice(0, 12)}`);
    }
    if (input.push) {
      input.info(`pushing ${names.join(', ')} to ${input.push.remote} (atomic)`);
      await pushTags(input, names, env);
    }
  } catch (error) {
    if (created.length > 0) {
      const removed = await run(git(input.root, deleteTagsArgs(created), env));
      input.info(
        removed.code === 0
          ? `removed the local tags ${created.join(', ')}`
          : `could not remove the local tags ${created.join(', ')}: git tag --delete them by hand`,
      );
    }
    for (const file of written) await rm(file, { force: true });
    throw error;
  }
  return { tags: names, notes: written, pushed: Boolean(input.push) };
}

// New code: the lines a merge request adds or changes, from `git diff` against the merge-base with the target branch.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../core/errors.js';
import { run, runChecked } from '../core/exec.js';
import type { ChangedFile, FileStatus, NewCode } from './types.js';

/** Undoes git's C-style quoting of unusual paths (`"a/caf\303\251"`). */
export function unquotePath(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  const body = raw.slice(1, -1);
  const bytes: number[] = [];
  const escapes: Record<string, number> = { n: 10, t: 9, r: 13, b: 8, f: 12, v: 11, a: 7, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = body[i + 1]!;
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function stripPrefix(raw: string, prefix: 'a/' | 'b/'): string {
  const path = unquotePath(raw);
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** The path of `diff --git a/P b/P` when both sides are the same (every diff but renames and copies). */
function pathFromGitHeader(header: string): string | undefined {
  const rest = header.slice('diff --git '.length);
  if (rest.startsWith('"')) {
    const end = rest.indexOf('" ', 1);
    return end > 0 ? stripPrefix(rest.slice(0, end + 1), 'a/') : undefined;
  }
  const half = (rest.length - 1) / 2;
  return Number.isInteger(half) ? stripPrefix(rest.slice(0, half), 'a/') : undefined;
}

interface Draft {
  path?: string;
  oldPath?: string;
  status: FileStatus;
  binary: boolean;
  addedLines: number[];
}

function finish(draft: Draft | undefined, files: ChangedFile[]): void {
  if (!draft?.path) return;
  const file: ChangedFile = {
    path: draft.path,
    status: draft.status,
    binary: draft.binary,
    addedLines: draft.addedLines,
  };
  if (draft.oldPath && draft.oldPath !== draft.path) file.oldPath = draft.oldPath;
  files.push(file);
}

/**
 * Parses `git diff -M --unified=0 --src-prefix=a/ --dst-prefix=b/` output into changed files and the
 * new-side numbers of added lines. Hunk bodies are consumed by the counts in their headers, so a
 * source line that itself starts with `+++` or `diff --git` is never mistaken for a header.
 */
export function parseUnifiedDiff(text: string): ChangedFile[] {
  const files: ChangedFile[] = [];
  const lines = text.split('\n');
  let draft: Draft | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('diff --git ')) {
      finish(draft, files);
      const path = pathFromGitHeader(line);
      draft = { status: 'modified', binary: false, addedLines: [], ...(path ? { path, oldPath: path } : {}) };
      continue;
    }
    if (!draft) continue;
    if (line.startsWith('new file mode')) draft.status = 'added';
    else if (line.startsWith('deleted file mode')) draft.status = 'deleted';
    else if (line.startsWith('old mode') && draft.status === 'modified') draft.status = 'modified';
    else if (line.startsWith('rename from ')) {
      draft.status = 'renamed';
      draft.oldPath = unquotePath(line.slice('rename from '.length));
    } else if (line.startsWith('rename to ')) draft.path = unquotePath(line.slice('rename to '.length));
    else if (line.startsWith('copy from ')) {
      draft.status = 'copied';
      draft.oldPath = unquotePath(line.slice('copy from '.length));
    } else if (line.startsWith('copy to ')) draft.path = unquotePath(line.slice('copy to '.length));
    else if (line.startsWith('Binary files ') || line === 'GIT binary patch') draft.binary = true;
    else if (line.startsWith('--- ')) {
      // git ends the name with a tab when it contains a space (as GNU diff does)
      const raw = line.slice(4).replace(/\t$/, '');
      if (raw !== '/dev/null') draft.oldPath = stripPrefix(raw, 'a/');
    } else if (line.startsWith('+++ ')) {
      const raw = line.slice(4).replace(/\t$/, '');
      if (raw === '/dev/null') draft.status = 'deleted';
      else draft.path = stripPrefix(raw, 'b/');
    } else if (line.startsWith('@@ ')) {
      const match = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
      if (!match) throw new Error(`unreadable hunk header: ${line}`);
      const oldCount = match[1] === undefined ? 1 : Number(match[1]);
      const newStart = Number(match[2]);
      const newCount = match[3] === undefined ? 1 : Number(match[3]);
      let removed = 0;
      let added = 0;
      while ((removed < oldCount || added < newCount) && i + 1 < lines.length) {
        const body = lines[++i]!;
        if (body.startsWith('-')) removed++;
        else if (body.startsWith('+')) draft.addedLines.push(newStart + added++);
        else if (!body.startsWith('\\')) break;
      }
      // a trailing "\ No newline at end of file" belongs to this hunk
      if (lines[i + 1]?.startsWith('\\')) i++;
    }
  }
  finish(draft, files);
  for (const file of files) if (file.status === 'deleted') file.addedLines = [];
  return files;
}

/** The argv of the diff: merge-base against the working tree, renames followed, no context lines. */
export function diffCommand(mergeBase: string): string[] {
  return [
    '-c',
    'core.quotePath=false',
    'diff',
    '-M',
    '--unified=0',
    '--no-color',
    '--no-ext-diff',
    '--ignore-submodules=all',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    mergeBase,
    '--',
  ];
}

async function git(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run({ file: 'git', args, cwd: root });
}

/** Resolves the target branch: the name as given, else `origin/<name>` (CI checkouts often have only that). */
export async function resolveBase(root: string, base: string): Promise<{ ref: string; sha: string }> {
  for (const ref of [base, `origin/${base}`, `refs/remotes/origin/${base}`]) {
    const found = await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    if (found.code === 0) return { ref, sha: found.stdout.trim() };
  }
  throw new SlipwayError(
    'BASE_NOT_FOUND',
    `the target branch "${base}" does not exist here (neither ${base} nor origin/${base})`,
    {
      fix: `check the name, or fetch it: git fetch origin ${base}:refs/remotes/origin/${base}`,
    },
  );
}

/** The diff of the working tree against the merge-base of HEAD and the target branch. */
export async function collectNewCode(root: string, base: string): Promise<NewCode> {
  const head = (
    await runChecked(
      { file: 'git', args: ['rev-parse', 'HEAD'], cwd: root },
      {
        code: 'GIT_FAILED',
        fix: 'run slipway gate inside a git repository with at least one commit',
      },
    )
  ).stdout.trim();
  const target = await resolveBase(root, base);
  const mergeBase = await git(root, ['merge-base', target.ref, 'HEAD']);
  if (mergeBase.code !== 0) {
    const shallow = (await git(root, ['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
    const branch = target.ref.replace(/^(refs\/remotes\/)?origin\//, '');
    throw new SlipwayError(
      'NO_MERGE_BASE',
      `HEAD and ${target.ref} have no common ancestor${shallow ? ' in this shallow clone' : ''}`,
      {
        fix: shallow
          ? `fetch the history: git fetch --unshallow origin ${branch} (or set GIT_DEPTH: 0 in GitLab CI, fetch-depth: 0 in actions/checkout)`
          : `the branches share no history; rebase onto ${target.ref}`,
      },
    );
  }
  const sha = mergeBase.stdout.trim();
  const diff = await runChecked(
    { file: 'git', args: diffCommand(sha), cwd: root },
    {
      code: 'GIT_FAILED',
      fix: 'check that git works in this repository',
    },
  );
  const untracked = await untrackedFiles(root);
  return { base: target.ref, mergeBase: sha, head, files: [...parseUnifiedDiff(diff.stdout), ...untracked] };
}

/** Files not yet added to git (and not ignored) are new code too: the tools see them. */
async function untrackedFiles(root: string): Promise<ChangedFile[]> {
  const listed = await runChecked(
    { file: 'git', args: ['ls-files', '--others', '--exclude-standard', '-z'], cwd: root },
    {
      code: 'GIT_FAILED',
      fix: 'check that git works in this repository',
    },
  );
  const files: ChangedFile[] = [];
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    let content: Buffer;
    try {
      content = await readFile(path.join(root, file));
    } catch {
      continue;
    }
    // git's own test: a NUL byte in the first 8000 bytes means binary
    const binary = content.subarray(0, 8000).includes(0);
    const lineCount = binary ? 0 : content.toString('utf8').replace(/\n$/, '').split('\n').length;
    const addedLines = content.length === 0 ? [] : Array.from({ length: lineCount }, (_, i) => i + 1);
    files.push({ path: file, status: 'added', binary, addedLines });
  }
  return files;
}

// New code from real git diffs: renames followed, binary and deleted files, odd paths, tricky contents.
import { afterEach, describe, expect, it } from 'vitest';
import { collectNewCode } from '../../quality/diff.js';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.js';

let repo: GitRepo | undefined;
afterEach(() => repo?.cleanup());

const numbered = (n: number, prefix = 'line') =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join('\n') + '\n';

async function withBase(files: Record<string, string | Buffer>): Promise<GitRepo> {
  repo = await createGitRepo({ prefix: 'slipway-diff-' });
  for (const [file, content] of Object.entries(files)) repo.write(file, content);
  await repo.commit('base');
  await repo.git('checkout', '--quiet', '-b', 'feature');
  return repo;
}

describe('new code from git diff against the merge-base', () => {
  it('given a file renamed and edited, when diffed, then it is followed and only the edited line is new', async () => {
    const r = await withBase({ 'src/old-name.ts': numbered(40) });
    r.remove('src/old-name.ts');
    r.write('src/new-name.ts', numbered(40).replace('line 17\n', 'line seventeen\n'));
    await r.commit('rename and edit');
    const { files } = await collectNewCode(r.dir, 'main');
    expect(files).toEqual([
      { path: 'src/new-name.ts', oldPath: 'src/old-name.ts', status: 'renamed', binary: false, addedLines: [17] },
    ]);
  });

  it('given binary, deleted and added files, when diffed, then binary and deleted files have no new lines', async () => {
    const r = await withBase({ 'gone.ts': numbered(3), 'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 0]) });
    r.remove('gone.ts');
    r.write('logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 0]));
    r.write('icon.bin', Buffer.from([0, 0, 0, 1]));
    r.write('fresh.ts', 'export const fresh = true;\nexport const other = false;\n');
    await r.commit('binary and deleted');
    const { files } = await collectNewCode(r.dir, 'main');
    expect(files.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'fresh.ts', status: 'added', binary: false, addedLines: [1, 2] },
      { path: 'gone.ts', status: 'deleted', binary: false, addedLines: [] },
      { path: 'icon.bin', status: 'added', binary: true, addedLines: [] },
      { path: 'logo.png', status: 'modified', binary: true, addedLines: [] },
    ]);
  });

  it('given paths with spaces, quotes and accents, when diffed, then the paths come back as written', async () => {
    const r = await withBase({ 'src/a file.ts': numbered(2) });
    r.write('src/a file.ts', numbered(3));
    r.write('src/café "quoted".ts', 'x\n');
    await r.commit('odd names');
    const { files } = await collectNewCode(r.dir, 'main');
    expect(files.map((f) => [f.path, f.addedLines])).toEqual([
      ['src/a file.ts', [3]],
      ['src/café "quoted".ts', [1]],
    ]);
  });

  it('given added lines that look like diff headers, when diffed, then they are counted as content', async () => {
    const r = await withBase({ 'notes.txt': 'a\nb\nc\n' });
    r.write('notes.txt', 'a\n++ b\n--- c\n+++ d\ndiff --git e\n@@ f\nc');
    await r.commit('header-like content, no trailing newline');
    const { files } = await collectNewCode(r.dir, 'main');
    expect(files).toEqual([{ path: 'notes.txt', status: 'modified', binary: false, addedLines: [2, 3, 4, 5, 6, 7] }]);
  });

  it("given commits on the target branch after the fork, when diffed, then only the branch's own changes count", async () => {
    const r = await withBase({ 'a.ts': numbered(10) });
    r.write('a.ts', numbered(10).replace('line 2\n', 'line two\n'));
    await r.commit('feature edit');
    await r.git('checkout', '--quiet', 'main');
    r.write('b.ts', numbered(5));
    await r.commit('main moves on');
    await r.git('checkout', '--quiet', 'feature');
    const newCode = await collectNewCode(r.dir, 'main');
    expect(newCode.files).toEqual([{ path: 'a.ts', status: 'modified', binary: false, addedLines: [2] }]);
    expect(newCode.mergeBase).toBe(await r.git('merge-base', 'main', 'feature'));
  });

  it('given uncommitted edits and new files, when diffed, then the working tree is what is judged (the tools see it too)', async () => {
    const r = await withBase({ 'a.ts': numbered(3), '.gitignore': 'ignored/\n' });
    r.write('a.ts', numbered(4));
    r.write('new.ts', numbered(2));
    r.write('blob.bin', Buffer.from([1, 0, 2]));
    r.write('ignored/out.ts', numbered(9));
    const { files } = await collectNewCode(r.dir, 'main');
    expect(files).toEqual([
      { path: 'a.ts', status: 'modified', binary: false, addedLines: [4] },
      { path: 'blob.bin', status: 'added', binary: true, addedLines: [] },
      { path: 'new.ts', status: 'added', binary: false, addedLines: [1, 2] },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { renderNotes } from './changelog.js';
import { parseCommit } from './commits.js';

function commit(n: number, message: string) {
  return parseCommit({ hash: `${n}`.repeat(40).slice(0, 40), parents: [], message, files: [] });
}

describe('renderNotes', () => {
  it('given commits of every kind, when rendered, then breaking changes come first and types follow the preset order', () => {
    const notes = renderNotes({
      version: '2.0.0',
      date: '2024-05-01',
      commits: [
        commit(1, 'fix(students): trim names\n\nCloses #12'),
        commit(2, 'feat(grades)!: grades are out of 20'),
        commit(3, 'perf: cache the list'),
        commit(4, 'feat: export as CSV (#7)\n\nRefs: #7, #8'),
        commit(5, 'chore: bump deps'),
        commit(6, 'docs: usage\n\nBREAKING CHANGE: the `--all` flag is gone'),
        commit(7, 'Revert "feat: search"\n\nThis reverts commit 1234567890abcdef.'),
        commit(8, 'Update README'),
        commit(9, 'feat(api): accept JSON'),
      ],
    });
    expect(notes).toBe(
      [
        '## 2.0.0 (2024-05-01)',
        '',
        '### ⚠ BREAKING CHANGES',
        '',
        '* **grades:** grades are out of 20',
        '* the `--all` flag is gone',
        '',
        '### Features',
        '',
        '* export as CSV (#7) (4444444), closes #8',
        '* **api:** accept JSON (9999999)',
        '* **grades:** grades are out of 20 (2222222)',
        '',
        '### Bug Fixes',
        '',
        '* **students:** trim names (1111111), closes #12',
        '',
        '### Performance Improvements',
        '',
        '* cache the list (3333333)',
        '',
        '### Reverts',
        '',
        '* feat: search (7777777)',
        '',
        '### Documentation',
        '',
        '* usage (6666666)',
        '',
      ].join('\n'),
    );
  });

  it('given an appendix and no date, when rendered, then the header is the version alone and the appendix ends the notes', () => {
    expect(renderNotes({ version: '1.0.0', commits: [commit(1, 'fix: a')], appendix: '### Modules\n\n* x' })).toBe(
      '## 1.0.0\n\n### Bug Fixes\n\n* a (1111111)\n\n### Modules\n\n* x\n',
    );
  });
});

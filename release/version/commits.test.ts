import { describe, expect, it } from 'vitest';
import { parseCommitMessage } from './commits.js';

describe('parseCommitMessage', () => {
  it.each([
    ['feat: add search', { type: 'feat', scope: null, subject: 'add search', breaking: [] }],
    ['fix(students): trim names', { type: 'fix', scope: 'students', subject: 'trim names', breaking: [] }],
    ['feat(api)!: drop v1', { type: 'feat', scope: 'api', subject: 'drop v1', breaking: ['drop v1'] }],
    ['refactor!: new layout', { type: 'refactor', scope: null, subject: 'new layout', breaking: ['new layout'] }],
    ['Update README', { type: null, scope: null, subject: null, breaking: [] }],
    ['feat:missing space', { type: null, scope: null, subject: null, breaking: [] }],
    ['Merge branch "x" into "main"', { type: null, scope: null, subject: null, breaking: [] }],
  ])('given the header %j, when parsed, then type, scope, subject and breaking are read', (message, expected) => {
    expect(parseCommitMessage(message)).toMatchObject(expected);
  });

  it('given a BREAKING CHANGE footer over two lines, when parsed, then the note keeps both lines and wins over `!`', () => {
    const parsed = parseCommitMessage(
      'feat(api)!: new auth\n\nWhy we did it.\n\nBREAKING CHANGE: tokens are required\nfor every call\nRefs: #12, #14\n',
    );
    expect(parsed.body).toBe('Why we did it.');
    expect(parsed.breaking).toEqual(['tokens are required\nfor every call']);
    expect(parsed.references).toEqual(['#12', '#14']);
    expect(parsed.footers).toEqual([
      { token: 'BREAKING CHANGE', value: 'tokens are required\nfor every call' },
      { token: 'Refs', value: '#12, #14' },
    ]);
  });

  it('given the BREAKING-CHANGE token, when parsed, then it is a breaking note too', () => {
    expect(parseCommitMessage('fix: x\n\nBREAKING-CHANGE: y').breaking).toEqual(['y']);
  });

  it('given "BREAKING CHANGES:" (not a preset keyword), when parsed, then nothing is breaking', () => {
    expect(parseCommitMessage('fix: x\n\nBREAKING CHANGES: y').breaking).toEqual([]);
  });

  it('given a body paragraph that is not a footer, when parsed, then it stays the body', () => {
    const parsed = parseCommitMessage('fix: x\n\nfirst line\nsecond: line\n\nReviewed-by: Ann\nCloses #3');
    expect(parsed.body).toBe('first line\nsecond: line');
    expect(parsed.footers).toEqual([
      { token: 'Reviewed-by', value: 'Ann' },
      { token: 'Closes', value: '#3' },
    ]);
    expect(parsed.references).toEqual(['#3']);
  });

  it.each([
    ['revert: feat: add search\n\nThis reverts commit 0123456789abcdef.', 'revert', 'feat: add search'],
    ['Revert "feat: add search"\n\nThis reverts commit 0123456789abcdef.', null, 'feat: add search'],
  ])('given the revert %j, when parsed, then the reverted header and hash are read', (message, type, header) => {
    const parsed = parseCommitMessage(message);
    expect(parsed.type).toBe(type);
    expect(parsed.revert).toEqual({ header, hash: '0123456789abcdef' });
  });

  it('given "revert:" without the "This reverts commit" line, when parsed, then it is not a revert', () => {
    expect(parseCommitMessage('revert: feat: add search').revert).toBeNull();
  });

  it('given a scissors line, when parsed, then what follows it is ignored', () => {
    expect(
      parseCommitMessage('fix: x\n\n# ------------------------ >8 ------------------------\nBREAKING CHANGE: no')
        .breaking,
    ).toEqual([]);
  });
});

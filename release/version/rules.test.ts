import { describe, expect, it } from 'vitest';
import { commitBump, highestBump, nextVersion, tagVersion, withoutRevertedPairs } from './rules.js';

describe('release rules', () => {
  it.each([
    [{ type: 'feat', breaking: [], revert: null }, 'minor'],
    [{ type: 'FEAT', breaking: [], revert: null }, 'minor'],
    [{ type: 'fix', breaking: [], revert: null }, 'patch'],
    [{ type: 'perf', breaking: [], revert: null }, 'patch'],
    [{ type: 'docs', breaking: [], revert: null }, null],
    [{ type: null, breaking: [], revert: null }, null],
    [{ type: null, breaking: ['x'], revert: null }, 'major'],
    [{ type: 'revert', breaking: [], revert: { header: 'feat: x', hash: 'abcdef1' } }, 'patch'],
    [{ type: 'revert', breaking: [], revert: null }, null],
  ] as const)('given %j, when judged, then it releases %s', (commit, bump) => {
    expect(commitBump({ ...commit, breaking: [...commit.breaking] })).toBe(bump);
  });

  it('given several bumps, when compared, then the highest wins', () => {
    expect(highestBump(['patch', null, 'minor'])).toBe('minor');
    expect(highestBump([null])).toBeNull();
  });

  it.each([
    [null, null, null],
    [null, 'patch', '1.0.0'],
    ['1.9.9', 'minor', '1.10.0'],
    ['0.9.1', 'major', '1.0.0'],
  ] as const)('given %s and a %s bump, when incremented, then %s', (current, bump, next) => {
    expect(nextVersion(current, bump)).toBe(next);
  });

  it.each([
    ['v1.2.3', '', '1.2.3'],
    ['students-v1.2.3', 'students-', '1.2.3'],
    ['students-api-v1.2.3', 'students-', null],
    ['v1.2.3-rc.1', '', null],
    ['v1.2', '', null],
    ['v01.2.3', '', null],
    ['1.2.3', '', null],
  ])('given the tag %s with prefix %j, when read, then the version is %s', (tag, prefix, version) => {
    expect(tagVersion(tag, prefix)).toBe(version);
  });

  it('given a short or missing revert hash, when filtering, then nothing is cancelled', () => {
    const commits = [
      { hash: 'b'.repeat(40), revert: { hash: 'aaa' } },
      { hash: 'c'.repeat(40), revert: { hash: null } },
      { hash: 'a'.repeat(40), revert: null },
    ];
    expect(withoutRevertedPairs(commits)).toHaveLength(3);
  });
});

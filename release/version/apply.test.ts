import { describe, expect, it } from 'vitest';
import { deleteTagsArgs, parsePushStatus, pushArgs, tagCommand } from './apply.js';
import { gitLogArgs, gitTagArgs, parseGitLog, parseTagList } from './history.js';

describe('git commands', () => {
  it('given a planned tag, when built, then it is an annotated tag whose notes keep their Markdown headings', () => {
    expect(tagCommand('/repo', { name: 'v1.2.0', notes: '## 1.2.0\n' }, 'abc')).toEqual({
      file: 'git',
      args: ['tag', '--annotate', '--cleanup=verbatim', '--file=-', 'v1.2.0', 'abc'],
      cwd: '/repo',
      input: '## 1.2.0\n',
    });
    expect(deleteTagsArgs(['v1.2.0', 'students-v1.0.0'])).toEqual(['tag', '--delete', 'v1.2.0', 'students-v1.0.0']);
  });

  it('given tags to push, when built, then exactly those refs go in one atomic push', () => {
    expect(pushArgs('origin', ['v1.2.0', 'students-v1.0.0'])).toEqual([
      'push',
      '--atomic',
      '--porcelain',
      'origin',
      'refs/tags/v1.2.0:refs/tags/v1.2.0',
      'refs/tags/students-v1.0.0:refs/tags/students-v1.0.0',
    ]);
  });

  it('given the reading commands, when built, then they list history from HEAD and the tags merged into it', () => {
    expect(gitLogArgs()).toEqual([
      'log',
      '--topo-order',
      '-z',
      '--no-renames',
      '--name-only',
      '--format=\x1e%H\x1f%P\x1f%B\x1f',
      'HEAD',
      '--',
    ]);
    expect(gitTagArgs()).toEqual([
      'tag',
      '--list',
      '--merged',
      'HEAD',
      '--format=%(refname:strip=2)%09%(objectname)%09%(*objectname)',
    ]);
  });
});

describe('git output', () => {
  it('given a rejected atomic push, when read, then each ref says whether it was rejected and why', () => {
    const stdout = [
      'To /tmp/remote.git',
      '!\trefs/tags/v1:refs/tags/v1\t[rejected] (already exists)',
      '!\trefs/tags/w1:refs/tags/w1\t[remote rejected] (atomic transaction failed)',
      '*\trefs/tags/x1:refs/tags/x1\t[new tag]',
      'Done',
    ].join('\n');
    expect(parsePushStatus(stdout)).toEqual([
      { ref: 'refs/tags/v1', rejected: true, reason: 'already exists' },
      { ref: 'refs/tags/w1', rejected: true, reason: 'atomic transaction failed' },
      { ref: 'refs/tags/x1', rejected: false, reason: '[new tag]' },
    ]);
  });

  it('given `git log -z --name-only` output, when read, then messages, parents and file names survive verbatim', () => {
    const stdout =
      '\x1ec3\x1fb2\x1fchore: empty\n\x1f\0' +
      '\x1eb2\x1fa1 f6\x1ffix: two\n\nbody\n\x1f\0\ng/a\0s/x/é f.txt\0' +
      '\x1ea1\x1f\x1ffeat: one\n\x1f\0\ng/a\0';
    expect(parseGitLog(stdout)).toEqual([
      { hash: 'c3', parents: ['b2'], message: 'chore: empty\n', files: [] },
      { hash: 'b2', parents: ['a1', 'f6'], message: 'fix: two\n\nbody\n', files: ['g/a', 's/x/é f.txt'] },
      { hash: 'a1', parents: [], message: 'feat: one\n', files: ['g/a'] },
    ]);
  });

  it('given annotated and lightweight tags, when read, then each points at its commit', () => {
    expect(parseTagList('v1.0.0\tt1\tc1\nv1.1.0\tc2\t\n')).toEqual([
      { name: 'v1.0.0', commit: 'c1' },
      { name: 'v1.1.0', commit: 'c2' },
    ]);
  });
});

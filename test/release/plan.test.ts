// `slipway release plan` on real git histories: bump rules, reverts, modules, first and 0.x releases, shallow clones.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { change, cleanupRepos, monorepo, plan, slipway, tag } from './fixture.js';

afterEach(cleanupRepos);

describe('release plan: the bump rules on real histories', () => {
  it.each([
    ['a feat', ['feat(students): search by name'], 'minor', '1.3.0'],
    ['a fix', ['fix: trim input'], 'patch', '1.2.1'],
    ['a perf', ['perf: cache the list'], 'patch', '1.2.1'],
    ['a feat and a fix', ['fix: a', 'feat: b', 'fix: c'], 'minor', '1.3.0'],
    ['a `!` header', ['fix: a', 'feat(api)!: drop the v1 routes'], 'major', '2.0.0'],
    ['a BREAKING CHANGE footer', ['refactor: ids\n\nBREAKING CHANGE: ids are UUIDs now'], 'major', '2.0.0'],
    ['only docs, chores and tests', ['docs: usage', 'chore: deps', 'test: more'], null, null],
    ['non-conventional messages', ['Update README.md', 'WIP'], null, null],
  ])('given v1.2.0 and then %s, when planned, then the bump is %s', async (_name, messages, bump, next) => {
    const repo = await monorepo();
    await tag(repo, 'v1.2.0');
    for (const message of messages) await change(repo, 'README.md', message);
    const result = await plan(repo);
    expect({ current: result.current, bump: result.bump, next: result.next }).toEqual({
      current: '1.2.0',
      bump,
      next,
    });
  });

  it('given a feat reverted with `git revert` after the last release, when planned, then both cancel out', async () => {
    const repo = await monorepo();
    await tag(repo, 'v1.2.0');
    const feat = await change(repo, 'README.md', 'feat: export as CSV');
    await repo.git('revert', '--no-edit', feat);
    await change(repo, 'README.md', 'docs: typo');
    const result = await plan(repo);
    expect(await repo.git('log', '-1', '--skip=1', '--format=%B')).toContain(`This reverts commit ${feat}.`);
    expect(result.bump).toBeNull();
    expect(result.changelog).toBe('');
  });

  it('given a revert of a feat released earlier, when planned, then it is a patch listed under Reverts', async () => {
    const repo = await monorepo();
    const feat = await change(repo, 'README.md', 'feat: export as CSV');
    await tag(repo, 'v1.2.0');
    await repo.git('revert', '--no-edit', feat);
    const result = await plan(repo);
    expect(result.next).toBe('1.2.1');
    expect(result.changelog).toContain(
      `### Reverts\n\n* feat: export as CSV (${(await repo.git('rev-parse', 'HEAD')).slice(0, 7)})`,
    );
  });

  it('given a `revert:` commit of a feat since the release, when planned, then only the other fix releases', async () => {
    const repo = await monorepo();
    await tag(repo, 'v1.2.0');
    const feat = await change(repo, 'README.md', 'feat: search');
    await change(repo, 'README.md', 'fix: spacing');
    await change(repo, 'README.md', `revert: feat: search\n\nThis reverts commit ${feat}.`);
    const result = await plan(repo);
    expect(result.next).toBe('1.2.1');
    expect(result.changelog).not.toContain('search');
  });

  it('given no release tag at all, when planned, then the app and every changed module start at 1.0.0', async () => {
    const repo = await monorepo();
    await change(repo, 'students/api/index.js', 'feat(students): list');
    const result = await plan(repo);
    expect(result.current).toBeNull();
    expect(result.next).toBe('1.0.0');
    expect(result.modules.students).toMatchObject({ current: null, next: '1.0.0', bump: 'minor' });
    // grades' files came with `chore: init` only, which releases nothing
    expect(result.modules.grades).toMatchObject({ current: null, next: null, bump: null });
    expect(result.tags.map((t) => t.name)).toEqual(['v1.0.0', 'students-v1.0.0']);
  });

  it.each([
    ['feat', 'feat: a', '0.4.0'],
    ['fix', 'fix: a', '0.3.2'],
    ['breaking', 'feat!: a', '1.0.0'],
  ])(
    'given v0.3.1 and a %s, when planned, then the 0.x version follows semantic-release (%s)',
    async (_kind, message, next) => {
      const repo = await monorepo();
      await tag(repo, 'v0.3.1');
      await change(repo, 'README.md', message);
      expect((await plan(repo)).next).toBe(next);
    },
  );

  it('given a tag on another branch, when planned, then only tags reachable from HEAD count', async () => {
    const repo = await monorepo();
    await tag(repo, 'v1.0.0');
    await repo.git('checkout', '--quiet', '-b', 'hotfix');
    await change(repo, 'README.md', 'fix: hot');
    await tag(repo, 'v1.0.1');
    await repo.git('checkout', '--quiet', 'main');
    await change(repo, 'README.md', 'feat: new');
    expect((await plan(repo)).next).toBe('1.1.0');
  });
});

describe('release plan: modules', () => {
  async function released() {
    const repo = await monorepo();
    await tag(repo, 'v1.4.0', 'students-v1.1.0', 'grades-v2.0.0');
    return repo;
  }

  it('given a fix in students only, when planned, then only students and the app are bumped', async () => {
    const repo = await released();
    await change(repo, 'students/web/index.js', 'fix(students): trim names');
    const result = await plan(repo);
    expect(result.next).toBe('1.4.1');
    expect(result.modules).toEqual({
      grades: { current: '2.0.0', next: null, bump: null, tag: null, changelog: '' },
      students: {
        current: '1.1.0',
        next: '1.1.1',
        bump: 'patch',
        tag: 'students-v1.1.1',
        changelog: expect.stringContaining('* **students:** trim names'),
      },
    });
    expect(result.tags.map((t) => t.name)).toEqual(['v1.4.1', 'students-v1.1.1']);
  });

  it('given a feat in grades and a breaking change in students, when planned, then each module gets its own bump', async () => {
    const repo = await released();
    await change(repo, 'grades/api/index.js', 'feat(grades): averages');
    await change(repo, 'students/api/index.js', 'fix(students)!: ids are UUIDs');
    await change(repo, 'README.md', 'docs: readme');
    const result = await plan(repo);
    expect([result.bump, result.modules.grades!.bump, result.modules.students!.bump]).toEqual([
      'major',
      'minor',
      'major',
    ]);
    expect(result.tags.map((t) => t.name)).toEqual(['v2.0.0', 'grades-v2.1.0', 'students-v2.0.0']);
    expect(result.changelog).toContain('### ⚠ BREAKING CHANGES\n\n* **students:** ids are UUIDs');
    expect(result.changelog).toContain('### Modules\n\n* **grades:** 2.0.0 → 2.1.0 (minor), tag grades-v2.1.0');
  });

  it('given a commit that touches both modules, when planned, then both are bumped', async () => {
    const repo = await released();
    repo.write('students/api/shared.js', '1\n');
    repo.write('grades/api/shared.js', '1\n');
    await repo.commit('feat: shared ids');
    const result = await plan(repo);
    expect([result.modules.students!.next, result.modules.grades!.next]).toEqual(['1.2.0', '2.1.0']);
  });

  it('given a file moved out of a module, when planned, then the module counts the move', async () => {
    const repo = await released();
    await repo.git('mv', 'grades/api/index.js', 'legacy.js');
    await repo.commit('fix: move the legacy entry out of grades');
    expect((await plan(repo)).modules.grades!.next).toBe('2.0.1');
  });

  it('given the human output, when planned, then each version and the notes are printed', async () => {
    const repo = await released();
    await change(repo, 'students/web/index.js', 'fix(students): trim names');
    const run = await slipway(['release', 'plan'], repo.dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^app {7}1\.4\.0 → 1\.4\.1 {2}\(patch\) {2}tag v1\.4\.1$/m);
    expect(run.stdout).toMatch(/^grades {4}2\.0\.0 {2}\(nothing to release\)$/m);
    expect(run.stdout).toContain('### Bug Fixes\n\n* **students:** trim names');
  });
});

describe('release plan: the repository around it', () => {
  it('given no slipway.config.ts, when planned, then the app is versioned alone', async () => {
    const repo = await monorepo({ config: false });
    await change(repo, 'students/api/index.js', 'feat: x');
    const run = await slipway(['release', 'plan', '--json'], repo.dir);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ next: '1.0.0', modules: {} });
    expect(run.stderr).toContain('no slipway.config.ts found');
  });

  it('given a shallow clone that lacks the last release, when planned, then exit 2 says how to fetch it', async () => {
    const repo = await monorepo();
    await tag(repo, 'v1.0.0');
    for (const n of [1, 2, 3]) await change(repo, 'README.md', `fix: ${n}`);
    const shallow = await monorepo();
    await shallow.git('fetch', '--quiet', '--depth', '2', `file://${repo.dir}`, 'main');
    await shallow.git('reset', '--quiet', '--hard', 'FETCH_HEAD');
    const run = await slipway(['release', 'plan', '--json'], shallow.dir);
    expect(run.code).toBe(2);
    expect((run.json as { error: { code: string; fix: string } }).error).toMatchObject({
      code: 'HISTORY_INCOMPLETE',
      fix: expect.stringContaining('git fetch --unshallow --tags'),
    });
  });

  it('given a folder outside any git repository, when planned, then exit 2 says so', async () => {
    const repo = await monorepo();
    rmSync(`${repo.dir}/.git`, { recursive: true, force: true });
    const run = await slipway(['release', 'plan'], repo.dir, { GIT_CEILING_DIRECTORIES: path.dirname(repo.dir) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error NOT_A_REPOSITORY');
  });

  it('given --help, when asked, then both commands explain the rules', async () => {
    const repo = await monorepo();
    for (const args of [
      ['release', 'plan', '--help'],
      ['release', '--help'],
    ]) {
      const run = await slipway(args, repo.dir);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('feat → minor, fix and perf → patch');
    }
    expect((await slipway(['release', '--help'], repo.dir)).stdout).toContain('--remote <name>');
  });
});

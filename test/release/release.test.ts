// `slipway release` on real repositories: annotated tags and notes, dry runs, refusals, and atomic pushes that race.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanJson } from './fixture.js';
import {
  bareRemote,
  change,
  cleanupRepos,
  clone,
  localTags,
  monorepo,
  plan,
  remoteTags,
  slipway,
  tag,
} from './fixture.js';

afterEach(cleanupRepos);

interface ErrorJson {
  error: { code: string; message: string; fix: string };
}

function notesFiles(dir: string): string[] {
  const folder = path.join(dir, '.slipway', 'release');
  return existsSync(folder) ? readdirSync(folder).sort() : [];
}

/** A monorepo released as v1.0.0, students-v1.0.0 and grades-v1.0.0. */
async function released() {
  const repo = await monorepo();
  await tag(repo, 'v1.0.0', 'students-v1.0.0', 'grades-v1.0.0');
  return repo;
}

/** The same with a new fix in students. */
async function releasedWithFix() {
  const repo = await released();
  await change(repo, 'students/api/index.js', 'fix(students): trim names');
  return repo;
}

describe('slipway release: tags and notes', () => {
  it('given a fix in students, when released, then annotated tags at HEAD carry the notes written under .slipway/release', async () => {
    const repo = await releasedWithFix();
    const head = await repo.git('rev-parse', 'HEAD');
    const run = await slipway(['release', '--json'], repo.dir);
    expect(run.code).toBe(0);
    const result = run.json as PlanJson & { released: boolean; commit: string; pushed: boolean; notes: string[] };
    expect(result).toMatchObject({ released: true, commit: head, pushed: false, next: '1.0.1' });
    expect(result.tags.map((t) => t.name)).toEqual(['v1.0.1', 'students-v1.0.1']);
    expect(notesFiles(repo.dir)).toEqual(['students-v1.0.1.md', 'v1.0.1.md']);
    for (const name of ['v1.0.1', 'students-v1.0.1']) {
      expect(await repo.git('cat-file', '-t', name)).toBe('tag');
      expect(await repo.git('rev-parse', `${name}^{commit}`)).toBe(head);
      const notes = readFileSync(path.join(repo.dir, '.slipway', 'release', `${name}.md`), 'utf8');
      // the tag message keeps the Markdown headings that git's default cleanup would strip
      expect(`${await repo.git('tag', '--list', '--format=%(contents)', name)}\n`).toBe(notes);
      expect(notes).toContain('### Bug Fixes\n\n* **students:** trim names');
    }
  });

  it('given a release just made, when planned and released again, then there is nothing to release (exit 0)', async () => {
    const repo = await releasedWithFix();
    expect((await slipway(['release'], repo.dir)).code).toBe(0);
    expect(await plan(repo)).toMatchObject({ current: '1.0.1', next: null, bump: null, tags: [] });
    const again = await slipway(['release'], repo.dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('nothing to release\n');
    expect(await localTags(repo)).toEqual(['grades-v1.0.0', 'students-v1.0.0', 'students-v1.0.1', 'v1.0.0', 'v1.0.1']);
  });

  it('given --dry-run, when released, then the tags and notes are printed and nothing is written', async () => {
    const repo = await releasedWithFix();
    const run = await slipway(['release', '--dry-run'], repo.dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dry run: would tag');
    expect(run.stdout).toContain('v1.0.1, students-v1.0.1');
    expect(await localTags(repo)).toEqual(['grades-v1.0.0', 'students-v1.0.0', 'v1.0.0']);
    expect(notesFiles(repo.dir)).toEqual([]);
  });

  it('given a tag of the next version already in the clone, when released, then it refuses before writing anything', async () => {
    const repo = await releasedWithFix();
    await repo.git('checkout', '--quiet', '-b', 'elsewhere', 'v1.0.0');
    await change(repo, 'README.md', 'fix: other');
    await tag(repo, 'students-v1.0.1');
    await repo.git('checkout', '--quiet', 'main');
    const run = await slipway(['release', '--json'], repo.dir);
    expect(run.code).toBe(1);
    expect((run.json as ErrorJson).error).toMatchObject({
      code: 'TAG_EXISTS',
      message: 'tag students-v1.0.1 already exists in this clone',
    });
    expect(await localTags(repo)).toEqual(['grades-v1.0.0', 'students-v1.0.0', 'students-v1.0.1', 'v1.0.0']);
    expect(notesFiles(repo.dir)).toEqual([]);
  });

  it('given no git identity, when released, then slipway tags as its own bot', async () => {
    const repo = await releasedWithFix();
    await repo.git('config', '--unset', 'user.name');
    await repo.git('config', '--unset', 'user.email');
    const run = await slipway(['release'], repo.dir, { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' });
    expect(run.code).toBe(0);
    expect(await repo.git('tag', '--list', '--format=%(taggername) %(taggeremail)', 'v1.0.1')).toBe(
      'slipway <slipway@localhost>',
    );
  });

  it('given --remote without --push, when released, then it is a usage error', async () => {
    const repo = await releasedWithFix();
    const run = await slipway(['release', '--remote', 'upstream'], repo.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error USAGE: --remote only makes sense with --push');
  });
});

describe('slipway release --push', () => {
  it('given a remote, when released with --push, then exactly the new tags reach it', async () => {
    const repo = await releasedWithFix();
    const remote = await bareRemote(repo);
    await repo.git('branch', 'local-only');
    const run = await slipway(['release', '--push', '--json'], repo.dir);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ released: true, pushed: true, remote: 'origin' });
    expect((await remoteTags(remote)).map((t) => t.split(' ')[0])).toEqual(['students-v1.0.1', 'v1.0.1']);
    expect(await remoteTags(remote)).toEqual([
      `students-v1.0.1 ${await repo.git('rev-parse', 'refs/tags/students-v1.0.1')}`,
      `v1.0.1 ${await repo.git('rev-parse', 'refs/tags/v1.0.1')}`,
    ]);
    expect(await repo.git('--git-dir', remote, 'for-each-ref', '--format=%(refname)', 'refs/heads')).toBe(
      'refs/heads/main',
    );
  });

  it('given another pipeline pushed the same version first, when pushed, then TAG_EXISTS and nothing of this run remains', async () => {
    const remote = await bareRemote(await released(), { tags: true });
    const [other, mine] = [await clone(remote), await clone(remote)];
    await change(other, 'grades/api/index.js', 'fix(grades): rounding');
    expect((await slipway(['release', '--push'], other.dir)).code).toBe(0);
    const before = await remoteTags(remote);
    expect(before.map((t) => t.split(' ')[0])).toContain('v1.0.1');
    await change(mine, 'students/web/index.js', 'fix(students): spacing');
    const run = await slipway(['release', '--push', '--json'], mine.dir);
    expect(run.code).toBe(1);
    expect((run.json as ErrorJson).error).toEqual({
      code: 'TAG_EXISTS',
      message: 'origin already has v1.0.1: another release took this version first',
      fix: "fetch the tags and plan again: git fetch --tags origin, then slipway release plan (this run's tags were removed, nothing was pushed)",
      details: ['refs/tags/v1.0.1: already exists', 'refs/tags/students-v1.0.1: atomic push failed'],
    });
    expect(run.stderr).toContain('removed the local tags v1.0.1, students-v1.0.1');
    expect(await localTags(mine)).toEqual(['grades-v1.0.0', 'students-v1.0.0', 'v1.0.0']);
    expect(notesFiles(mine.dir)).toEqual([]);
    expect(await remoteTags(remote)).toEqual(before);
  });

  it('given two pipelines releasing at once from two clones, when both push, then one wins and the other leaves no trace', async () => {
    const remote = await bareRemote(await released(), { tags: true });
    const [a, b] = [await clone(remote), await clone(remote)];
    // both plan v1.0.1; a also tags students, b grades: the atomic push keeps the loser's module tag out as well
    await change(a, 'students/api/index.js', 'fix(students): a');
    await change(b, 'grades/api/index.js', 'fix(grades): b');
    const runs = await Promise.all([a, b].map((c) => slipway(['release', '--push', '--json'], c.dir)));
    expect(runs.map((r) => r.code).sort()).toEqual([0, 1]);
    const [winner, loser] = runs[0]!.code === 0 ? [a, b] : [b, a];
    const lost = runs.find((r) => r.code === 1)!;
    expect((lost.json as ErrorJson).error.code).toBe('TAG_EXISTS');
    expect((lost.json as ErrorJson).error.message).toContain('v1.0.1');
    const won = (await localTags(winner)).filter((t) => t.endsWith('v1.0.1'));
    expect(won).toEqual(winner === a ? ['students-v1.0.1', 'v1.0.1'] : ['grades-v1.0.1', 'v1.0.1']);
    const expected = await Promise.all(won.map(async (t) => `${t} ${await winner.git('rev-parse', `refs/tags/${t}`)}`));
    expect((await remoteTags(remote)).filter((t) => t.split(' ')[0]!.endsWith('v1.0.1'))).toEqual(expected);
    expect((await localTags(loser)).filter((t) => t.endsWith('v1.0.1'))).toEqual([]);
    expect(notesFiles(loser.dir)).toEqual([]);
  });

  it('given an unreachable remote, when pushed, then exit 3 and the local tags are removed', async () => {
    const repo = await releasedWithFix();
    await repo.git('remote', 'add', 'origin', path.join(repo.dir, 'no-such-remote.git'));
    const run = await slipway(['release', '--push'], repo.dir);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('error GIT_FAILED: git push to origin failed');
    expect(await localTags(repo)).toEqual(['grades-v1.0.0', 'students-v1.0.0', 'v1.0.0']);
    expect(notesFiles(repo.dir)).toEqual([]);
  });
});

// `slipway release --push` in a GitLab CI or GitHub Actions job publishes each new tag as a release with its notes,
// on fakes of both forges; a push elsewhere publishes nothing; a failed publish is finished by `release publish`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitRepo } from '../helpers/git-repo.js';
import { GithubFake } from '../fakes/github.js';
import { GitlabFake } from '../fakes/gitlab.js';
import { bareRemote, change, cleanupRepos, localTags, monorepo, remoteTags, tag } from '../release/fixture.js';
import { githubEnv, gitlabEnv, slipway, tokenLeaks } from './helpers.js';
import type { CliRun } from '../helpers/cli.js';

const GITLAB_TOKEN = 'glpat-ReleaseTokenSecret000';
const GITHUB_TOKEN = 'ghs_ReleaseTokenSecret111';

const fakes: { stop(): Promise<void>; forge: { unexpected: string[] } }[] = [];
const runs: CliRun[] = [];
let current: GitRepo | undefined;

afterEach(async () => {
  for (const fake of fakes.splice(0)) {
    expect(fake.forge.unexpected).toEqual([]);
    await fake.stop();
  }
  if (current) {
    expect(tokenLeaks(GITLAB_TOKEN, runs, current.dir)).toEqual([]);
    expect(tokenLeaks(GITHUB_TOKEN, runs, current.dir)).toEqual([]);
  }
  runs.splice(0);
  current = undefined;
  cleanupRepos();
});

/** A released monorepo with a fix in students, whose origin is `url` on the forge, rewritten to a bare folder. */
async function repoPushingTo(url: string): Promise<{ repo: GitRepo; remote: string }> {
  const repo = await monorepo();
  current = repo;
  await tag(repo, 'v1.0.0', 'students-v1.0.0', 'grades-v1.0.0');
  await change(repo, 'students/api/index.js', 'fix(students): trim names');
  const remote = await bareRemote(repo);
  // origin names the forge's repository, as in a CI checkout; git itself goes to the bare folder
  await repo.git('remote', 'set-url', 'origin', url);
  await repo.git('config', `url.${remote}.insteadOf`, url);
  return { repo, remote };
}

function notes(repo: GitRepo, tagName: string): string {
  return readFileSync(path.join(repo.dir, '.slipway', 'release', `${tagName}.md`), 'utf8');
}

async function release(repo: GitRepo, env: NodeJS.ProcessEnv, args: string[] = ['--push']): Promise<CliRun> {
  const run = await slipway(['release', '--json', ...args], repo.dir, env);
  runs.push(run);
  return run;
}

async function gitlab(): Promise<GitlabFake> {
  const fake = new GitlabFake({ token: GITLAB_TOKEN });
  await fake.start();
  fakes.push(fake);
  return fake;
}

async function github(): Promise<GithubFake> {
  const fake = new GithubFake({ token: GITHUB_TOKEN });
  await fake.start();
  fakes.push(fake);
  return fake;
}

describe('slipway release on a forge', () => {
  it('given a GitLab job whose origin is its project, when released with --push, then each tag becomes a GitLab release with its notes', async () => {
    const fake = await gitlab();
    const { repo, remote } = await repoPushingTo(`${fake.url}/school/scolarite.git`);
    const head = await repo.git('rev-parse', 'HEAD');
    const run = await release(
      repo,
      gitlabEnv(fake.apiUrl, { CI_COMMIT_SHA: head, CI_COMMIT_REF_NAME: 'main', SLIPWAY_GITLAB_TOKEN: GITLAB_TOKEN }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect((await remoteTags(remote)).map((t) => t.split(' ')[0])).toContain('students-v1.0.1');
    expect(fake.releases).toEqual([
      { tag_name: 'v1.0.1', name: 'v1.0.1', description: notes(repo, 'v1.0.1'), created_at: expect.any(String) },
      {
        tag_name: 'students-v1.0.1',
        name: 'students-v1.0.1',
        description: notes(repo, 'students-v1.0.1'),
        created_at: expect.any(String),
      },
    ]);
    expect(notes(repo, 'v1.0.1')).toContain('### Bug Fixes');
    expect(run.json).toMatchObject({
      published: {
        platform: 'gitlab',
        skipped: null,
        releases: [
          { tag: 'v1.0.1', action: 'created', url: `${fake.url}/school/scolarite/-/releases/v1.0.1` },
          { tag: 'students-v1.0.1', action: 'created' },
        ],
      },
    });
  });

  it('given a GitHub job whose origin is its repository, when released with --push, then each tag becomes a GitHub release of HEAD', async () => {
    const fake = await github();
    const { repo } = await repoPushingTo('https://github.example/school/scolarite.git');
    const head = await repo.git('rev-parse', 'HEAD');
    const event = path.join(repo.dir, '.git', 'event.json');
    const run = await release(
      repo,
      githubEnv(fake.url, GITHUB_TOKEN, undefined, event, { GITHUB_SHA: head, GITHUB_REF_NAME: 'main' }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(fake.releases).toMatchObject([
      { tag_name: 'v1.0.1', name: 'v1.0.1', body: notes(repo, 'v1.0.1'), target_commitish: head },
      {
        tag_name: 'students-v1.0.1',
        name: 'students-v1.0.1',
        body: notes(repo, 'students-v1.0.1'),
        target_commitish: head,
      },
    ]);
    for (const request of fake.forge.requests) expect(request.headers.authorization).toBe(`token ${GITHUB_TOKEN}`);
  });

  it('given a GitLab job pushing to a remote that is not its project, when released, then no GitLab release is made', async () => {
    const fake = await gitlab();
    const repo = await monorepo();
    current = repo;
    await tag(repo, 'v1.0.0');
    await change(repo, 'README.md', 'feat: search');
    await bareRemote(repo);
    const run = await release(repo, gitlabEnv(fake.apiUrl, { SLIPWAY_GITLAB_TOKEN: GITLAB_TOKEN }));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /no forge release: origin \(.*\) is not this job's gitlab repository 127\.0\.0\.1\/school\/scolarite/,
    );
    expect(run.json).toMatchObject({ pushed: true, published: { platform: null, releases: [] } });
    expect(fake.forge.requests).toEqual([]);
  });

  it('given an expired token, when released with --push, then the tags stay pushed, it fails (exit 3), and release publish finishes the job', async () => {
    const fake = await gitlab();
    const { repo, remote } = await repoPushingTo(`${fake.url}/school/scolarite.git`);
    const env = gitlabEnv(fake.apiUrl, { SLIPWAY_GITLAB_TOKEN: GITLAB_TOKEN });
    fake.forge.expireToken();
    const failed = await release(repo, env);
    expect(failed.code).toBe(3);
    expect(failed.json).toMatchObject({ error: { code: 'PLATFORM_AUTH' } });
    const error = (failed.json as { error: { message: string; fix: string } }).error;
    expect(error.message).toContain('the tags are pushed, their releases are not all published');
    expect(error.fix).toMatch(/^set SLIPWAY_GITLAB_TOKEN to a valid token .*, then run slipway release publish$/);
    expect((await remoteTags(remote)).map((t) => t.split(' ')[0])).toEqual(
      expect.arrayContaining(['v1.0.1', 'students-v1.0.1']),
    );
    expect(await localTags(repo)).toContain('v1.0.1');
    expect(fake.releases).toEqual([]);

    fake.forge.renewToken();
    const published = await slipway(['release', 'publish', '--json'], repo.dir, env);
    runs.push(published);
    expect(published.code, published.stderr).toBe(0);
    expect(published.json).toMatchObject({
      platform: 'gitlab',
      releases: [
        { tag: 'v1.0.1', action: 'created' },
        { tag: 'students-v1.0.1', action: 'created' },
      ],
    });
    expect(fake.releases.map((r) => [r.tag_name, r.description])).toEqual([
      ['v1.0.1', notes(repo, 'v1.0.1')],
      ['students-v1.0.1', notes(repo, 'students-v1.0.1')],
    ]);
    // once more: the releases exist, their notes are updated, nothing is duplicated
    const again = await slipway(['release', 'publish', '--json'], repo.dir, env);
    runs.push(again);
    expect(again.json).toMatchObject({ releases: [{ action: 'updated' }, { action: 'updated' }] });
    expect(fake.releases).toHaveLength(2);
  });

  it('given --platform github without --push, when released, then it is a usage error and nothing is tagged', async () => {
    const repo = await monorepo();
    current = repo;
    await tag(repo, 'v1.0.0');
    await change(repo, 'README.md', 'feat: search');
    const run = await release(repo, {}, ['--platform', 'github']);
    expect(run.code).toBe(2);
    expect(run.json).toMatchObject({
      error: { code: 'USAGE', message: '--platform github publishes releases of pushed tags' },
    });
    expect(await localTags(repo)).toEqual(['v1.0.0']);
  });
});

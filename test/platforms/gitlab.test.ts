// `slipway mr report` against a fake GitLab: one note per merge request, edited on every push; a commit status;
// a deployment per preview; 429 retried after Retry-After; an expired token named; the token never shown.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitRepo } from '../helpers/git-repo.js';
import { GitlabFake } from '../fakes/gitlab.js';
import { gateSample, loadtestSample, previewSample, writeStepOutputs } from '../fakes/reports.js';
import { gitlabEnv, mergeRequestVariables, projectRepo, slipway, tokenLeaks } from './helpers.js';
import type { CliRun } from '../helpers/cli.js';

const TOKEN = 'glpat-Sup3rSecretTokenValue123';
const JOB_TOKEN = 'glcbt-64_JobTokenSecretValue456';
const MARKER = '<!-- slipway:mr-report project="relfix" -->';

let fake: GitlabFake;
let repo: GitRepo;
let sha: string;
const runs: CliRun[] = [];

beforeEach(async () => {
  // pages of 2: the report's note sits on the third page behind other people's notes
  fake = new GitlabFake({ token: TOKEN, jobToken: JOB_TOKEN, pageSize: 2 });
  await fake.start();
  repo = await projectRepo();
  sha = await repo.git('rev-parse', 'HEAD');
  fake.addMergeRequest(7, 'feature/login');
  for (const text of ['Looks good', 'Can you rename this?', 'Done']) fake.addNote(7, text);
  fake.addNote(7, 'added 1 commit', true);
});

afterEach(async () => {
  expect(fake.forge.unexpected).toEqual([]);
  expect(tokenLeaks(TOKEN, runs.splice(0), repo.dir)).toEqual([]);
  await fake.stop();
  repo.cleanup();
});

function env(extra: NodeJS.ProcessEnv = {}) {
  return gitlabEnv(fake.apiUrl, {
    ...mergeRequestVariables(7, 'feature/login', sha),
    SLIPWAY_GITLAB_TOKEN: TOKEN,
    CI_JOB_TOKEN: JOB_TOKEN,
    ...extra,
  });
}

async function report(extra: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<CliRun> {
  const run = await slipway(['mr', 'report', '--json', ...args], repo.dir, env(extra));
  runs.push(run);
  return run;
}

describe('slipway mr report on GitLab', () => {
  it('given two pushes to the same merge request, when reported twice, then one note is created and then edited', async () => {
    writeStepOutputs(repo.dir, { gate: gateSample({ failedLines: 3 }), loadtest: loadtestSample('passed') });
    const first = await report();
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ platform: 'gitlab', state: 'failure', comment: { action: 'created' } });

    // the next push: the gate passes, the load test regresses
    writeStepOutputs(repo.dir, { gate: gateSample({ failedLines: 0 }), loadtest: loadtestSample('failed') });
    const second = await report();
    expect(second.code, second.stderr).toBe(0);
    expect(second.json).toMatchObject({ comment: { action: 'updated' } });

    const notes = fake.notes.get(7)!;
    const mine = notes.filter((n) => n.body.startsWith(MARKER));
    expect(mine).toHaveLength(1);
    expect(notes).toHaveLength(5);
    const body = mine[0]!.body;
    expect(body).toContain('✅ | **Quality gate** | passed');
    expect(body).toContain('❌ | **Load test** | failed on `feature-login`');
    expect(body).toContain('[feature-login](http://web-students--feature-login.localhost:8080)');
    expect(body).toContain(
      '| students/api | built | `127.0.0.1:5000/relfix/students-api@sha256:dddddddddddd…` | students/api/index.js changed |',
    );
    expect(body).toContain('#### Compared with the baseline');
    expect(body).toContain(`Commit \`${sha.slice(0, 12)}\``);
    expect((second.json as { comment: { url: string } }).comment.url).toBe(
      `${fake.url}/school/scolarite/-/merge_requests/7#note_${mine[0]!.id}`,
    );
    // the notes were read page by page (per_page=100 asked, 2 served), following the Link header
    const reads = fake.forge.calls('GET', '/projects/:id/merge_requests/:iid/notes');
    expect(reads.map((r) => r.query.get('page'))).toEqual([null, '2', null, '2', '3']);
    expect(reads.every((r) => r.query.get('per_page') === '100')).toBe(true);
    expect(fake.forge.calls('POST', '/projects/:id/merge_requests/:iid/notes')).toHaveLength(1);
    expect(fake.forge.calls('PUT', '/projects/:id/merge_requests/:iid/notes/:note_id')).toHaveLength(1);
    // every request carried the project access token, never the job token
    for (const request of fake.forge.requests) {
      expect(request.headers['private-token']).toBe(TOKEN);
      expect(request.headers['job-token']).toBeUndefined();
    }
  });

  it('given a failed gate, when reported, then the commit status is failed on the pipeline, with the pipeline as link', async () => {
    writeStepOutputs(repo.dir, { gate: gateSample({ failedLines: 3 }) });
    const run = await report();
    expect(run.code, run.stderr).toBe(0);
    expect(fake.statuses).toEqual([
      {
        id: expect.any(Number),
        sha,
        ref: 'feature/login',
        status: 'failed',
        name: 'slipway/relfix',
        target_url: `${fake.url}/school/scolarite/-/pipelines/99`,
        description: 'gate failed, load test passed',
        pipeline_id: 99,
      },
    ]);
  });

  it('given a preview, when reported twice, then its environment carries the URL and each report records a deployment', async () => {
    writeStepOutputs(repo.dir);
    expect((await report()).code).toBe(0);
    writeStepOutputs(repo.dir, {
      preview: { ...previewSample(), urls: { 'students/web': 'http://new.localhost:8080' }, components: [] },
    });
    expect((await report()).code).toBe(0);
    expect(fake.environments).toMatchObject([
      { name: 'preview/feature-login', external_url: 'http://new.localhost:8080', tier: 'development' },
    ]);
    expect(fake.deployments).toMatchObject([
      { ref: 'feature/login', sha, tag: false, status: 'success', environment: { name: 'preview/feature-login' } },
      { ref: 'feature/login', sha, tag: false, status: 'success', environment: { name: 'preview/feature-login' } },
    ]);
    expect(fake.forge.calls('POST', '/projects/:id/environments')).toHaveLength(1);
    expect(fake.forge.calls('PUT', '/projects/:id/environments/:environment_id')).toHaveLength(1);
  });

  it('given GitLab rate-limits the note with Retry-After: 1, when reported, then slipway waits and the note is written once', async () => {
    writeStepOutputs(repo.dir);
    fake.forge.rateLimitOnce('POST', '/projects/:id/merge_requests/:iid/notes', 1);
    const started = Date.now();
    const run = await report();
    expect(run.code, run.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(run.stderr).toContain('GitLab answered 429 (rate limit): retrying in 1 s');
    expect(fake.notes.get(7)!.filter((n) => n.body.startsWith(MARKER))).toHaveLength(1);
  });

  it('given an expired token, when reported, then it fails with exit 3 naming SLIPWAY_GITLAB_TOKEN, and never the token', async () => {
    writeStepOutputs(repo.dir);
    fake.forge.expireToken();
    const run = await report({}, ['--debug']);
    expect(run.code).toBe(3);
    expect(run.json).toMatchObject({
      error: {
        code: 'PLATFORM_AUTH',
        message:
          'GitLab rejected the token in SLIPWAY_GITLAB_TOKEN while listing the notes of merge request !7 (401 Unauthorized: expired, revoked or mistyped)',
        fix: 'set SLIPWAY_GITLAB_TOKEN to a valid token with the api scope and at least the Developer role',
      },
    });
  });

  it('given only the job token, when reported, then it is sent as JOB-TOKEN', async () => {
    writeStepOutputs(repo.dir);
    const run = await report({ SLIPWAY_GITLAB_TOKEN: '' });
    expect(run.code, run.stderr).toBe(0);
    expect(fake.forge.requests.length).toBeGreaterThan(0);
    for (const request of fake.forge.requests) {
      expect(request.headers['job-token']).toBe(JOB_TOKEN);
      expect(request.headers['private-token']).toBeUndefined();
    }
    expect(tokenLeaks(JOB_TOKEN, [run], repo.dir)).toEqual([]);
  });

  it('given a branch pipeline (no merge request variables), when reported, then the open merge request of the branch is found', async () => {
    writeStepOutputs(repo.dir);
    const run = await report({
      CI_MERGE_REQUEST_IID: '',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: '',
      CI_PIPELINE_SOURCE: 'push',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({
      changeRequest: { number: '7', branch: 'feature/login' },
      comment: { action: 'created' },
    });
    expect(fake.forge.calls('GET', '/projects/:id/merge_requests')[0]!.query.get('source_branch')).toBe(
      'feature/login',
    );
  });

  it('given an unknown --platform, when reported, then it is a usage error listing the platforms', async () => {
    const run = await report({}, ['--platform', 'bitbucket']);
    expect(run.code).toBe(2);
    expect(run.json).toMatchObject({
      error: {
        code: 'USAGE',
        message: 'unknown platform "bitbucket" (--platform bitbucket)',
        fix: 'use one of: gitlab, github, local',
      },
    });
    expect(fake.forge.requests).toEqual([]);
  });
});

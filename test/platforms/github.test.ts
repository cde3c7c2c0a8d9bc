// `slipway mr report` against a fake GitHub: one pull-request comment, edited on every push; a check run carrying
// the gate's annotations 50 per request; a deployment with its URL; 429 retried; an expired token named.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliRun } from '../helpers/cli.js';
import type { GitRepo } from '../helpers/git-repo.js';
import { GithubFake } from '../fakes/github.js';
import { gateSample, loadtestSample, writeStepOutputs } from '../fakes/reports.js';
import { githubEnv, projectRepo, slipway, tokenLeaks } from './helpers.js';

const TOKEN = 'ghs_S3cretInstallationTokenValue789';
const MARKER = '<!-- slipway:mr-report project="relfix" -->';
const HEAD = '4'.repeat(40);

let fake: GithubFake;
let repo: GitRepo;
let tmp: string;
const runs: CliRun[] = [];

beforeEach(async () => {
  fake = new GithubFake({ token: TOKEN, pageSize: 2 });
  await fake.start();
  repo = await projectRepo();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'slipway-github-event-'));
  fake.addPull(12, 'feature/login');
  for (const text of ['LGTM', 'nit: naming', 'fixed']) fake.addComment(12, text);
});

afterEach(async () => {
  expect(fake.forge.unexpected).toEqual([]);
  expect(tokenLeaks(TOKEN, runs.splice(0), repo.dir)).toEqual([]);
  await fake.stop();
  repo.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

function env(extra: NodeJS.ProcessEnv = {}) {
  return githubEnv(
    fake.url,
    TOKEN,
    { number: 12, branch: 'feature/login', sha: HEAD },
    path.join(tmp, 'event.json'),
    extra,
  );
}

async function report(extra: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<CliRun> {
  const run = await slipway(['mr', 'report', '--json', ...args], repo.dir, env(extra));
  runs.push(run);
  return run;
}

describe('slipway mr report on GitHub', () => {
  it('given two pushes to the same pull request, when reported twice, then one comment is created and then edited', async () => {
    writeStepOutputs(repo.dir, { gate: gateSample({ failedLines: 3 }) });
    const first = await report();
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ platform: 'github', comment: { action: 'created' } });
    writeStepOutputs(repo.dir, { gate: gateSample({ failedLines: 0 }), loadtest: loadtestSample('failed') });
    const second = await report();
    expect(second.code, second.stderr).toBe(0);
    expect(second.json).toMatchObject({ comment: { action: 'updated' } });

    const comments = fake.comments.get(12)!;
    expect(comments).toHaveLength(4);
    const mine = comments.filter((c) => c.body.startsWith(MARKER));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toContain('✅ | **Quality gate** | passed');
    expect(mine[0]!.body).toContain('❌ | **Load test** | failed');
    expect(mine[0]!.body).toContain('| students/api | built |');
    expect(mine[0]!.body).toContain('http://web-students--feature-login.localhost:8080');
    // comments were listed page by page through Link rel="next" (2 a page on this fake)
    const reads = fake.forge.calls('GET', '/repos/:owner/:repo/issues/:number/comments');
    expect(reads.map((r) => r.query.get('page'))).toEqual([null, '2', null, '2']);
    for (const request of fake.forge.requests) expect(request.headers.authorization).toBe(`token ${TOKEN}`);
  });

  it("given 120 failed places in the gate, when reported, then the check run on the pull request's head carries them 50 per request", async () => {
    writeStepOutputs(repo.dir, { gate: gateSample({ failedLines: 120 }) });
    const run = await report();
    expect(run.code, run.stderr).toBe(0);
    expect(fake.checkRuns).toHaveLength(1);
    const check = fake.checkRuns[0]!;
    expect(check).toMatchObject({
      name: 'slipway/relfix',
      head_sha: HEAD,
      status: 'completed',
      conclusion: 'failure',
      details_url: 'https://github.example/school/scolarite/actions/runs/777',
      output: { title: 'gate failed, load test passed' },
    });
    expect(check.batches).toEqual([50, 50, 20]);
    expect(check.annotations).toHaveLength(120);
    expect(check.annotations[0]).toEqual({
      path: 'src/file0.ts',
      start_line: 1,
      end_line: 1,
      annotation_level: 'failure',
      message: 'Coverage of new lines: new lines not covered by any test',
      title: 'new_coverage',
    });
    expect(new Set(check.annotations.map((a) => `${a.path}:${a.start_line}`)).size).toBe(120);
    expect(check.output.summary).toContain('❌ | **Quality gate** | failed: `new_coverage`');
    // the first request creates the run in progress, the last completes it
    const updates = fake.forge.calls('PATCH', '/repos/:owner/:repo/check-runs/:check_run_id');
    expect(updates.map((u) => (u.body as { status?: string }).status)).toEqual([undefined, 'completed']);
    expect(run.json).toMatchObject({ status: { annotations: 120, requests: 3 } });
  });

  it('given a preview, when reported, then a transient deployment of the head records the preview URL', async () => {
    writeStepOutputs(repo.dir);
    const run = await report();
    expect(run.code, run.stderr).toBe(0);
    expect(fake.deployments).toMatchObject([
      {
        ref: HEAD,
        environment: 'preview/feature/login',
        transient_environment: true,
        production_environment: false,
        statuses: [
          {
            state: 'success',
            environment_url: 'http://web-students--feature-login.localhost:8080',
            log_url: 'https://github.example/school/scolarite/actions/runs/777',
          },
        ],
      },
    ]);
    expect(fake.forge.calls('POST', '/repos/:owner/:repo/deployments')[0]!.body).toMatchObject({
      auto_merge: false,
      required_contexts: [],
    });
  });

  it('given GitHub answers 429 with Retry-After: 1 to the check run, when reported, then slipway waits and creates it once', async () => {
    writeStepOutputs(repo.dir);
    fake.forge.rateLimitOnce('POST', '/repos/:owner/:repo/check-runs', 1);
    const started = Date.now();
    const run = await report();
    expect(run.code, run.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(run.stderr).toContain('GitHub answered 429 (rate limit): retrying in 1 s');
    expect(fake.checkRuns).toHaveLength(1);
  });

  it('given an expired token, when reported, then it fails with exit 3 naming GITHUB_TOKEN, and never the token', async () => {
    writeStepOutputs(repo.dir);
    fake.forge.expireToken();
    const run = await report({}, ['--debug']);
    expect(run.code).toBe(3);
    expect(run.json).toMatchObject({
      error: {
        code: 'PLATFORM_AUTH',
        message:
          'GitHub rejected the token in GITHUB_TOKEN while listing the comments of pull request #12 (401 Unauthorized: expired, revoked or mistyped)',
      },
    });
    expect((run.json as { error: { fix: string } }).error.fix).toMatch(/^set GITHUB_TOKEN to a valid token with/);
  });

  it('given a push event (no pull request in the payload), when reported, then the open pull request of the branch is found', async () => {
    writeStepOutputs(repo.dir);
    const run = await slipway(
      ['mr', 'report', '--json'],
      repo.dir,
      githubEnv(fake.url, TOKEN, undefined, path.join(tmp, 'push.json'), {
        GITHUB_REF: 'refs/heads/feature/login',
        GITHUB_REF_NAME: 'feature/login',
        GITHUB_SHA: HEAD,
      }),
    );
    runs.push(run);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({
      changeRequest: { number: '12', branch: 'feature/login' },
      comment: { action: 'created' },
    });
    expect(fake.forge.calls('GET', '/repos/:owner/:repo/pulls')[0]!.query.get('head')).toBe('school:feature/login');
  });
});

// Given the webhook receiver on 127.0.0.1 with a recording executor, when forged, malformed, oversized, ignored and
// valid webhooks arrive, then each gets its status (401, 400, 413, 200, 202), only valid ones queue work, work for one
// environment runs one job at a time in arrival order, and stopping waits for queued work. Then `slipway serve` as a
// process: refuses to start without a secret, answers a signed ping, and stops on SIGTERM.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubSignature } from '../../pipelines/webhooks/verify.js';
import { startWebhookServer, type JobEvent, type WebhookServer } from '../../pipelines/webhooks/server.js';
import type { WorkPlan } from '../../pipelines/webhooks/work.js';
import { runCli } from '../helpers/cli.js';
import { cleanEnv } from '../helpers/git-repo.js';
import { copyExample, REPO_ROOT, type TempProject } from '../helpers/project.js';
import { compileSlipway, type CompiledSlipway } from '../pipelines/compiled-slipway.js';

const SECRET = 'gitlab and github share this one';
const fixtures = path.join(REPO_ROOT, 'test/fixtures/webhooks');

function fixture(name: string): string {
  return readFileSync(path.join(fixtures, `${name}.json`), 'utf8');
}

async function post(
  url: string,
  forge: 'gitlab' | 'github',
  event: string,
  body: string,
  secret: string | null = SECRET,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (forge === 'gitlab') {
    headers['X-Gitlab-Event'] = event;
    if (secret !== null) headers['X-Gitlab-Token'] = secret;
  } else {
    headers['X-GitHub-Event'] = event;
    headers['X-GitHub-Delivery'] = '72d3162e-cc78-11e3-81ab-4c9367dc0958';
    if (secret !== null) headers['X-Hub-Signature-256'] = githubSignature(body, secret);
  }
  const response = await fetch(`${url}/webhooks/${forge}`, { method: 'POST', headers, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('the webhook receiver', () => {
  let server: WebhookServer;
  const executed: WorkPlan[] = [];
  const events: JobEvent[] = [];
  const log: string[] = [];
  // each plan waits until the test lets it finish, so queueing can be observed
  const release = new Map<number, () => void>();
  let started = 0;
  let finishing = false;

  beforeAll(async () => {
    server = await startWebhookServer({
      port: 0,
      bind: '127.0.0.1',
      secrets: { gitlab: SECRET, github: SECRET },
      layout: { checkoutsDir: '/nonexistent/checkouts', configFile: 'slipway.config.ts' },
      execute: (plan) => {
        if (finishing) return Promise.resolve();
        executed.push(plan);
        const id = ++started;
        return new Promise<void>((resolve, reject) => {
          release.set(id, () => (plan.branch === 'broken' ? reject(new Error('env up failed')) : resolve()));
        });
      },
      log: (line) => log.push(line),
      onJob: (event) => events.push(event),
    });
  });

  afterAll(async () => {
    finishing = true;
    for (const finish of release.values()) finish();
    await server?.close();
  });

  async function until(predicate: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(predicate()).toBe(true);
  }

  it('refuses forged, wrong and missing secrets with 401 and queues nothing', async () => {
    const open = fixture('gitlab-merge-request-open');
    expect((await post(server.url, 'gitlab', 'Merge Request Hook', open, 'guessed')).status).toBe(401);
    expect((await post(server.url, 'gitlab', 'Merge Request Hook', open, null)).status).toBe(401);
    const opened = fixture('github-pull-request-opened');
    const forged = await fetch(`${server.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'X-GitHub-Event': 'pull_request',
        // a valid signature, of another body
        'X-Hub-Signature-256': githubSignature(fixture('github-pull-request-closed'), SECRET),
      },
      body: opened,
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({ error: 'X-Hub-Signature-256 does not match the body' });
    expect(events).toEqual([]);
    // the secret never reaches the log
    expect(log.join('\n')).not.toContain(SECRET);
  });

  it('answers 400 to bad JSON or an unusable payload, 413 to a huge body, 200 to events it ignores', async () => {
    expect((await post(server.url, 'github', 'pull_request', '{"action": "opened",')).status).toBe(400);
    const badBranch = JSON.parse(fixture('gitlab-merge-request-merge')) as {
      object_attributes: Record<string, unknown>;
    };
    badBranch.object_attributes.source_branch = '--upload-pack=touch /tmp/pwned';
    const invalid = await post(server.url, 'gitlab', 'Merge Request Hook', JSON.stringify(badBranch));
    expect(invalid.status).toBe(400);
    expect(String(invalid.json.error)).toContain('is not a branch name');
    const huge = JSON.stringify({ zen: 'x'.repeat(3 * 1024 * 1024) });
    expect((await post(server.url, 'github', 'ping', huge)).status).toBe(413);
    const ping = await post(server.url, 'github', 'ping', '{"zen": "Design for failure.", "hook_id": 1}');
    expect(ping).toEqual({ status: 200, json: { ignored: 'ping', reason: 'the webhook works' } });
    const fork = await post(server.url, 'github', 'pull_request', fixture('github-pull-request-opened-from-fork'));
    expect(fork.status).toBe(200);
    expect(
      (await post(server.url, 'gitlab', 'Merge Request Hook', fixture('gitlab-merge-request-update-title'))).status,
    ).toBe(200);
    expect((await fetch(`${server.url}/webhooks/bitbucket`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${server.url}/webhooks/gitlab`)).status).toBe(405);
    expect(events).toEqual([]);
  });

  it('queues valid events with 202 and runs the work of one environment one job at a time, in order', async () => {
    const opened = await post(server.url, 'github', 'pull_request', fixture('github-pull-request-opened'));
    expect(opened).toEqual({ status: 202, json: { queued: 'up', branch: 'feature/report-card', job: 1 } });
    const merged = await post(server.url, 'gitlab', 'Merge Request Hook', fixture('gitlab-merge-request-merge'));
    expect(merged).toEqual({ status: 202, json: { queued: 'down', branch: 'feature/report-card', job: 2 } });
    // another environment does not wait for this one
    const other = JSON.parse(fixture('github-delete-branch')) as Record<string, unknown>;
    other.ref = 'broken';
    expect((await post(server.url, 'github', 'delete', JSON.stringify(other))).status).toBe(202);
    await until(() => started === 2);
    expect(executed.map((p) => [p.kind, p.branch])).toEqual([
      ['up', 'feature/report-card'],
      ['down', 'broken'],
    ]);
    expect((await (await fetch(`${server.url}/healthz`)).json()) as unknown).toEqual({ ok: true, pending: 3 });

    release.get(2)!(); // the other environment's job fails: its own business
    release.get(1)!();
    await until(() => started === 3);
    expect(executed[2]).toMatchObject({ kind: 'down', branch: 'feature/report-card' });
    release.get(3)!();
    await server.idle();
    const order = events.filter((e) => e.branch === 'feature/report-card').map((e) => `${e.id} ${e.phase}`);
    // the down arrived while the up ran, and started only once the up had finished
    expect(order).toEqual(['1 queued', '1 started', '2 queued', '1 finished', '2 started', '2 finished']);
    expect(events.find((e) => e.branch === 'broken' && e.phase === 'failed')).toMatchObject({ error: 'env up failed' });
  });

  it('stops accepting on close, and finishes the queued work first', async () => {
    await post(server.url, 'gitlab', 'Push Hook', fixture('gitlab-push-branch-deleted'));
    await until(() => started === 4);
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    release.get(4)!();
    await closing;
    expect(events.at(-1)).toMatchObject({ id: 4, phase: 'finished', kind: 'down' });
  });
});

describe('slipway serve as a process', () => {
  let example: TempProject;
  let slipway: CompiledSlipway;

  beforeAll(async () => {
    [example, slipway] = await Promise.all([copyExample('serve-cli'), compileSlipway()]);
  });

  afterAll(async () => {
    await example?.cleanup();
    await slipway?.cleanup();
  });

  it('refuses to start without a secret (exit 2) and takes no secret from a flag', async () => {
    const run = await runCli(['serve', '--port', '0'], { cwd: example.dir, env: { SLIPWAY_WEBHOOK_SECRET: '' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error WEBHOOK_SECRET_MISSING');
    expect((await runCli(['serve', '--secret', 'x'], { cwd: example.dir })).code).toBe(2);
    expect((await runCli(['serve', '--port', '80a'], { cwd: example.dir })).code).toBe(2);
  });

  it('listens on 127.0.0.1, answers a signed ping, and stops on SIGTERM with exit 0', async () => {
    const [node, bin] = slipway.command.split(' ') as [string, string];
    const child = spawn(node, [bin, 'serve', '--port', '0'], {
      cwd: example.dir,
      env: cleanEnv({ SLIPWAY_GITHUB_WEBHOOK_SECRET: SECRET }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 300 && !/listening on (\S+):/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+):/.exec(stderr)?.[1];
      expect(url, stderr).toBeDefined();
      expect(stderr).toContain('POST /webhooks/github');
      expect(stderr).not.toContain('/webhooks/gitlab');
      expect(
        (await post(url!, 'github', 'ping', '{"zen": "Half measures are as bad as nothing at all."}')).status,
      ).toBe(200);
      // GitLab has no secret here: nothing it sends is trusted
      expect((await post(url!, 'gitlab', 'Push Hook', fixture('gitlab-push-branch-deleted'), '')).status).toBe(401);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toContain('SIGTERM: stopping; 0 job(s) to finish first');
      expect(stderr).not.toContain(SECRET);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

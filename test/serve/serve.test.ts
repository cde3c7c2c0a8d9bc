// Given `slipway serve` running in a clone of the example app (its default branch, with an origin holding a merge
// request's branch) on the real Docker engine, when a forged webhook arrives nothing happens (401); when a valid
// "merge request opened" arrives the branch is built, pushed and brought up, answering through the router; and when
// "new commits" and "merged" arrive back to back, the update runs first and the merge then takes the environment down.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe } from '../../cli/serve.js';
import type { JobEvent, WebhookServer } from '../../pipelines/webhooks/server.js';
import { runCli } from '../helpers/cli.js';
import { docker, registryDigest, removeProjectImages, shouldRunEngineTests } from '../helpers/engine.js';
import { cleanEnv } from '../helpers/git-repo.js';
import { getViaRouter } from '../helpers/router.js';
import { copyExample, git, REPO_ROOT, type TempProject } from '../helpers/project.js';

const ROUTER_PORT = 18360;
const ADMIN_PORT = 12360;
const ROUTER = `slipway-router-${ROUTER_PORT}`;
const BRANCH = 'feature/report-card';
const HOST = 'web-students--feature-report-card.localhost';
const SECRET = 'a webhook secret for the e2e test';

type MergeRequestHook = {
  object_attributes: { action: string; source_branch: string; last_commit: { id: string }; oldrev?: string };
};

async function mergeRequestHook(file: string, commit: string): Promise<string> {
  const payload = JSON.parse(
    await readFile(path.join(REPO_ROOT, 'test/fixtures/webhooks', `${file}.json`), 'utf8'),
  ) as MergeRequestHook;
  payload.object_attributes.source_branch = BRANCH;
  payload.object_attributes.last_commit.id = commit;
  return JSON.stringify(payload);
}

async function status(host: string): Promise<number> {
  return (await getViaRouter(ROUTER_PORT, host)).status;
}

describe.runIf(await shouldRunEngineTests())('slipway serve on the Docker engine', () => {
  let example: TempProject;
  let scratch: string;
  let server: WebhookServer;
  let env: NodeJS.ProcessEnv;
  const events: JobEvent[] = [];
  const log: string[] = [];

  async function hook(body: string, token = SECRET): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${server.url}/webhooks/gitlab`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Gitlab-Event': 'Merge Request Hook', 'X-Gitlab-Token': token },
      body,
    });
    return { status: response.status, json: await response.json() };
  }

  function phases(id: number): string[] {
    return events.filter((e) => e.id === id).map((e) => e.phase);
  }

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'slipway-serve-'));
    example = await copyExample('serve');
    const configFile = path.join(example.dir, 'slipway.config.ts');
    await writeFile(
      configFile,
      (await readFile(configFile, 'utf8')).replace(
        "registry: { url: '127.0.0.1:5000' },",
        `registry: { url: '127.0.0.1:5000' },\n  router: { port: ${ROUTER_PORT}, adminPort: ${ADMIN_PORT} },\n  preview: { drainSeconds: 0 },`,
      ),
    );
    await writeFile(path.join(example.dir, '.gitignore'), '.slipway/\n');
    git(example.dir, 'add', '-A');
    git(example.dir, 'commit', '-q', '-m', 'test: router ports');
    // the forge: serve fetches merge request branches from the clone's origin
    const origin = path.join(scratch, 'origin.git');
    git(scratch, 'clone', '-q', '--bare', example.dir, origin);
    git(example.dir, 'remote', 'add', 'origin', `file://${origin}`);
    git(example.dir, 'checkout', '-q', '-b', BRANCH);
    const server = path.join(example.dir, 'students/api/src/server.js');
    await writeFile(server, `${await readFile(server, 'utf8')}// report cards come next\n`);
    git(example.dir, 'commit', '-qam', 'feat(students): prepare report cards');
    git(example.dir, 'push', '-q', 'origin', BRANCH);
    git(example.dir, 'checkout', '-q', 'main');

    env = cleanEnv({ SLIPWAY_STATE_DIR: path.join(scratch, 'state'), SLIPWAY_GITLAB_WEBHOOK_SECRET: SECRET });
    delete env.SLIPWAY_WEBHOOK_SECRET;
    delete env.SLIPWAY_GITHUB_WEBHOOK_SECRET;
  });

  afterAll(async () => {
    await server?.close();
    if (example) {
      await runCli(['env', 'down', BRANCH], { cwd: example.dir, env });
      await removeProjectImages(example.project);
      await example.cleanup();
    }
    await docker
      .getContainer(ROUTER)
      .remove({ force: true })
      .catch(() => undefined);
    await docker
      .getNetwork(ROUTER)
      .remove()
      .catch(() => undefined);
    await docker
      .getVolume(`${ROUTER}-data`)
      .remove()
      .catch(() => undefined);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('starts on 127.0.0.1 and refuses a forged webhook: 401, no job, no container', async () => {
    server = await startServe({
      cwd: example.dir,
      env,
      port: 0,
      bind: '127.0.0.1',
      log: (line) => log.push(line),
      onJob: (event) => events.push(event),
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const head = git(example.dir, 'rev-parse', BRANCH);
    const forged = await hook(await mergeRequestHook('gitlab-merge-request-open', head), 'not the secret');
    expect(forged).toEqual({ status: 401, json: { error: 'wrong X-Gitlab-Token' } });
    expect(events).toEqual([]);
    const containers = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`dev.slipway.project=${example.project}`] }),
    });
    expect(containers).toEqual([]);
    expect(log.join('\n')).not.toContain(SECRET);
  });

  it('brings the branch up on "merge request opened": built, pushed, answering through the router', async () => {
    const head = git(example.dir, 'rev-parse', BRANCH);
    const opened = await hook(await mergeRequestHook('gitlab-merge-request-open', head));
    expect(opened).toEqual({ status: 202, json: { queued: 'up', branch: BRANCH, job: 1 } });
    await server.idle();
    expect(phases(1), log.join('\n')).toEqual(['queued', 'started', 'finished']);
    // the images of this very commit, pushed by serve's own build
    expect(await registryDigest(`${example.project}/students-api`, `sha-${head.slice(0, 12)}`)).toMatch(/^sha256:/);
    expect(await status(HOST)).toBe(200);
    const ls = await runCli(['env', 'ls', '--json'], { cwd: example.dir, env });
    const listed = (ls.json as { environments: { branch: string; components: { version: string }[] }[] }).environments;
    expect(listed.map((e) => e.branch)).toEqual([BRANCH]);
    expect(listed[0]!.components.every((c) => c.version === `sha-${head.slice(0, 12)}`)).toBe(true);
    // the branch's checkout was removed after the job
    const checkouts = path.join(scratch, 'state/serve', example.project);
    expect(await readdir(checkouts)).toEqual([]);
  });

  it('runs "new commits" then "merged" one after the other: updated, then removed', async () => {
    git(example.dir, 'checkout', '-q', BRANCH);
    const file = path.join(example.dir, 'students/api/src/server.js');
    await writeFile(file, `${await readFile(file, 'utf8')}// and their averages\n`);
    git(example.dir, 'commit', '-qam', 'feat(students): report card averages');
    git(example.dir, 'push', '-q', 'origin', BRANCH);
    git(example.dir, 'checkout', '-q', 'main');
    const head = git(example.dir, 'rev-parse', BRANCH);

    const [updated, merged] = [
      await hook(await mergeRequestHook('gitlab-merge-request-update', head)),
      await hook(await mergeRequestHook('gitlab-merge-request-merge', head)),
    ];
    expect(updated).toEqual({ status: 202, json: { queued: 'up', branch: BRANCH, job: 2 } });
    expect(merged).toEqual({ status: 202, json: { queued: 'down', branch: BRANCH, job: 3 } });
    await server.idle();
    const order = events.filter((e) => e.id >= 2).map((e) => `${e.id} ${e.phase}`);
    expect(order.indexOf('3 started'), order.join(', ')).toBeGreaterThan(order.indexOf('2 finished'));
    expect(phases(2)).toEqual(['queued', 'started', 'finished']);
    expect(phases(3)).toEqual(['queued', 'started', 'finished']);
    // the update deployed the new commit before the merge removed it
    expect(log.join('\n')).toContain(`starting sha-${head.slice(0, 12)}`);
    const containers = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`dev.slipway.project=${example.project}`] }),
    });
    expect(containers).toEqual([]);
    expect(await status(HOST)).not.toBe(200);
  });
});

// Given the example app with staging and production environments, when builds are deployed, promoted and rolled
// back under load, then no request fails, production runs exactly staging's digests, a release that never gets
// ready leaves the previous one serving, and history tells what happened.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, registryDigest, removeProjectImages, shouldRunEngineTests } from '../helpers/engine.js';
import { configureExample, copyExample, git, type TempProject } from '../helpers/project.js';

const ROUTER_PORT = 18880;

interface Reply {
  status: number;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function once(host: string, pathname: string, fresh: boolean): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http
      .get(
        { host: '127.0.0.1', port: ROUTER_PORT, path: pathname, headers: { Host: host }, agent: fresh ? false : agent },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      )
      .on('error', reject);
  });
}

/** A GET through the router; like browsers and k6, a request that died on a reused connection is sent once more. */
async function get(url: string): Promise<Reply> {
  const { hostname, pathname, search } = new URL(url);
  try {
    return await once(hostname, `${pathname}${search}`, false);
  } catch {
    return once(hostname, `${pathname}${search}`, true);
  }
}

async function load(urls: string[], until: () => boolean): Promise<{ ok: number; failed: string[] }> {
  const result = { ok: 0, failed: [] as string[] };
  await Promise.all(
    Array.from({ length: 6 }, async (_, w) => {
      for (let i = w; !until(); i++) {
        const url = urls[i % urls.length]!;
        try {
          const reply = await get(url);
          if (reply.status === 200) result.ok++;
          else result.failed.push(`${url} ${reply.status} ${reply.text.slice(0, 80)}`);
        } catch (error) {
          result.failed.push(`${url} ${(error as Error).message}`);
        }
      }
    }),
  );
  return result;
}

/** Runs `action` while loading `urls`, starting the load first and stopping it right after. */
async function underLoad<T>(urls: string[], action: () => Promise<T>) {
  let done = false;
  const traffic = load(urls, () => done);
  await new Promise((resolve) => setTimeout(resolve, 500));
  try {
    return { value: await action(), traffic: await (async () => ((done = true), traffic))() };
  } finally {
    done = true;
    await traffic;
  }
}

async function runningImages(project: string, env: string): Promise<Record<string, string>> {
  const list = await docker.listContainers({
    filters: JSON.stringify({
      label: [`dev.slipway.project=${project}`, `dev.slipway.env=${env}`, 'dev.slipway.role=component'],
    }),
  });
  return Object.fromEntries(list.map((c) => [c.Labels['dev.slipway.component']!, c.Labels['dev.slipway.image']!]));
}

/** Per component of the environment: the digest it runs, and the one its repository's `<env>` tag names. */
async function envTags(project: string, env: string): Promise<Record<string, { runs: string; tagged?: string }>> {
  const running = Object.entries(await runningImages(project, env));
  return Object.fromEntries(
    await Promise.all(
      running.map(async ([id, image]) => {
        const [repository, digest] = image.split('@') as [string, string];
        const tagged = await registryDigest(repository.slice(repository.indexOf('/') + 1), env);
        return [id, { runs: digest, tagged }] as const;
      }),
    ),
  );
}

/** The `<env>` tags name exactly what the environment runs. */
async function expectTagsOnRunning(project: string, env: string): Promise<void> {
  const tags = await envTags(project, env);
  expect(Object.keys(tags).length).toBeGreaterThan(0);
  for (const [id, { runs, tagged }] of Object.entries(tags)) expect(tagged, `${env} tag of ${id}`).toBe(runs);
}

interface AuditEntry {
  kind: string;
  env: string;
  from: string | null;
  result: string;
  reason: string;
}

describe.runIf(await shouldRunEngineTests())('release environments: deploy, promote, rollback, history', () => {
  let example: TempProject;
  const env = { SLIPWAY_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'slipway-state-')) };
  let urls: Record<string, string> = {};
  const versions: string[] = [];
  let release2Tags: Record<string, { runs: string; tagged?: string }> = {};

  /** The id of an environment's students/db container. */
  async function storageContainer(name: string): Promise<string> {
    const [db] = await docker.listContainers({
      filters: JSON.stringify({
        label: [
          `dev.slipway.project=${example.project}`,
          `dev.slipway.env=${name}`,
          'dev.slipway.component=students/db',
        ],
      }),
    });
    return db!.Id;
  }

  async function change(file: string, text: string, message: string): Promise<void> {
    await appendFile(path.join(example.dir, file), text);
    git(example.dir, 'commit', '-qam', message);
    const build = await runCli(['build', '--push'], { cwd: example.dir, env });
    expect(build.code, build.stderr).toBe(0);
  }

  /** The audit log's entries, oldest first. */
  async function audited(): Promise<AuditEntry[]> {
    const log = await readFile(path.join(env.SLIPWAY_STATE_DIR, 'audit', `${example.project}.jsonl`), 'utf8');
    return log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry);
  }

  async function lastAudited(): Promise<AuditEntry | undefined> {
    return (await audited()).at(-1);
  }

  beforeAll(async () => {
    example = await copyExample('rel');
    await configureExample(
      example,
      `router: { port: ${ROUTER_PORT}, adminPort: ${ROUTER_PORT - 6000} },\n  environments: { staging: { drainSeconds: 1, readyTimeoutSeconds: 15, check: { seconds: 2, paths: { 'students/api': ['/api/students'] } } }, production: { replicas: 2, drainSeconds: 1 } },`,
      'chore: release environments',
    );
    const build = await runCli(['build', '--push'], { cwd: example.dir, env });
    expect(build.code, build.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const name of ['staging', 'production']) await runCli(['env', 'down', name], { cwd: example.dir, env });
    agent.destroy();
    await removeProjectImages(example.project);
    await example.cleanup();
  });

  it('deploys to staging and promotes the same digests to production (two replicas)', async () => {
    const staging = await runCli(['deploy', 'staging', '--json'], { cwd: example.dir, env });
    expect(staging.code, staging.stderr).toBe(0);
    const promoted = await runCli(['promote', 'staging', 'production', '--json'], { cwd: example.dir, env });
    expect(promoted.code, promoted.stderr).toBe(0);
    urls = (promoted.json as { urls: Record<string, string> }).urls;
    versions.push((promoted.json as { version: string }).version);
    expect(await runningImages(example.project, 'production')).toEqual(await runningImages(example.project, 'staging'));
    for (const image of Object.values(await runningImages(example.project, 'production')))
      expect(image).toMatch(/@sha256:[0-9a-f]{64}$/);
    const replicas = await docker.listContainers({
      filters: JSON.stringify({
        label: [
          `dev.slipway.project=${example.project}`,
          'dev.slipway.env=production',
          'dev.slipway.component=students/api',
        ],
      }),
    });
    expect(replicas).toHaveLength(2);
    expect((await get(`${urls['students/web']}/api/students`)).status).toBe(200);
    // each environment's tags name the digests it runs
    await expectTagsOnRunning(example.project, 'staging');
    await expectTagsOnRunning(example.project, 'production');
  });

  it('promotes a new back and front under load with zero failed requests and equal digests', async () => {
    await change('students/api/src/server.js', '\n// release 2\n', 'feat(students): release 2');
    await appendFile(path.join(example.dir, 'students/web/public/style.css'), '\n/* release 2 */\n');
    git(example.dir, 'commit', '-qam', 'feat(students): new look');
    expect((await runCli(['build', '--push'], { cwd: example.dir, env })).code).toBe(0);
    expect((await runCli(['deploy', 'staging'], { cwd: example.dir, env })).code).toBe(0);
    // a pipeline of an older commit may not promote what staging runs now
    const productionBefore = await runningImages(example.project, 'production');
    const older = git(example.dir, 'rev-parse', 'HEAD~1');
    const refused = await runCli(['promote', 'staging', 'production', '--commit', older], { cwd: example.dir, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^error COMMIT_MISMATCH: staging runs [0-9a-f]{12}, not ${older.slice(0, 12)}: nothing was promoted`,
        'm',
      ),
    );
    expect(await runningImages(example.project, 'production')).toEqual(productionBefore);
    // the audit log keeps the refused attempt too, after every release so far
    const entries = await audited();
    expect(entries.map((e) => `${e.kind} ${e.env} ${e.result}`).slice(-2)).toEqual([
      'deploy staging succeeded',
      'promote production failed',
    ]);
    expect(entries.at(-1)).toMatchObject({
      from: 'staging',
      reason: expect.stringMatching(/^staging runs .*: nothing was promoted$/),
    });
    const database = await storageContainer('production');
    const execsBefore = (await docker.getContainer(database).inspect()).ExecIDs ?? [];
    const since = (Date.now() / 1000).toFixed(3);
    const { value: promoted, traffic } = await underLoad(
      [
        `${urls['students/web']}/api/students`,
        `${urls['students/api']}/api/students`,
        `${urls['students/web']}/style.css`,
      ],
      () =>
        runCli(['promote', 'staging', 'production', '--commit', git(example.dir, 'rev-parse', 'HEAD'), '--json'], {
          cwd: example.dir,
          env,
        }),
    );
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(traffic.failed.slice(0, 5)).toEqual([]);
    expect(traffic.ok).toBeGreaterThan(100);
    versions.push((promoted.json as { version: string }).version);
    expect(versions[1]).not.toBe(versions[0]);
    expect(await runningImages(example.project, 'production')).toEqual(await runningImages(example.project, 'staging'));
    expect((await get(`${urls['students/web']}/style.css`)).text).toContain('release 2');
    await expectTagsOnRunning(example.project, 'production');
    release2Tags = await envTags(example.project, 'production');
    // the new back and front switch together: one router config change (each one closes Caddy's idle connections)
    const routerLog = await docker
      .getContainer(`slipway-router-${ROUTER_PORT}`)
      .logs({ stdout: true, stderr: true, since: Number(since) });
    expect(routerLog.toString('utf8').match(/autosaved config/g)).toHaveLength(1);
    // the unchanged database, migrated by the first promote, was neither probed nor migrated again with execs
    expect(await storageContainer('production')).toBe(database);
    const execsAfter = (await docker.getContainer(database).inspect()).ExecIDs ?? [];
    expect(execsAfter.filter((id) => !execsBefore.includes(id))).toEqual([]);
  });

  it('rolls a release whose back never gets ready back by itself, with zero failed requests', async () => {
    await change('students/api/src/server.js', '\nprocess.exit(3);\n', 'fix(students): a broken release');
    const before = await runningImages(example.project, 'staging');
    const stagingUrls = Object.fromEntries(
      Object.entries(urls).map(([id, url]) => [id, url.replace('--production', '--staging')]),
    );
    const { value: deployed, traffic } = await underLoad([`${stagingUrls['students/web']}/api/students`], () =>
      runCli(['deploy', 'staging'], { cwd: example.dir, env }),
    );
    expect(deployed.code).toBe(1);
    expect(deployed.stderr).toMatch(
      /^error ENV_FAILED: deploy to staging rolled back: students\/api never became ready: the container exited/m,
    );
    expect(traffic.failed.slice(0, 5)).toEqual([]);
    expect(await runningImages(example.project, 'staging')).toEqual(before);
    // the release went back: the staging tags still name what runs, not the broken build
    await expectTagsOnRunning(example.project, 'staging');
  });

  it('refuses a release whose new back fails its warm-up requests, before the switch', async () => {
    // undo the crashing release, then ship a bug that only real requests see (health still answers 200)
    const server = path.join(example.dir, 'students/api/src/server.js');
    await writeFile(server, (await readFile(server, 'utf8')).replace('\nprocess.exit(3);\n', '\n'));
    const students = path.join(example.dir, 'students/api/src/students.js');
    const original = await readFile(students, 'utf8');
    await writeFile(students, original.replaceAll('FROM students ORDER BY', 'FROM students_typo ORDER BY'));
    git(example.dir, 'commit', '-qam', 'fix(students): a bug only requests see');
    expect((await runCli(['build', '--push'], { cwd: example.dir, env })).code).toBe(0);
    const before = await runningImages(example.project, 'staging');
    const stagingApi = urls['students/api']!.replace('--production', '--staging');
    const since = (Date.now() / 1000).toFixed(3);
    const { value: deployed, traffic } = await underLoad([`${stagingApi}/api/students`], () =>
      runCli(['deploy', 'staging'], { cwd: example.dir, env }),
    );
    expect(deployed.code).toBe(1);
    // staging warms up 100 GETs per path: /healthz (fine) and the check's /api/students (all 500)
    expect(deployed.stderr).toMatch(
      /^error ENV_FAILED: deploy to staging rolled back: students\/api: 100 of 200 warm-up requests to the new containers failed before the switch/m,
    );
    expect(deployed.stderr).toContain('students/api | /api/students answered 500');
    expect(traffic.failed.slice(0, 5)).toEqual([]);
    expect(traffic.ok).toBeGreaterThan(10);
    expect(await runningImages(example.project, 'staging')).toEqual(before);
    // users never saw the new back: the router was not changed
    const routerLog = await docker
      .getContainer(`slipway-router-${ROUTER_PORT}`)
      .logs({ stdout: true, stderr: true, since: Number(since) });
    expect(routerLog.toString('utf8')).not.toContain('autosaved config');
  });

  it('sends traffic back to the previous release when the post-switch check sees errors', async () => {
    // the same bug, with staging's warm-up turned off: the check after the switch is what catches it
    const configFile = path.join(example.dir, 'slipway.config.ts');
    const config = await readFile(configFile, 'utf8');
    await writeFile(
      configFile,
      config.replace('staging: { drainSeconds: 1,', 'staging: { warmUpRequests: 0, drainSeconds: 1,'),
    );
    git(example.dir, 'commit', '-qam', 'chore: no warm-up on staging');
    expect((await runCli(['build', '--push'], { cwd: example.dir, env })).code).toBe(0);
    const before = await runningImages(example.project, 'staging');
    const deployed = await runCli(['deploy', 'staging'], { cwd: example.dir, env });
    expect(deployed.code).toBe(1);
    expect(deployed.stderr).toMatch(
      /^error ENV_FAILED: deploy to staging rolled back: the post-switch check failed: \d+ of \d+ requests failed/m,
    );
    expect(deployed.stderr).toContain('/api/students: HTTP 500');
    expect(await runningImages(example.project, 'staging')).toEqual(before);
    const stagingApi = urls['students/api']!.replace('--production', '--staging');
    expect((await get(`${stagingApi}/api/students`)).status).toBe(200);
  });

  it('keeps the previous version serving when a storage migration fails', async () => {
    const configFile = path.join(example.dir, 'slipway.config.ts');
    await writeFile(configFile, (await readFile(configFile, 'utf8')).replace('warmUpRequests: 0, ', ''));
    const students = path.join(example.dir, 'students/api/src/students.js');
    await writeFile(
      students,
      (await readFile(students, 'utf8')).replaceAll('FROM students_typo ORDER BY', 'FROM students ORDER BY'),
    );
    await writeFile(
      path.join(example.dir, 'students/db/migrations/003_broken.sql'),
      'ALTER TABLE students ADD COLUMN nickname text;\nSELECT no_such_function();\n',
    );
    git(example.dir, 'add', '-A');
    git(example.dir, 'commit', '-qm', 'feat(students): a migration that fails');
    expect((await runCli(['build', '--push'], { cwd: example.dir, env })).code).toBe(0);
    const before = await runningImages(example.project, 'staging');
    const deployed = await runCli(['deploy', 'staging'], { cwd: example.dir, env });
    expect(deployed.code).toBe(1);
    expect(deployed.stderr).toMatch(
      /^error ENV_FAILED: deploy to staging rolled back: students\/db: migrations\/003_broken.sql failed/m,
    );
    expect(await runningImages(example.project, 'staging')).toEqual(before);
    const stagingApi = urls['students/api']!.replace('--production', '--staging');
    for (let i = 0; i < 50 && (await get(`${stagingApi}/api/students`)).status !== 200; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect((await get(`${stagingApi}/api/students`)).status).toBe(200);
    // the failed migration's transaction left nothing behind: the column it added does not exist
    const db = await storageContainer('staging');
    const exec = await docker.getContainer(db).exec({
      Cmd: [
        'psql',
        '-U',
        'scolarite',
        '-d',
        'students',
        '-tAc',
        "SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'",
      ],
      AttachStdout: true,
    });
    const output = await new Promise<string>((resolve) => {
      void exec.start({}).then((stream) => {
        let text = '';
        stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
        stream.on('end', () => resolve(text));
      });
    });
    expect(output).toContain('0');
    git(example.dir, 'rm', '-q', 'students/db/migrations/003_broken.sql');
    git(example.dir, 'commit', '-qm', 'revert: the failing migration');
  });

  it('rolls back with --to a previous version, and lists the history', async () => {
    const unknown = await runCli(['rollback', 'production', '--to', 'sha-000000000000'], { cwd: example.dir, env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error ENV_NOT_FOUND: no kept release sha-000000000000 of production \(fix: /m);
    expect(await lastAudited()).toMatchObject({ kind: 'rollback', env: 'production', result: 'failed' });
    const back = await runCli(['rollback', 'production', '--to', versions[0]!, '--json'], { cwd: example.dir, env });
    expect(back.code, back.stderr).toBe(0);
    expect((back.json as { version: string }).version).toBe(versions[0]);
    expect((await get(`${urls['students/web']}/style.css`)).text).not.toContain('release 2');
    // the production tags moved back with it
    const tags = await envTags(example.project, 'production');
    await expectTagsOnRunning(example.project, 'production');
    expect(tags['students/api']!.runs).not.toBe(release2Tags['students/api']!.runs);
    const history = await runCli(['history', 'production', '--json'], { cwd: example.dir, env });
    const releases = (history.json as { releases: { kind: string; version: string; result: string }[] }).releases;
    expect(releases.map((r) => [r.kind, r.version, r.result])).toEqual([
      ['rollback', versions[0], 'succeeded'],
      ['promote', versions[1], 'succeeded'],
      ['promote', versions[0], 'succeeded'],
    ]);
    const staging = await runCli(['history', 'staging', '--json'], { cwd: example.dir, env });
    expect((staging.json as { releases: { result: string }[] }).releases[0]!.result).toBe('failed');
  });
});

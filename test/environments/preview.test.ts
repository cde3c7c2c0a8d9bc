// Given the example app built in a real git repository, when two branches get preview environments, then each is
// reachable through the router with its own build and data, rolls to a new build without a failed request, goes
// away on `env down` while the other serves, and `env gc` removes expired and orphaned ones.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, removeProjectImages, shouldRunEngineTests } from '../helpers/engine.js';
import { configureExample, copyExample, git, type TempProject } from '../helpers/project.js';

const ROUTER_PORT = 18480;
const ADMIN_PORT = 12480;
const AWKWARD = 'feature/Élève 😀 $(rm -rf /);`id`';

interface UpJson {
  name: string;
  slug: string;
  urls: Record<string, string>;
  components: { id: string; version: string }[];
}

interface Reply {
  status: number;
  text: string;
  json(): unknown;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function once(url: string, init: { method?: string; body?: string }, fresh = false): Promise<Reply> {
  const { host, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: ROUTER_PORT,
        path: `${pathname}${search}`,
        method: init.method ?? 'GET',
        agent: fresh ? false : agent,
        headers: { Host: host, ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text, json: () => JSON.parse(text) }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(init.body);
  });
}

/**
 * A request through the router on 127.0.0.1, addressed by the preview host name (fetch cannot set Host). Like
 * browsers, curl and k6, an idempotent request whose reused keep-alive connection the server closed before any
 * answer is sent once more on a new connection: every router change makes Caddy close its idle connections.
 */
async function viaRouter(url: string, init: { method?: string; body?: string } = {}): Promise<Reply> {
  try {
    return await once(url, init);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((init.method ?? 'GET') !== 'GET' || !['ECONNRESET', 'EPIPE'].includes(code ?? '')) throw error;
    return once(url, init, true);
  }
}

/** Bounded load: `workers` loops for `ms`, each request checked; returns counts. */
async function load(
  urls: string[],
  ms: number,
  workers = 8,
): Promise<{ ok: number; failed: number; errors: string[] }> {
  const until = Date.now() + ms;
  const result = { ok: 0, failed: 0, errors: [] as string[] };
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      let i = w;
      while (Date.now() < until) {
        const url = urls[i++ % urls.length]!;
        try {
          const response = await viaRouter(url);
          if (response.status === 200) result.ok++;
          else {
            result.failed++;
            result.errors.push(`${url} ${response.status}`);
          }
        } catch (error) {
          result.failed++;
          result.errors.push(`${url} ${(error as Error).message}`);
        }
      }
    }),
  );
  return result;
}

describe.runIf(await shouldRunEngineTests())('preview environments on the Docker engine', () => {
  let example: TempProject;
  let env: NodeJS.ProcessEnv;
  const ups = {} as { main: UpJson; awkward: UpJson };

  beforeAll(async () => {
    example = await copyExample('env');
    await configureExample(
      example,
      `router: { port: ${ROUTER_PORT}, adminPort: ${ADMIN_PORT} },\n  preview: { drainSeconds: 1 },`,
      'test: router ports',
    );
    env = { SLIPWAY_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'slipway-state-')) };
    const build = await runCli(['build'], { cwd: example.dir, env });
    expect(build.code, build.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const branch of ['main', AWKWARD, 'short-lived'])
      await runCli(['env', 'down', branch], { cwd: example.dir, env });
    await removeProjectImages(example.project);
    await example.cleanup();
  });

  it('prints the plan with --dry-run and touches nothing', async () => {
    const run = await runCli(['env', 'up', AWKWARD, '--dry-run', '--json'], { cwd: example.dir, env });
    expect(run.code, run.stderr).toBe(0);
    const plan = run.json as UpJson & { network: string; routes: { host: string }[] };
    expect(plan.slug).toBe('feature--l-ve-----rm--rf-----id');
    expect(plan.routes.map((r) => r.host)).toContain(`web-students--${plan.name}.localhost`);
    const containers = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`dev.slipway.project=${example.project}`] }),
    });
    expect(containers).toEqual([]);
  });

  it('brings up two branches at once, each with its own build and data, reachable by host name', async () => {
    const [a, b] = await Promise.all([
      runCli(['env', 'up', 'main', '--json'], { cwd: example.dir, env }),
      runCli(['env', 'up', AWKWARD, '--json'], { cwd: example.dir, env }),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    ups.main = a.json as UpJson;
    ups.awkward = b.json as UpJson;
    expect(ups.main.name).toBe('main');
    expect(ups.awkward.name).toBe(ups.awkward.slug);
    for (const up of Object.values(ups)) {
      expect(Object.keys(up.urls).sort()).toEqual(['grades/api', 'grades/web', 'students/api', 'students/web']);
      const page = await viaRouter(up.urls['students/web']!);
      expect(page.status, page.text).toBe(200);
      expect(page.text).toContain('<html');
      const students = await viaRouter(`${up.urls['students/web']}/api/students`);
      expect(students.status).toBe(200);
      expect((students.json() as unknown[]).length).toBeGreaterThan(0);
    }
    // data is per environment: a student added on one branch is not seen on the other
    const created = await viaRouter(`${ups.awkward.urls['students/api']}/api/students`, {
      method: 'POST',
      body: JSON.stringify({ firstName: 'Inès', lastName: 'Branche' }),
    });
    expect(created.status).toBe(201);
    const names = async (up: UpJson) => (await viaRouter(`${up.urls['students/api']}/api/students?limit=500`)).text;
    expect(await names(ups.awkward)).toContain('Branche');
    expect(await names(ups.main)).not.toContain('Branche');
    // internal calls go by stable names: grades/api checks students through STUDENTS_API_URL
    const grade = await viaRouter(`${ups.main.urls['grades/api']}/api/grades`, {
      method: 'POST',
      body: JSON.stringify({ studentId: 424242, course: 'maths', score: 12 }),
    });
    expect(grade.status).toBe(422);
  });

  it('changes nothing when run again with the same build', async () => {
    const before = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`dev.slipway.project=${example.project}`, 'dev.slipway.env=main'] }),
    });
    const again = await runCli(['env', 'up', 'main', '--json'], { cwd: example.dir, env });
    expect(again.code, again.stderr).toBe(0);
    const after = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`dev.slipway.project=${example.project}`, 'dev.slipway.env=main'] }),
    });
    const ids = (list: { Id: string; Labels: Record<string, string> }[]) =>
      list
        .filter((c) => c.Labels['dev.slipway.role'] === 'component')
        .map((c) => c.Id)
        .sort();
    expect(ids(after)).toEqual(ids(before));
  });

  it('rolls one branch to a new build of one back with no failed request', async () => {
    await appendFile(path.join(example.dir, 'students/api/src/server.js'), '\n// a new build\n');
    git(example.dir, 'commit', '-qam', 'feat(students): new build');
    const build = await runCli(['build', '--json'], { cwd: example.dir, env });
    expect(
      (build.json as { components: { id: string; built: boolean }[] }).components
        .filter((c) => c.built)
        .map((c) => c.id),
    ).toEqual(['students/api']);
    const urls = [`${ups.main.urls['students/api']}/api/students`, `${ups.main.urls['students/web']}/api/students`];
    const traffic = load(urls, 12_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const rolled = await runCli(['env', 'up', 'main', '--json'], { cwd: example.dir, env });
    const result = await traffic;
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(result.failed, result.errors.slice(0, 5).join('\n')).toBe(0);
    expect(result.ok).toBeGreaterThan(200);
    const version = (rolled.json as UpJson).components.find((c) => c.id === 'students/api')!.version;
    expect(version).toBe(`sha-${git(example.dir, 'rev-parse', 'HEAD').slice(0, 12)}`);
    const served = await viaRouter(`${ups.main.urls['students/api']}/api/version`);
    expect(served.text).toContain(version);
    const old = await docker.listContainers({
      all: true,
      filters: JSON.stringify({
        label: [`dev.slipway.project=${example.project}`, 'dev.slipway.env=main', 'dev.slipway.component=students/api'],
      }),
    });
    expect(old).toHaveLength(1);
  });

  it('takes one environment down while the other keeps serving', async () => {
    const traffic = load([`${ups.main.urls['students/web']}/api/students`], 4000, 4);
    const down = await runCli(['env', 'down', AWKWARD, '--json'], { cwd: example.dir, env });
    const result = await traffic;
    expect(down.code, down.stderr).toBe(0);
    expect(result.failed, result.errors.slice(0, 5).join('\n')).toBe(0);
    const gone = await viaRouter(ups.awkward.urls['students/web']!);
    expect(gone.status).toBe(404);
    // a second down (a stop job run again) has nothing to do, and says so with success
    const again = await runCli(['env', 'down', AWKWARD], { cwd: example.dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to remove');
    const leftovers = await Promise.all([
      docker.listContainers({
        all: true,
        filters: JSON.stringify({
          label: [`dev.slipway.project=${example.project}`, `dev.slipway.env=${ups.awkward.name}`],
        }),
      }),
      docker.listNetworks({
        filters: JSON.stringify({
          label: [`dev.slipway.project=${example.project}`, `dev.slipway.env=${ups.awkward.name}`],
        }),
      }),
      docker.listVolumes({
        filters: JSON.stringify({
          label: [`dev.slipway.project=${example.project}`, `dev.slipway.env=${ups.awkward.name}`],
        }),
      } as never),
    ]);
    expect(leftovers[0]).toEqual([]);
    expect(leftovers[1]).toEqual([]);
    expect((leftovers[2] as unknown as { Volumes: unknown[] | null }).Volumes ?? []).toEqual([]);
  });

  it('lists environments, and gc removes an expired one and an orphaned one', async () => {
    const configFile = path.join(example.dir, 'slipway.config.ts');
    const original = await readFile(configFile, 'utf8');
    await writeFile(
      configFile,
      original.replace('preview: { drainSeconds: 1 },', "preview: { drainSeconds: 1, ttl: '1s' },"),
    );
    const short = await runCli(['env', 'up', 'short-lived', '--modules', 'students', '--json'], {
      cwd: example.dir,
      env,
    });
    await writeFile(configFile, original);
    expect(short.code, short.stderr).toBe(0);
    const ls = await runCli(['env', 'ls', '--json'], { cwd: example.dir, env });
    expect((ls.json as { environments: { name: string }[] }).environments.map((e) => e.name).sort()).toEqual([
      'main',
      'short-lived',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const dry = await runCli(['env', 'gc', '--dry-run', '--json'], { cwd: example.dir, env });
    expect((dry.json as { removed: { name: string; reason: string }[] }).removed).toEqual([
      { name: 'short-lived', branch: 'short-lived', reason: 'expired' },
    ]);
    const gc = await runCli(['env', 'gc', '--open', 'other-branch', '--json'], { cwd: example.dir, env });
    expect(gc.code, gc.stderr).toBe(0);
    expect((gc.json as { removed: { name: string; reason: string }[] }).removed.map((r) => [r.name, r.reason])).toEqual(
      [
        ['main', 'orphan'],
        ['short-lived', 'expired'],
      ].sort(),
    );
    const after = await runCli(['env', 'ls', '--json'], { cwd: example.dir, env });
    expect((after.json as { environments: unknown[] }).environments).toEqual([]);
  });
});

// Given a small app with staging and production, when the registry is down during a promote or slipway is killed
// in the middle of a deploy, then production is left as it was, and running the same command again converges.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, removeProjectImages, restartEngine, shouldRunEngineTests, until } from '../helpers/engine.js';
import { git, makeProject, REPO_ROOT, type TempProject } from '../helpers/project.js';

const ROUTER_PORT = 18980 - 100;
const REGISTRY_PROXY_PORT = 15099;

/** A TCP relay to the real registry, so a test can take "the registry" down and bring it back. */
function registryProxy(): Promise<net.Server> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(5000, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  const close = server.close.bind(server);
  server.close = (callback) => {
    sockets.forEach((s) => s.destroy());
    return close(callback);
  };
  return new Promise((resolve) => server.listen(REGISTRY_PROXY_PORT, '127.0.0.1', () => resolve(server)));
}

function get(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: ROUTER_PORT, path: '/', headers: { Host: host }, agent: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      })
      .on('error', reject);
  });
}

async function running(project: string, env: string): Promise<{ image: string; version: string }[]> {
  const list = await docker.listContainers({
    filters: JSON.stringify({
      label: [`dev.slipway.project=${project}`, `dev.slipway.env=${env}`, 'dev.slipway.role=component'],
    }),
  });
  return list.map((c) => ({ image: c.Labels['dev.slipway.image']!, version: c.Labels['dev.slipway.version']! }));
}

describe.runIf(await shouldRunEngineTests())('release environments: faults', () => {
  let p: TempProject;
  let proxy: net.Server;
  let productionHost = '';
  const env = { SLIPWAY_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'slipway-state-')) };

  async function release(message: string): Promise<void> {
    await appendFile(path.join(p.dir, 'api/server.mjs'), `\n// ${message}\n`);
    git(p.dir, 'commit', '-qam', message);
    const build = await runCli(['build', '--push'], { cwd: p.dir, env });
    expect(build.code, build.stderr).toBe(0);
  }

  /** Starts `deploy staging` of a new release; resolves once a container of that version runs. */
  async function deployUntilStarted(message: string) {
    await release(message);
    const version = `sha-${git(p.dir, 'rev-parse', 'HEAD').slice(0, 12)}`;
    const child = spawn('node', [path.join(REPO_ROOT, 'bin/slipway.js'), 'deploy', 'staging'], {
      cwd: p.dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let i = 0; i < 400; i++) {
      if ((await running(p.project, 'staging')).some((c) => c.version === version)) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return { version, child, exited, stderr: () => stderr };
  }

  /** Runs `deploy staging` again: it succeeds, and staging answers with `version`. */
  async function rerunServes(version: string): Promise<void> {
    const rerun = await runCli(['deploy', 'staging', '--json'], { cwd: p.dir, env });
    expect(rerun.code, rerun.stderr).toBe(0);
    const host = new URL((rerun.json as { urls: Record<string, string> }).urls['shop/api']!).hostname;
    expect(await get(host)).toBe(`200 ${version}`);
  }

  beforeAll(async () => {
    proxy = await registryProxy();
    p = await makeProject({
      'slipway.config.ts': `import { defineConfig } from 'slipway';
export default defineConfig({
  project: '__PROJECT__',
  registry: { url: '127.0.0.1:${REGISTRY_PROXY_PORT}' },
  router: { port: ${ROUTER_PORT}, adminPort: ${ROUTER_PORT - 6000} },
  environments: { staging: { drainSeconds: 0, check: { seconds: 1 } }, production: { drainSeconds: 0, check: { seconds: 1 } } },
  modules: { shop: { components: { api: { kind: 'back', context: 'api', port: 8080 } } } },
});
`,
      'api/Dockerfile':
        'FROM node:20-bookworm-slim\nWORKDIR /app\nCOPY server.mjs .\nUSER node\nCMD ["node", "server.mjs"]\n',
      'api/server.mjs': `import http from 'node:http';
const server = http.createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : process.env.SLIPWAY_VERSION));
server.listen(Number(process.env.PORT));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`,
    });
    const build = await runCli(['build', '--push'], { cwd: p.dir, env });
    expect(build.code, build.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const name of ['staging', 'production']) await runCli(['env', 'down', name], { cwd: p.dir, env });
    await new Promise((resolve) => proxy.close(resolve));
    await removeProjectImages(p.project);
    await p.cleanup();
  });

  it('leaves production untouched when the registry is down during a promote, and promotes once it is back', async () => {
    expect((await runCli(['deploy', 'staging'], { cwd: p.dir, env })).code).toBe(0);
    const first = await runCli(['promote', 'staging', 'production', '--json'], { cwd: p.dir, env });
    expect(first.code, first.stderr).toBe(0);
    const host = new URL((first.json as { urls: Record<string, string> }).urls['shop/api']!).hostname;
    productionHost = host;
    await release('release 2');
    expect((await runCli(['deploy', 'staging'], { cwd: p.dir, env })).code).toBe(0);
    const before = await running(p.project, 'production');
    await new Promise((resolve) => proxy.close(resolve));
    const down = await runCli(['promote', 'staging', 'production'], { cwd: p.dir, env });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/^error REGISTRY_UNREACHABLE: the registry 127\.0\.0\.1:15099 is not reachable/m);
    expect(await running(p.project, 'production')).toEqual(before);
    expect(await get(host)).toBe(`200 ${before[0]!.version}`);
    proxy = await registryProxy();
    const again = await runCli(['promote', 'staging', 'production'], { cwd: p.dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(await running(p.project, 'production')).toEqual(await running(p.project, 'staging'));
  });

  it('converges when slipway is killed in the middle of a deploy and run again', async () => {
    const { version, child, exited } = await deployUntilStarted('release 3');
    child.kill('SIGKILL');
    await exited;
    await rerunServes(version);
    const containers = await docker.listContainers({
      all: true,
      filters: JSON.stringify({
        label: [`dev.slipway.project=${p.project}`, 'dev.slipway.env=staging', 'dev.slipway.role=component'],
      }),
    });
    expect(containers.map((c) => c.Labels['dev.slipway.version'])).toEqual([version]);
  });

  it('keeps one version serving when the Docker engine restarts in the middle of a deploy, and a rerun converges', async () => {
    const production = await running(p.project, 'production');
    const { version, exited, stderr: output } = await deployUntilStarted('release 4');
    await restartEngine();
    const code = await exited;
    const stderr = output();
    console.log(`engine restarted mid-deploy: exit ${code}, ${stderr.trim().split('\n').at(-1)}`);
    // the deploy either lost its engine (exit 3, one line naming the engine, or the router it took down), or had
    // switched already (exit 0)
    if (code !== 0) {
      expect(code, stderr).toBe(3);
      expect(stderr).toMatch(/^error (ENGINE_UNREACHABLE|ENGINE_ERROR|ROUTER_ERROR): /m);
    }
    // the engine brings back what ran (restart policy); production never took part
    await until('production answering again', 60, async () =>
      (await get(productionHost).catch(() => '')).startsWith('200'),
    );
    expect(await get(productionHost)).toBe(`200 ${production[0]!.version}`);
    await rerunServes(version);
    const containers = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`dev.slipway.project=${p.project}`, 'dev.slipway.role=component'] }),
    });
    expect(
      containers.map((c) => `${c.Labels['dev.slipway.env']} ${c.Labels['dev.slipway.version']} ${c.State}`).sort(),
    ).toEqual([`production ${production[0]!.version} running`, `staging ${version} running`]);
  });

  it('refuses to deploy a build older than the one running, unless --force', async () => {
    const running = git(p.dir, 'rev-parse', 'HEAD');
    git(p.dir, 'checkout', '-q', 'HEAD~1');
    try {
      expect((await runCli(['build', '--push'], { cwd: p.dir, env })).code).toBe(0);
      const refused = await runCli(['deploy', 'staging'], { cwd: p.dir, env });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(
        new RegExp(
          `^error USAGE: staging runs sha-${running.slice(0, 12)}, newer than this build \\(sha-[0-9a-f]{12}\\)`,
          'm',
        ),
      );
      const forced = await runCli(['deploy', 'staging', '--force', '--json'], { cwd: p.dir, env });
      expect(forced.code, forced.stderr).toBe(0);
      expect((forced.json as { version: string }).version).toBe(`sha-${git(p.dir, 'rev-parse', 'HEAD').slice(0, 12)}`);
    } finally {
      git(p.dir, 'checkout', '-q', 'main');
    }
  });
});

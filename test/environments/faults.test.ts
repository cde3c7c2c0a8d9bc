// Given small real projects, when a component never gets ready or slipway is killed in the middle of `env up`,
// then a new environment leaves nothing behind (unless --keep-failed), an existing one keeps serving, and a
// rerun converges.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, removeProjectImages, shouldRunEngineTests } from '../helpers/engine.js';
import { git, makeProject, REPO_ROOT, type TempProject } from '../helpers/project.js';

const ROUTER_PORT = 18580;

function server(answer: string, healthStatus: number): string {
  return `import http from 'node:http';
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') { res.writeHead(${healthStatus}); res.end('health'); return; }
  res.end(${JSON.stringify(answer)});
});
server.listen(Number(process.env.PORT));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
console.log('listening; health will answer ${healthStatus}');
`;
}

const DOCKERFILE =
  'FROM node:20-bookworm-slim\nWORKDIR /app\nCOPY server.mjs .\nUSER node\nCMD ["node", "server.mjs"]\n';

function files(answer: string, healthStatus: number): Record<string, string> {
  return {
    'slipway.config.ts': `import { defineConfig } from 'slipway';
export default defineConfig({
  project: '__PROJECT__',
  registry: { url: '127.0.0.1:5000' },
  router: { port: ${ROUTER_PORT}, adminPort: ${ROUTER_PORT - 6000} },
  preview: { readyTimeoutSeconds: 4, drainSeconds: 0 },
  modules: { shop: { components: { api: { kind: 'back', context: 'api', port: 8080 } } } },
});
`,
    'api/Dockerfile': DOCKERFILE,
    'api/server.mjs': server(answer, healthStatus),
  };
}

async function leftovers(project: string) {
  const filters = JSON.stringify({ label: [`dev.slipway.project=${project}`] });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters } as never) as unknown as Promise<{ Volumes: unknown[] | null }>,
  ]);
  return { containers: containers.length, networks: networks.length, volumes: (volumes.Volumes ?? []).length };
}

async function viaRouter(host: string): Promise<{ status: number; text: string }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: ROUTER_PORT, path: '/', headers: { Host: host }, agent: false }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on('error', reject);
  });
}

describe.runIf(await shouldRunEngineTests())('preview environments: faults', () => {
  const projects: TempProject[] = [];
  const env = { SLIPWAY_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'slipway-state-')) };
  async function project(answer: string, health: number): Promise<TempProject> {
    const p = await makeProject(files(answer, health));
    projects.push(p);
    const build = await runCli(['build'], { cwd: p.dir, env });
    expect(build.code, build.stderr).toBe(0);
    return p;
  }
  afterEach(async () => {
    for (const p of projects.splice(0)) {
      await runCli(['env', 'down', 'feature/x'], { cwd: p.dir, env });
      await removeProjectImages(p.project);
      await p.cleanup();
    }
  });

  it('reports a component that never gets ready with its last log lines, and removes the new environment', async () => {
    const p = await project('never', 503);
    const run = await runCli(['env', 'up', 'feature/x'], { cwd: p.dir, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error ENV_FAILED: shop\/api never became ready: not ready after 4 s \(\/healthz answered 503\)/m,
    );
    expect(run.stderr).toContain('shop/api | listening; health will answer 503');
    expect(await leftovers(p.project)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('keeps the failed environment with --keep-failed, marked failed', async () => {
    const p = await project('never', 500);
    const run = await runCli(['env', 'up', 'feature/x', '--keep-failed'], { cwd: p.dir, env });
    expect(run.code).toBe(1);
    const ls = await runCli(['env', 'ls', '--json'], { cwd: p.dir, env });
    const [only] = (ls.json as { environments: { name: string; status: string }[] }).environments;
    expect(only).toMatchObject({ name: 'feature-x', status: 'failed' });
    expect((await leftovers(p.project)).containers).toBeGreaterThan(0);
  });

  it('keeps serving the old build when a new build never gets ready', async () => {
    const p = await project('old build', 200);
    const first = await runCli(['env', 'up', 'feature/x', '--json'], { cwd: p.dir, env });
    expect(first.code, first.stderr).toBe(0);
    const host = new URL((first.json as { urls: Record<string, string> }).urls['shop/api']!).hostname;
    expect((await viaRouter(host)).text).toBe('old build');
    await writeFile(path.join(p.dir, 'api/server.mjs'), server('broken build', 500));
    git(p.dir, 'commit', '-qam', 'fix: break it');
    expect((await runCli(['build'], { cwd: p.dir, env })).code).toBe(0);
    const second = await runCli(['env', 'up', 'feature/x'], { cwd: p.dir, env });
    expect(second.code).toBe(1);
    expect((await viaRouter(host)).text).toBe('old build');
    const containers = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`dev.slipway.project=${p.project}`, 'dev.slipway.role=component'] }),
    });
    expect(containers).toHaveLength(1);
  });

  it('converges when run again after slipway was killed in the middle of env up', async () => {
    const p = await project('converged', 200);
    const child = spawn('node', [path.join(REPO_ROOT, 'bin/slipway.js'), 'env', 'up', 'feature/x'], {
      cwd: p.dir,
      env: { ...process.env, ...env },
      stdio: 'pipe',
    });
    // kill it as soon as its container exists, before it is routed
    for (let i = 0; i < 200; i++) {
      const list = await docker.listContainers({
        all: true,
        filters: JSON.stringify({ label: [`dev.slipway.project=${p.project}`, 'dev.slipway.role=component'] }),
      });
      if (list.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const rerun = await runCli(['env', 'up', 'feature/x', '--json'], { cwd: p.dir, env });
    expect(rerun.code, rerun.stderr).toBe(0);
    const host = new URL((rerun.json as { urls: Record<string, string> }).urls['shop/api']!).hostname;
    expect(await viaRouter(host)).toEqual({ status: 200, text: 'converged' });
    const containers = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`dev.slipway.project=${p.project}`, 'dev.slipway.role=component'] }),
    });
    expect(containers).toHaveLength(1);
  });
});

// Given the example app with staging on the default registry, qa under another path of the same registry and
// production on a second real registry, when staging is promoted, then qa and production run staging's very digests
// from their own repositories (qa's blobs mounted, production's copied), and with the second registry down a
// promote leaves production as it was and converges once the registry is back; a deploy to production copies the
// build's images to its registry first.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, inCi, removeProjectImages, shouldRunEngineTests } from '../helpers/engine.js';
import { configureExample, copyExample, git, type TempProject } from '../helpers/project.js';

const ROUTER_PORT = 18180;
const REGISTRY_BINARY = '/usr/bin/docker-registry';
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const FAST = 'drainSeconds: 0, warmUpRequests: 0, check: { seconds: 1 }';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A second real registry (Debian's docker-registry) on loopback, storing in `dir` (kept across restarts). */
async function startRegistry(port: number, dir: string): Promise<ChildProcess> {
  const configFile = path.join(dir, 'registry.yml');
  await writeFile(
    configFile,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn(REGISTRY_BINARY, ['serve', configFile], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with code ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`docker-registry did not answer on 127.0.0.1:${port}`);
}

async function stopRegistry(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
}

/** The digest a registry gives for a manifest reference (tag or digest), or the HTTP status when it has none. */
async function manifestDigest(registry: string, repository: string, reference: string): Promise<string> {
  const response = await fetch(`http://${registry}/v2/${repository}/manifests/${reference}`, {
    method: 'HEAD',
    headers: { Accept: ACCEPT },
  });
  return response.ok ? (response.headers.get('docker-content-digest') ?? 'no digest') : `HTTP ${response.status}`;
}

/** The config and layer digests of a (single-platform) manifest. */
async function blobsOf(registry: string, repository: string, digest: string): Promise<string[]> {
  const response = await fetch(`http://${registry}/v2/${repository}/manifests/${digest}`, {
    headers: { Accept: ACCEPT },
  });
  const manifest = (await response.json()) as { config: { digest: string }; layers: { digest: string }[] };
  return [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
}

function get(url: string): Promise<number> {
  const { hostname, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    http
      .get(
        { host: '127.0.0.1', port: ROUTER_PORT, path: pathname, headers: { Host: hostname }, agent: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      )
      .on('error', reject);
  });
}

async function runningImages(project: string, env: string): Promise<Record<string, string>> {
  const list = await docker.listContainers({
    filters: JSON.stringify({
      label: [`dev.slipway.project=${project}`, `dev.slipway.env=${env}`, 'dev.slipway.role=component'],
    }),
  });
  return Object.fromEntries(list.map((c) => [c.Labels['dev.slipway.component']!, c.Labels['dev.slipway.image']!]));
}

/** `<repository>` and `sha256:...` of `<repository>@sha256:...`. */
function split(image: string): { repository: string; digest: string } {
  const [repository, digest] = image.split('@') as [string, string];
  return { repository, digest };
}

/** The progress lines promote prints per copied image, by component id. */
function copyLines(stderr: string): Record<string, string> {
  return Object.fromEntries([...stderr.matchAll(/^(\S+): copied to (.*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

function total(lines: Record<string, string>, what: 'mounted' | 'uploaded'): number {
  return Object.values(lines).reduce((sum, line) => sum + Number(new RegExp(`(\\d+) ${what}`).exec(line)![1]), 0);
}

const runs = (await shouldRunEngineTests()) && (inCi || existsSync(REGISTRY_BINARY));

describe.runIf(runs)('promote across repositories and registries', () => {
  let example: TempProject;
  let second: ChildProcess;
  let port: number;
  const registryDir = mkdtempSync(path.join(os.tmpdir(), 'slipway-registry-'));
  const env = { SLIPWAY_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'slipway-state-')) };
  const ids = ['grades/api', 'grades/db', 'grades/web', 'students/api', 'students/db', 'students/web'];

  function paths(id: string): string {
    const [module, name] = id.split('/');
    return `${example.project}/${module}-${name}`;
  }

  beforeAll(async () => {
    port = await freePort();
    second = await startRegistry(port, registryDir);
    example = await copyExample('xreg');
    await configureExample(
      example,
      `router: { port: ${ROUTER_PORT}, adminPort: ${ROUTER_PORT - 6000} },
  environments: {
    staging: { ${FAST} },
    qa: { ${FAST}, registry: { url: '127.0.0.1:5000/qa' } },
    production: { ${FAST}, registry: { url: '127.0.0.1:${port}' } },
  },`,
      'chore: environments on their own registries',
    );
    const build = await runCli(['build', '--push'], { cwd: example.dir, env });
    expect(build.code, build.stderr).toBe(0);
  });

  afterAll(async () => {
    if (example) {
      for (const name of ['staging', 'qa', 'production'])
        await runCli(['env', 'down', name], { cwd: example.dir, env });
      await removeProjectImages(example.project);
      await example.cleanup();
    }
    if (second) await stopRegistry(second);
    await rm(registryDir, { recursive: true, force: true });
  });

  it('copies by mounting within a registry and by transfer across registries, and runs the same digests', async () => {
    const staging = await runCli(['deploy', 'staging'], { cwd: example.dir, env });
    expect(staging.code, staging.stderr).toBe(0);
    const qa = await runCli(['promote', 'staging', 'qa', '--json'], { cwd: example.dir, env });
    expect(qa.code, qa.stderr).toBe(0);
    const production = await runCli(['promote', 'staging', 'production', '--json'], { cwd: example.dir, env });
    expect(production.code, production.stderr).toBe(0);

    const running = {
      staging: await runningImages(example.project, 'staging'),
      qa: await runningImages(example.project, 'qa'),
      production: await runningImages(example.project, 'production'),
    };
    expect(Object.keys(running.staging).sort()).toEqual(ids);
    for (const id of ids) {
      const { repository, digest } = split(running.staging[id]!);
      expect(repository).toBe(`127.0.0.1:5000/${paths(id)}`);
      expect(running.qa[id]).toBe(`127.0.0.1:5000/qa/${paths(id)}@${digest}`);
      expect(running.production[id]).toBe(`127.0.0.1:${port}/${paths(id)}@${digest}`);
      // each target registry holds the manifest by digest, under the same digest, and the env's tag points to it
      expect(await manifestDigest('127.0.0.1:5000', `qa/${paths(id)}`, digest)).toBe(digest);
      expect(await manifestDigest('127.0.0.1:5000', `qa/${paths(id)}`, 'qa')).toBe(digest);
      expect(await manifestDigest(`127.0.0.1:${port}`, paths(id), digest)).toBe(digest);
      expect(await manifestDigest(`127.0.0.1:${port}`, paths(id), 'production')).toBe(digest);
      for (const blob of await blobsOf('127.0.0.1:5000', paths(id), digest)) {
        const head = await fetch(`http://127.0.0.1:5000/v2/qa/${paths(id)}/blobs/${blob}`, { method: 'HEAD' });
        expect(head.status).toBe(200);
      }
    }
    // within one registry every blob was mounted, none transferred; across registries they were transferred, and
    // a base layer shared by several images crossed once, then was mounted within the second registry
    const qaCopies = copyLines(qa.stderr);
    expect(Object.keys(qaCopies).sort()).toEqual(ids);
    expect(total(qaCopies, 'uploaded')).toBe(0);
    expect(total(qaCopies, 'mounted')).toBeGreaterThan(0);
    const productionCopies = copyLines(production.stderr);
    expect(Object.keys(productionCopies).sort()).toEqual(ids);
    expect(total(productionCopies, 'uploaded')).toBeGreaterThan(0);
    expect(total(productionCopies, 'mounted')).toBeGreaterThan(0);

    // the engine pulled the copies from their registries, and both environments answer through the router
    for (const result of [qa, production]) {
      const urls = (result.json as { urls: Record<string, string> }).urls;
      expect(await get(`${urls['students/web']}/api/students`)).toBe(200);
      expect(await get(`${urls['grades/web']}/healthz`)).toBe(200);
    }
  });

  it('leaves production as it was when its registry is down during a promote, and converges once it is back', async () => {
    await appendFile(path.join(example.dir, 'students/api/src/server.js'), '\n// release 2\n');
    git(example.dir, 'commit', '-qam', 'feat(students): release 2');
    const build = await runCli(['build', '--push'], { cwd: example.dir, env });
    expect(build.code, build.stderr).toBe(0);
    expect((await runCli(['deploy', 'staging'], { cwd: example.dir, env })).code).toBe(0);
    const before = await runningImages(example.project, 'production');
    const newApi = split((await runningImages(example.project, 'staging'))['students/api']!).digest;
    expect(split(before['students/api']!).digest).not.toBe(newApi);

    await stopRegistry(second);
    const down = await runCli(['promote', 'staging', 'production'], { cwd: example.dir, env });
    expect(down.code).toBe(3);
    const errors = down.stderr.split('\n').filter((line) => line.startsWith('error '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        `^error REGISTRY_UNREACHABLE: copying 127\\.0\\.0\\.1:5000/${example.project}/[a-z-]+@sha256:[0-9a-f]{64} to 127\\.0\\.0\\.1:${port}/${example.project}/[a-z-]+ failed: the registry 127\\.0\\.0\\.1:${port} is not reachable \\(ECONNREFUSED\\) \\(fix: .*rerun \`slipway promote staging production\` \\(production was not changed; .*\\)\\)$`,
      ),
    );
    expect(await runningImages(example.project, 'production')).toEqual(before);

    second = await startRegistry(port, registryDir);
    // nothing of the new release reached the second registry: its production tag still names the running digest
    expect(await manifestDigest(`127.0.0.1:${port}`, paths('students/api'), 'production')).toBe(
      split(before['students/api']!).digest,
    );
    expect(await manifestDigest(`127.0.0.1:${port}`, paths('students/api'), newApi)).toBe('HTTP 404');
    const again = await runCli(['promote', 'staging', 'production', '--json'], { cwd: example.dir, env });
    expect(again.code, again.stderr).toBe(0);
    const production = await runningImages(example.project, 'production');
    const staging = await runningImages(example.project, 'staging');
    for (const id of ids) {
      expect(split(production[id]!).digest).toBe(split(staging[id]!).digest);
      expect(split(production[id]!).repository).toBe(`127.0.0.1:${port}/${paths(id)}`);
    }
    expect(split(production['students/api']!).digest).toBe(newApi);
    // the rerun sent only the new layers: the unchanged images' blobs and the new image's base were already there
    const copies = copyLines(again.stderr);
    expect(copies['students/api']).toMatch(/ [1-9]\d* uploaded, [1-9]\d* already there\)$/);
    for (const id of ids.filter((i) => i !== 'students/api')) expect(copies[id]).toMatch(/ 0 uploaded, /);
    const urls = (again.json as { urls: Record<string, string> }).urls;
    expect(await get(`${urls['students/web']}/api/students`)).toBe(200);
  });

  it('deploys a build to production from its own registry: the images are copied there first, never rebuilt', async () => {
    await appendFile(path.join(example.dir, 'grades/api/src/server.js'), '\n// hotfix\n');
    git(example.dir, 'commit', '-qam', 'fix(grades): hotfix');
    const build = await runCli(['build', '--push'], { cwd: example.dir, env });
    expect(build.code, build.stderr).toBe(0);
    const built = JSON.parse(await readFile(path.join(example.dir, '.slipway/build.json'), 'utf8')) as {
      components: Record<string, { digest: string }>;
    };
    const deployed = await runCli(['deploy', 'production', '--json'], { cwd: example.dir, env });
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(Object.keys(copyLines(deployed.stderr)).sort()).toEqual(ids);
    const production = await runningImages(example.project, 'production');
    for (const id of ids) {
      expect(production[id]).toBe(`127.0.0.1:${port}/${paths(id)}@${built.components[id]!.digest}`);
      expect(await manifestDigest(`127.0.0.1:${port}`, paths(id), 'production')).toBe(built.components[id]!.digest);
    }
    const urls = (deployed.json as { urls: Record<string, string> }).urls;
    expect(await get(`${urls['grades/web']}/healthz`)).toBe(200);
  });
});

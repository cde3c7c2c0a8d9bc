// Given a small app on the CI cluster, when the kube context is wrong, the credentials are refused, the API server
// refuses connections or never answers, an image cannot be pulled, a quota refuses the pods, a release never gets
// ready before its deadline, or a namespace is stuck terminating, then each fails with a clear message and its exit
// code, the previous release keeps serving, and nothing is left that `env gc` cannot find.
import { mkdtempSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shouldRunClusterTests } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { removeProjectImages } from '../helpers/engine.js';
import { git, makeProject, type TempProject } from '../helpers/project.js';
import {
  CONTEXT,
  eventually200,
  get,
  kube,
  kubeconfigWith,
  kubernetesSection,
  namespaceExists,
  namespaceOf,
  removeNamespaces,
  runningImages,
  serviceUrl,
} from './fixture.js';

function config(extra: string): string {
  return `import { defineConfig } from 'slipway';
export default defineConfig({
  project: '__PROJECT__',
  registry: { url: '127.0.0.1:5000' },
  engine: 'kubernetes',
${extra}
  preview: { readyTimeoutSeconds: 20 },
  environments: { staging: { readyTimeoutSeconds: 20, check: { seconds: 1 } } },
  modules: { shop: { components: { api: { kind: 'back', context: 'api', port: 8080 } } } },
});
`;
}

const SERVER = `import http from 'node:http';
const server = http.createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : process.env.SLIPWAY_VERSION));
server.listen(Number(process.env.PORT));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

describe.runIf(await shouldRunClusterTests())('the Kubernetes engine: faults and bad input', () => {
  let p: TempProject;
  const env = { SLIPWAY_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'slipway-state-')) };
  let silent: net.Server;
  const sockets = new Set<net.Socket>();

  async function release(change: string, message: string): Promise<void> {
    await appendFile(path.join(p.dir, 'api/server.mjs'), change);
    git(p.dir, 'commit', '-qam', message);
    const build = await runCli(['build', '--push'], { cwd: p.dir, env });
    expect(build.code, build.stderr).toBe(0);
  }

  /** Runs slipway with another config file next to the project's (same project, same build). */
  async function withConfig(extra: string, args: string[]) {
    const file = path.join(p.dir, `alt-${Math.random().toString(16).slice(2)}.config.ts`);
    await writeFile(file, config(extra).replace('__PROJECT__', p.project));
    return runCli([...args, '--config', file], { cwd: p.dir, env });
  }

  beforeAll(async () => {
    silent = net.createServer((socket) => {
      // accepts, then never says a word: an API server that hangs
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    p = await makeProject({
      'slipway.config.ts': config(kubernetesSection()),
      'api/Dockerfile':
        'FROM node:20-bookworm-slim\nWORKDIR /app\nCOPY server.mjs .\nUSER node\nCMD ["node", "server.mjs"]\n',
      'api/server.mjs': SERVER,
    });
    const build = await runCli(['build', '--push'], { cwd: p.dir, env });
    expect(build.code, build.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await removeNamespaces(p.project);
    await removeProjectImages(p.project);
    await p.cleanup();
  });

  it('refuses a kube context the kubeconfig does not have, listing the valid ones (exit 2)', async () => {
    const run = await withConfig(kubernetesSection().replace(`context: '${CONTEXT}'`, "context: 'slipway-cj'"), [
      'env',
      'up',
      'main',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error KUBE_CONTEXT_NOT_FOUND: kube context "slipway-cj" is not in .* \(did you mean slipway-ci\?\)/m,
    );
    expect(run.stderr).toContain(`use one of its contexts: ${CONTEXT}`);
  });

  it('reports refused credentials (401: expired or revoked) with exit 3', async () => {
    const kubeconfig = kubeconfigWith([{ name: 'expired', token: 'eyJhbGciOiJSUzI1NiJ9.expired.signature' }]);
    const run = await withConfig(`  kubernetes: { kubeconfig: ${JSON.stringify(kubeconfig)}, context: 'expired' },`, [
      'env',
      'ls',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^error KUBE_UNAUTHORIZED: the Kubernetes API server https:\/\/\S+ \(context expired\) refused slipway's credentials \(401 Unauthorized\)/m,
    );
  });

  it('reports an API server that refuses connections, and one that never answers, with exit 3', async () => {
    const refused = kubeconfigWith([{ name: 'down', server: 'https://127.0.0.1:1' }]);
    const down = await withConfig(`  kubernetes: { kubeconfig: ${JSON.stringify(refused)}, context: 'down' },`, [
      'env',
      'up',
      'main',
    ]);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(
      /^error ENGINE_UNREACHABLE: the Kubernetes API server https:\/\/127\.0\.0\.1:1 \(context down\) is not reachable \(ECONNREFUSED\)/m,
    );
    const port = (silent.address() as net.AddressInfo).port;
    const hanging = kubeconfigWith([{ name: 'hangs', server: `https://127.0.0.1:${port}` }]);
    const started = Date.now();
    const hangs = await withConfig(
      `  kubernetes: { kubeconfig: ${JSON.stringify(hanging)}, context: 'hangs', requestTimeoutSeconds: 2 },`,
      ['env', 'ls'],
    );
    expect(hangs.code).toBe(3);
    expect(hangs.stderr).toMatch(
      new RegExp(
        `^error ENGINE_UNREACHABLE: the Kubernetes API server https://127\\.0\\.0\\.1:${port} \\(context hangs\\) does not answer`,
        'm',
      ),
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('names the image the cluster cannot pull (exit 1) and leaves, with --keep-failed, only what env gc finds', async () => {
    const manifestFile = path.join(p.dir, '.slipway/build.json');
    const good = await readFile(manifestFile, 'utf8');
    const missing = `127.0.0.1:5000/${p.project}/shop-api@sha256:${'0'.repeat(64)}`;
    const manifest = JSON.parse(good) as { components: Record<string, { image: string }> };
    manifest.components['shop/api']!.image = missing;
    await writeFile(manifestFile, JSON.stringify(manifest));
    try {
      const up = await runCli(['env', 'up', 'pull-fails', '--keep-failed'], { cwd: p.dir, env });
      expect(up.code).toBe(1);
      expect(up.stderr).toMatch(
        new RegExp(
          `^error IMAGE_PULL_FAILED: shop/api: the cluster cannot pull ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
          'm',
        ),
      );
      const namespace = await kube().core.readNamespace({ name: namespaceOf(p.project, 'pull-fails') });
      expect(namespace.metadata!.labels).toMatchObject({
        'dev.slipway.lifetime': 'preview',
        'dev.slipway.project': p.project,
      });
      expect(namespace.metadata!.annotations!['dev.slipway.status']).toBe('failed');
      // an orphan (its branch is not open): gc finds it by its labels and removes it
      const gc = await runCli(['env', 'gc', '--open', 'main', '--json'], { cwd: p.dir, env });
      expect(gc.code, gc.stderr).toBe(0);
      expect((gc.json as { removed: { name: string; reason: string }[] }).removed).toEqual([
        { name: 'pull-fails', branch: 'pull-fails', reason: 'orphan' },
      ]);
      expect(await namespaceExists(namespaceOf(p.project, 'pull-fails'))).toBe(false);
    } finally {
      await writeFile(manifestFile, good);
    }
  });

  it('rolls back when a quota refuses the new pods (exit 3), the previous release serving', async () => {
    expect((await runCli(['deploy', 'staging'], { cwd: p.dir, env })).code).toBe(0);
    const namespace = namespaceOf(p.project, 'staging');
    const before = await runningImages(p.project, 'staging');
    // one pod runs; the rolling update needs a second one next to it, which the quota refuses
    await kube().core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'one-pod' }, spec: { hard: { pods: '1' } } },
    });
    try {
      await release('\n// release 2\n', 'feat: release 2');
      const deployed = await runCli(['deploy', 'staging'], { cwd: p.dir, env });
      expect(deployed.code).toBe(3);
      expect(deployed.stderr).toMatch(/^error QUOTA_EXCEEDED: shop\/api: .*exceeded quota: one-pod/m);
      expect(await runningImages(p.project, 'staging')).toEqual(before);
      const api = await serviceUrl(p.project, 'staging', 'shop-api');
      expect((await eventually200(`${api}/`)).text).toMatch(/^sha-/);
    } finally {
      await kube().core.deleteNamespacedResourceQuota({ name: 'one-pod', namespace });
    }
  });

  it('rolls back a release that never passes its health check (exit 1), quoting the probe', async () => {
    const before = await runningImages(p.project, 'staging');
    await writeFile(
      path.join(p.dir, 'api/server.mjs'),
      SERVER.replace("req.url === '/healthz' ? 'ok'", "req.url === '/healthz' ? (res.statusCode = 503, 'not yet')"),
    );
    git(p.dir, 'commit', '-qam', 'fix: never healthy');
    expect((await runCli(['build', '--push'], { cwd: p.dir, env })).code).toBe(0);
    const deployed = await runCli(['deploy', 'staging'], { cwd: p.dir, env });
    expect(deployed.code).toBe(1);
    // the startup probe gives up after the ready timeout (20 s) and the kubelet restarts the container: that is the
    // failure, with the probe's own words
    expect(deployed.stderr).toMatch(
      /^error ENV_FAILED: deploy to staging rolled back: shop\/api never became ready: Startup probe failed: HTTP probe failed with statuscode: 503; the container exited with code \d+ and was restarted 1 time\(s\)/m,
    );
    expect(await runningImages(p.project, 'staging')).toEqual(before);
    const api = await serviceUrl(p.project, 'staging', 'shop-api');
    expect((await get(`${api}/healthz`)).status).toBe(200);
    await writeFile(path.join(p.dir, 'api/server.mjs'), SERVER);
    git(p.dir, 'commit', '-qam', 'fix: healthy again');
    expect((await runCli(['build', '--push'], { cwd: p.dir, env })).code).toBe(0);
  });

  it('says a namespace is stuck terminating (exit 3), and removes it once what held it is gone', async () => {
    const up = await runCli(['env', 'up', 'stuck'], { cwd: p.dir, env });
    expect(up.code, up.stderr).toBe(0);
    const namespace = namespaceOf(p.project, 'stuck');
    const { core } = kube();
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } },
    });
    try {
      const down = await withConfig(kubernetesSection(', deleteTimeoutSeconds: 20'), ['env', 'down', 'stuck']);
      expect(down.code).toBe(3);
      expect(down.stderr).toMatch(
        new RegExp(`^error NAMESPACE_TERMINATING: namespace ${namespace} is still terminating after 20 s`, 'm'),
      );
      expect(down.stderr).toMatch(/NamespaceFinalizersRemaining: .*example\.com\/hold/);
    } finally {
      // what held it goes, whatever happened above: a test never leaves a stuck namespace behind
      const held = await core.readNamespacedConfigMap({ name: 'held', namespace });
      held.metadata!.finalizers = [];
      await core.replaceNamespacedConfigMap({ name: 'held', namespace, body: held });
    }
    const again = await runCli(['env', 'down', 'stuck'], { cwd: p.dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(await namespaceExists(namespace)).toBe(false);
  });
});

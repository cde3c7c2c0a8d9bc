// Given the CI's single-node Kubernetes (`npm run k8s:up`: etcd, the control plane, a kubelet on containerd, kube-proxy
// and CoreDNS, all real), when a Deployment runs an image pushed to the local registry in a namespace that enforces
// the restricted Pod Security profile, then it gets ready, its Service answers HTTP on its ClusterIP from the host,
// and a pod finds that Service by its DNS name (names outside the cluster fail at once) and the API server by its own.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Pod, type V1PodSpec } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterAvailable, kubeconfigPath, shouldRunClusterTests } from '../helpers/cluster.js';
import { docker, REGISTRY, registryDigest } from '../helpers/engine.js';
import { uniqueName } from '../helpers/project.js';

const CONTEXT = 'slipway-ci';
const NAMESPACE = uniqueName('cluster-test');
const REPOSITORY = 'slipway-cluster-test/hello';
const IMAGE = `${REGISTRY}/${REPOSITORY}:${NAMESPACE}`;

const SERVER = `import http from 'node:http';
import os from 'node:os';
const server = http.createServer((req, res) => res.end(\`hello from \${os.hostname()}\`));
server.listen(8080);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/**
 * Run in a pod: resolves the Service by its short and full names, calls it, times a name outside the cluster, and
 * asks the API server its version through the `kubernetes` Service with the pod's token.
 */
const PROBE = `
const dns = require('node:dns').promises;
const fs = require('node:fs');
const https = require('node:https');
const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
function apiVersion() {
  const options = {
    ca: fs.readFileSync(sa + '/ca.crt'),
    headers: { authorization: 'Bearer ' + fs.readFileSync(sa + '/token', 'utf8') },
    timeout: 5000,
  };
  return new Promise((resolve, reject) =>
    https.get('https://kubernetes.default.svc/version', options, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(JSON.parse(body).gitVersion));
    }).on('error', reject),
  );
}
(async () => {
  const short = (await dns.lookup('hello')).address;
  const full = (await dns.lookup('hello.${NAMESPACE}.svc.cluster.local')).address;
  const body = await (await fetch('http://hello/', { signal: AbortSignal.timeout(5000) })).text();
  const started = Date.now();
  const outside = await dns.lookup('registry.npmjs.org').then(() => 'resolved', (e) => e.code);
  const outsideMs = Date.now() - started;
  console.log(JSON.stringify({ short, full, body, outside, outsideMs, api: await apiVersion() }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** What the restricted Pod Security profile asks of every pod and container. */
function restrictedSpec(containers: V1PodSpec['containers'], extra: Partial<V1PodSpec> = {}): V1PodSpec {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: containers.map((c) => ({
      ...c,
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    })),
    ...extra,
  };
}

/** One GET on a new connection (no keep-alive), so that each request may go to another pod. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: 3000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

async function until<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not after ${seconds} s${last ? ` (${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Builds the tiny HTTP server image with the Docker engine and pushes it to the local registry. */
async function buildAndPush(): Promise<void> {
  const context = await mkdtemp(path.join(os.tmpdir(), 'slipway-cluster-image-'));
  try {
    await writeFile(
      path.join(context, 'Dockerfile'),
      'FROM node:20-bookworm-slim\nWORKDIR /app\nCOPY server.mjs .\nUSER node\nCMD ["node", "server.mjs"]\n',
    );
    await writeFile(path.join(context, 'server.mjs'), SERVER);
    const build = await docker.buildImage({ context, src: ['Dockerfile', 'server.mjs'] }, { t: IMAGE });
    await follow(build, `build of ${IMAGE}`);
    const push = (await docker.getImage(IMAGE).push({ authconfig: {} } as never)) as unknown as NodeJS.ReadableStream;
    await follow(push, `push of ${IMAGE}`);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function follow(stream: NodeJS.ReadableStream, what: string): Promise<void> {
  const messages = await new Promise<{ error?: string }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, result: { error?: string }[]) =>
      error ? reject(error) : resolve(result),
    ),
  );
  const failure = messages.find((m) => typeof m.error === 'string');
  if (failure) throw new Error(`${what} failed: ${failure.error}`);
}

describe.runIf(await shouldRunClusterTests())('the CI Kubernetes cluster', () => {
  let core: CoreV1Api;
  let apps: AppsV1Api;

  beforeAll(async () => {
    if (!(await clusterAvailable())) {
      throw new Error(`the CI cluster does not answer (kubeconfig ${kubeconfigPath()}): run npm run k8s:up`);
    }
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath());
    kc.setCurrentContext(CONTEXT);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    await buildAndPush();
    await core.createNamespace({
      body: {
        metadata: {
          name: NAMESPACE,
          labels: {
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
          },
        },
      },
    });
  });

  afterAll(async () => {
    await core?.deleteNamespace({ name: NAMESPACE, propagationPolicy: 'Background' }).catch(() => undefined);
    await docker
      .getImage(IMAGE)
      .remove({ force: true })
      .catch(() => undefined);
    const digest = await registryDigest(REPOSITORY, NAMESPACE).catch(() => undefined);
    if (digest) await fetch(`http://${REGISTRY}/v2/${REPOSITORY}/manifests/${digest}`, { method: 'DELETE' });
  });

  it('has one Ready node running the pinned versions on containerd', async () => {
    const { items } = await core.listNode();
    expect(items).toHaveLength(1);
    const node = items[0]!;
    expect(node.status?.nodeInfo?.kubeletVersion).toBe('v1.33.13');
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('refuses a pod that breaks the restricted profile', async () => {
    const root = core.createNamespacedPod({
      namespace: NAMESPACE,
      body: { metadata: { name: 'as-root' }, spec: { containers: [{ name: 'main', image: IMAGE }] } },
    });
    const refusal = await root.then(
      () => undefined,
      (error: { code?: number; body?: string }) => error,
    );
    expect(refusal?.code).toBe(403);
    expect((JSON.parse(refusal?.body ?? '{}') as { message?: string }).message).toContain(
      'violates PodSecurity "restricted:latest"',
    );
  });

  it('serves a Deployment from the local registry on its ClusterIP, from the host', async () => {
    const labels = { app: 'hello' };
    await apps.createNamespacedDeployment({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'hello' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: restrictedSpec([
              {
                name: 'hello',
                image: IMAGE,
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
              },
            ]),
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'hello' },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });

    await until('deployment hello available', 180, async () => {
      const d = await apps.readNamespacedDeployment({ name: 'hello', namespace: NAMESPACE });
      return d.status?.availableReplicas === 2 ? true : undefined;
    });
    const service = await core.readNamespacedService({ name: 'hello', namespace: NAMESPACE });
    const clusterIp = service.spec!.clusterIP!;
    expect(clusterIp).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\./);

    // kube-proxy programs the new Service's rules a moment after the Deployment is available; until then the request
    // leaves the host, and on this machine's network something answers any address with a 404
    await until('the Service answering 200 on its ClusterIP', 30, async () =>
      (await get(`http://${clusterIp}/`).catch(() => undefined))?.status === 200 ? true : undefined,
    );
    // kube-proxy's rules balance over both pods. Its first sync may carry one endpoint only (the EndpointSlice gets
    // the second pod a moment later, and kube-proxy batches syncs), so requests go on until both pods have answered
    const hosts = new Set<string>();
    await until('both pods answering on the ClusterIP', 30, async () => {
      const { status, body } = await get(`http://${clusterIp}/`);
      expect(status).toBe(200);
      expect(body).toMatch(/^hello from hello-/);
      hosts.add(body);
      return hosts.size === 2 ? true : undefined;
    });
    expect(hosts.size).toBe(2);
  });

  it('resolves Services by their DNS names from a pod, and answers names outside the cluster at once', async () => {
    await core.createNamespacedPod({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'dns-probe' },
        spec: restrictedSpec([{ name: 'probe', image: IMAGE, command: ['node', '-e', PROBE] }], {
          restartPolicy: 'Never',
        }),
      },
    });
    const phase = await until('pod dns-probe finished', 120, async () => {
      const pod: V1Pod = await core.readNamespacedPod({ name: 'dns-probe', namespace: NAMESPACE });
      const p = pod.status?.phase;
      return p === 'Succeeded' || p === 'Failed' ? p : undefined;
    });
    const log = await core.readNamespacedPodLog({ name: 'dns-probe', namespace: NAMESPACE });
    expect(phase, log).toBe('Succeeded');
    const result = JSON.parse(log.trim().split('\n').pop()!) as Record<string, unknown>;
    const service = await core.readNamespacedService({ name: 'hello', namespace: NAMESPACE });
    expect(result.short).toBe(service.spec!.clusterIP);
    expect(result.full).toBe(service.spec!.clusterIP);
    expect(result.body).toMatch(/^hello from hello-/);
    expect(result.outside).toBe('ENOTFOUND');
    expect(result.outsideMs).toBeLessThan(2000);
    // and the API server by its Service, with the pod's service-account token
    expect(result.api).toBe('v1.33.13');
  });
});

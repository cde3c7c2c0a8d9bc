// What the Kubernetes end-to-end tests share: the real CI cluster's API (to check what slipway left there), configs
// that put the example app on it, HTTP to Services by ClusterIP (kube-proxy answers on the host), k6 runs, cleanup.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { run } from '../../core/exec.js';
import { kubeconfigPath } from '../helpers/cluster.js';
import { git, type TempProject } from '../helpers/project.js';

export const CONTEXT = 'slipway-ci';
export const K6 = process.env.SLIPWAY_K6 ?? '/var/lib/slipway-machine/bin/k6';

export function kube(): { kc: KubeConfig; core: CoreV1Api; apps: AppsV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  kc.setCurrentContext(CONTEXT);
  return { kc, core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api) };
}

/** A copy of the CI kubeconfig with more contexts on the same cluster and user (multi-cluster, in one cluster). */
export function kubeconfigWith(contexts: { name: string; server?: string; token?: string }[]): string {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  const base = kc.getContextObject(CONTEXT)!;
  const cluster = kc.getCluster(base.cluster)!;
  const user = kc.getUser(base.user)!;
  for (const extra of contexts) {
    if (extra.server) kc.addCluster({ ...cluster, name: `${extra.name}-cluster`, server: extra.server });
    if (extra.token) kc.addUser({ name: `${extra.name}-user`, token: extra.token });
    kc.addContext({
      name: extra.name,
      cluster: extra.server ? `${extra.name}-cluster` : cluster.name,
      user: extra.token ? `${extra.name}-user` : user.name,
    });
  }
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'slipway-kubeconfig-')), 'kubeconfig');
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

/** Puts `lines` right after the registry line of the project's config, and commits. */
export async function configure(project: TempProject, lines: string): Promise<void> {
  const file = path.join(project.dir, 'slipway.config.ts');
  const text = await readFile(file, 'utf8');
  const anchor = /registry: \{ url: '[^']+' \},\n/;
  if (!anchor.test(text)) throw new Error('no registry line to anchor the test config on');
  await writeFile(
    file,
    text.replace(anchor, (line) => `${line}${lines}\n`),
  );
  git(project.dir, 'commit', '-qam', 'test: kubernetes');
}

/** `kubernetes: {...}` for the CI cluster, with short deadlines for tests. */
export function kubernetesSection(extra = ''): string {
  return `  kubernetes: { kubeconfig: ${JSON.stringify(kubeconfigPath())}, context: '${CONTEXT}', preStopSeconds: 2, terminationGracePeriodSeconds: 15${extra} },`;
}

export function namespaceOf(project: string, env: string): string {
  return `slipway-${project}-${env}`;
}

/** Component id -> the image its workload runs (the container's, by digest). */
export async function runningImages(project: string, env: string): Promise<Record<string, string>> {
  const { apps } = kube();
  const namespace = namespaceOf(project, env);
  const [deployments, sets] = await Promise.all([
    apps.listNamespacedDeployment({ namespace }),
    apps.listNamespacedStatefulSet({ namespace }),
  ]);
  return Object.fromEntries(
    [...deployments.items, ...sets.items].map((w) => [
      w.metadata!.annotations!['dev.slipway.component']!,
      w.spec!.template.spec!.containers[0]!.image!,
    ]),
  );
}

/** `http://<ClusterIP>` of a component's Service: kube-proxy's rules answer on the host itself. */
export async function serviceUrl(project: string, env: string, hostname: string): Promise<string> {
  const { core } = kube();
  const service = await core.readNamespacedService({ name: hostname, namespace: namespaceOf(project, env) });
  return `http://${service.spec!.clusterIP}`;
}

export async function namespaceExists(name: string): Promise<boolean> {
  try {
    await kube().core.readNamespace({ name });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}

/** Deletes every namespace of a test project and waits until they are gone. */
export async function removeNamespaces(project: string): Promise<void> {
  const { core } = kube();
  const list = await core.listNamespace({ labelSelector: `dev.slipway.project=${project}` });
  for (const ns of list.items) await core.deleteNamespace({ name: ns.metadata!.name! }).catch(() => undefined);
  for (let i = 0; i < 240; i++) {
    const left = await core.listNamespace({ labelSelector: `dev.slipway.project=${project}` });
    if (left.items.length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface Reply {
  status: number;
  text: string;
}

export function get(url: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, timeout: 5000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error('no answer in 5 s'));
      })
      .on('error', reject);
  });
}

/** Polls until a GET answers 200 (a new ClusterIP takes a moment to reach kube-proxy's rules). */
export async function eventually200(url: string, ms = 20_000): Promise<Reply> {
  const until = Date.now() + ms;
  let last: Reply | Error = new Error('never tried');
  while (Date.now() < until) {
    try {
      last = await get(url);
      if (last.status === 200) return last;
    } catch (error) {
      last = error as Error;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} never answered 200: ${last instanceof Error ? last.message : `${last.status} ${last.text}`}`);
}

export interface K6Summary {
  requests: number;
  failed: number;
  rate: number;
}

/**
 * k6 at a constant arrival rate against URLs on 127.0.0.1 or ClusterIPs only, for a bounded time; returns the
 * request count and the failed ones (any non-2xx or transport error).
 */
export async function k6Load(urls: string[], options: { rate: number; seconds: number }): Promise<K6Summary> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-k6-'));
  const script = path.join(dir, 'load.js');
  const summary = path.join(dir, 'summary.json');
  writeFileSync(
    script,
    `import http from 'k6/http';
const urls = ${JSON.stringify(urls)};
export const options = {
  discardResponseBodies: true,
  scenarios: { load: { executor: 'constant-arrival-rate', rate: ${options.rate}, timeUnit: '1s', duration: '${options.seconds}s', preAllocatedVUs: 40, maxVUs: 200 } },
};
export default function () {
  http.get(urls[Math.floor(Math.random() * urls.length)], { timeout: '5s' });
}
`,
  );
  const result = await run({
    file: K6,
    args: ['run', '--quiet', '--no-color', '--summary-export', summary, script],
    env: { ...process.env, K6_NO_USAGE_REPORT: 'true' },
  });
  if (result.code !== 0) throw new Error(`k6 exited ${result.code}: ${result.stderr.slice(-500)}`);
  const metrics = JSON.parse(await readFile(summary, 'utf8')) as {
    metrics: { http_reqs: { count: number; rate: number }; http_req_failed: { passes: number; fails: number } };
  };
  // http_req_failed is a Rate of failures: its "passes" are the failed requests
  return {
    requests: metrics.metrics.http_reqs.count,
    failed: metrics.metrics.http_req_failed.passes,
    rate: metrics.metrics.http_reqs.rate,
  };
}

/**
 * The CI cluster has no volume provisioner (and no default StorageClass): while a test runs, this binds each
 * pending claim of the test project to a `local` PersistentVolume, a folder on the node (this very machine), as a
 * provisioner would. With a default StorageClass on the cluster it does nothing. `stop()` removes the volumes.
 */
export function provisionVolumes(project: string): { stop(): Promise<void> } {
  const { core } = kube();
  const root = mkdtempSync(path.join(os.tmpdir(), `slipway-volumes-${project}-`));
  const made = new Set<string>();
  let running = true;
  const loop = (async () => {
    const classes = await kube()
      .kc.makeApiClient((await import('@kubernetes/client-node')).StorageV1Api)
      .listStorageClass();
    const hasDefault = classes.items.some(
      (c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
    );
    if (hasDefault) return;
    const [node] = (await core.listNode()).items;
    const hostname = node!.metadata!.labels!['kubernetes.io/hostname']!;
    while (running) {
      const claims = await core
        .listPersistentVolumeClaimForAllNamespaces({ labelSelector: `dev.slipway.project=${project}` })
        .catch(() => ({ items: [] }));
      for (const claim of claims.items) {
        const id = `${claim.metadata!.namespace}/${claim.metadata!.name}`;
        if (claim.status?.phase !== 'Pending' || claim.spec?.volumeName || made.has(id)) continue;
        made.add(id);
        const name = `slipway-test-${claim.metadata!.uid}`;
        const dir = path.join(root, name);
        mkdirSync(dir, { recursive: true, mode: 0o775 });
        await core
          .createPersistentVolume({
            body: {
              metadata: { name, labels: { 'dev.slipway.project': project } },
              spec: {
                capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
                accessModes: ['ReadWriteOnce'],
                persistentVolumeReclaimPolicy: 'Retain',
                storageClassName: '',
                claimRef: { namespace: claim.metadata!.namespace!, name: claim.metadata!.name! },
                local: { path: dir },
                nodeAffinity: {
                  required: {
                    nodeSelectorTerms: [
                      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] },
                    ],
                  },
                },
              },
            },
          })
          .catch(() => made.delete(id));
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => undefined);
      const volumes = await core.listPersistentVolume({ labelSelector: `dev.slipway.project=${project}` });
      for (const v of volumes.items)
        await core.deletePersistentVolume({ name: v.metadata!.name! }).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

// The Kubernetes engine on the CI's real single-node cluster: (1) `slipway env up` / `env down` of the whole example
// app, timed, with where the time goes (image pulls, StatefulSets and migrations, Deployment rollouts); (2) a
// rolling update of the back under a constant k6 load, with slipway's manifests (readiness probe, preStop pause,
// maxUnavailable 0) against a plain Deployment of the same images without readiness probe or preStop, in the same run.
// Run `npm run build && node bench/k8s/run.mjs`; it prints the tables and rewrites the "## k8s" section of
// bench/RESULTS.md. Exits 1 on a correctness failure (an environment that does not answer or is not removed, a
// release that fails or does not run the new digest), never because of a timing or a failed request.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AppsV1Api, CoreV1Api, KubeConfig, StorageV1Api, VersionApi } from '@kubernetes/client-node';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const SLIPWAY = path.join(ROOT, 'bin', 'slipway.js');
const RESULTS = path.join(ROOT, 'bench', 'RESULTS.md');
const EXAMPLE = path.join(ROOT, 'examples', 'scolarite');
// the zero-downtime bench's load: constant arrival rate over the given targets, any answer but 200 failed
const K6_SCRIPT = path.join(ROOT, 'bench', 'zero-downtime', 'load.js');
const MACHINE_STATE = process.env.SLIPWAY_MACHINE_STATE ?? '/var/lib/slipway-machine';
const K6 = path.join(MACHINE_STATE, 'bin', 'k6');
const KUBECONFIG = process.env.SLIPWAY_KUBECONFIG ?? path.join(ROOT, '.slipway', 'k8s', 'kubeconfig');
const CONTEXT = 'slipway-ci';
const REGISTRY = '127.0.0.1:5000';
// Debian's 20.10 CLI, matching the engine: only to remove the bench's images at the end
const DOCKER = '/usr/bin/docker';
const LABEL_PROJECT = 'dev.slipway.project';
// the plain Deployment and Service carry this label (and no slipway label: slipway never prunes them)
const LABEL_PLAIN = 'dev.slipway.bench-plain';
const PLAIN = 'plain-students-api';
const QUIET_LOAD = 1.5;
const SECTION = 'k8s';

const { values: flags } = parseArgs({
  options: {
    // env up / env down runs of the whole app (the first one also pulls the images into the cluster)
    runs: { type: 'string', default: '3' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '60' },
    // seconds after k6 starts at which the release starts
    'release-at': { type: 'string', default: '10' },
    // the first seconds of the load count in no window
    'warm-up': { type: 'string', default: '2' },
    // longest wait, before each measured block, for the 1-minute load average to drop under 1.5
    'quiet-wait': { type: 'string', default: '120' },
    'no-write': { type: 'boolean', default: false },
    // keeps the temp repo, k6's output and the images (namespaces and volumes always go)
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(flags.runs);
const RATE = Number(flags.rate);
const DURATION_S = Number(flags.duration);
const RELEASE_AT_MS = Number(flags['release-at']) * 1000;
const WARM_UP_MS = Number(flags['warm-up']) * 1000;
const QUIET_WAIT_MS = Number(flags['quiet-wait']) * 1000;

const project = `bench-k8s-${randomBytes(3).toString('hex')}`;
let workDir;
let repoDir;
let stateDir;
let volumes;
const failures = [];

const kc = new KubeConfig();
let core;
let apps;

function log(line) {
  process.stderr.write(`${line}\n`);
}

/** Runs an argv (never a shell string); resolves with the exit code, the output, the wall time in ms and, with
 * `timestamps`, each stderr line with the time (epoch ms) at which it arrived. */
function run(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = [];
    const stderr = [];
    const timed = [];
    let partial = '';
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => {
      stderr.push(chunk);
      if (!options.timestamps) return;
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop();
      for (const line of parts) timed.push({ at: Date.now(), line });
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        started,
        ms: Date.now() - started,
        timed,
      }),
    );
  });
}

function lastLines(text, n = 5) {
  return text.trim().split('\n').slice(-n).join(' / ');
}

async function mustRun(file, args, options) {
  const result = await run(file, args, options);
  if (result.code !== 0)
    throw new Error(`${file} ${args.join(' ')} exited ${result.code}: ${lastLines(result.stderr)}`);
  return result;
}

function slipway(args, options = {}) {
  return run(process.execPath, [SLIPWAY, ...args], {
    cwd: repoDir,
    env: { SLIPWAY_STATE_DIR: stateDir },
    timestamps: options.timestamps,
  });
}

async function mustSlipway(args, options) {
  const result = await slipway(args, options);
  if (result.code !== 0)
    throw new Error(`slipway ${args.join(' ')} exited ${result.code}: ${lastLines(result.stderr, 8)}`);
  return result;
}

function git(args) {
  return mustRun('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@127.0.0.1', ...args], { cwd: repoDir });
}

function lines(text) {
  return text.split('\n').filter(Boolean);
}

/** One GET on a new connection (ClusterIPs answer on the host through kube-proxy's rules). */
function get(url, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/** Polls until a GET answers 200 (a new ClusterIP takes a moment to reach kube-proxy's rules). */
async function eventually200(url, ms = 30_000) {
  const until = Date.now() + ms;
  let last = 'never tried';
  while (Date.now() < until) {
    const reply = await get(url).catch((e) => ({ status: e.message, body: '' }));
    if (reply.status === 200) return reply;
    last = `${reply.status} ${reply.body.slice(0, 120)}`;
    await sleep(300);
  }
  throw new Error(`${url} never answered 200: ${last}`);
}

function notFound(error) {
  return error?.code === 404 || error?.statusCode === 404 || /HTTP-Code: 404/.test(String(error?.message));
}

// --- the machine --------------------------------------------------------------------------------------------------

let totalWaited = 0;
/** Waits (bounded) until the 1-minute load average is under QUIET_LOAD; returns the load measured under. */
async function waitForQuiet(block) {
  const started = Date.now();
  let load = os.loadavg()[0];
  if (load >= QUIET_LOAD) log(`  ${block}: load average ${load.toFixed(2)}, waiting for < ${QUIET_LOAD}`);
  while (load >= QUIET_LOAD && Date.now() - started < QUIET_WAIT_MS) {
    await sleep(5000);
    load = os.loadavg()[0];
  }
  const waited = Math.round((Date.now() - started) / 1000);
  totalWaited += waited;
  log(`  ${block}: load average ${load.toFixed(2)}${waited ? ` after waiting ${waited} s` : ''}`);
  return { load, waited, quiet: load < QUIET_LOAD };
}

function loadText(q) {
  return `${q.load.toFixed(2)}${q.waited ? ` (after waiting ${q.waited} s)` : ''}${q.quiet ? '' : ' — **above 1.5, noisy**'}`;
}

async function machine() {
  const cpus = os.cpus();
  const version = await kc.makeApiClient(VersionApi).getCode();
  const [node] = (await core.listNode()).items;
  const k6 = await run(K6, ['version']);
  const engine = await run(DOCKER, ['version', '--format', '{{.Server.Version}}']);
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: os.release(),
    kubernetes: version.gitVersion,
    kubelet: node?.status?.nodeInfo?.kubeletVersion ?? '?',
    runtime: node?.status?.nodeInfo?.containerRuntimeVersion ?? '?',
    engine: engine.stdout.trim() || 'unknown',
    k6: /k6 (v[\d.]+)/.exec(k6.stdout)?.[1] ?? 'k6',
  };
}

// --- the example app in a temp git repo, on the cluster -------------------------------------------------------------

async function makeRepo() {
  workDir = await mkdtemp(path.join(os.tmpdir(), `${project}-`));
  repoDir = path.join(workDir, 'repo');
  stateDir = path.join(workDir, 'state');
  const skip = new Set(['base-images', '.slipway', 'node_modules']);
  await cp(EXAMPLE, repoDir, { recursive: true, filter: (source) => !skip.has(path.basename(source)) });
  const configFile = path.join(repoDir, 'slipway.config.ts');
  const config = await readFile(configFile, 'utf8');
  // slipway's defaults otherwise: preStop 5 s, grace period 30 s, ready timeout 120 s, post-switch check 3 s
  const edited = config
    .replace("project: 'scolarite'", `project: '${project}'`)
    .replace(
      /^(\s*)(registry: .*)$/m,
      `$1$2\n$1engine: 'kubernetes',` +
        `\n$1kubernetes: { kubeconfig: ${JSON.stringify(KUBECONFIG)}, context: '${CONTEXT}' },` +
        '\n$1environments: { staging: { replicas: 2 } },',
    );
  if (!edited.includes(`project: '${project}'`) || !edited.includes("engine: 'kubernetes'"))
    throw new Error(`could not set the project, engine and environments in ${configFile}`);
  await writeFile(configFile, edited);
  await writeFile(path.join(repoDir, '.gitignore'), '.slipway/\n');
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', 'feat: the scolarite example']);
}

function namespaceOf(env) {
  return `slipway-${project}-${env}`;
}

/**
 * The cluster has no volume provisioner: this binds each pending claim of the project to a `local`
 * PersistentVolume, a folder on the node (this machine), as a provisioner would (the e2e tests do the same).
 * Polls every 200 ms, so a claim waits at most that long more than with a real provisioner.
 */
function provisionVolumes() {
  const root = path.join(workDir, 'volumes');
  const made = new Set();
  let running = true;
  const loop = (async () => {
    await mkdir(root, { recursive: true });
    const classes = await kc.makeApiClient(StorageV1Api).listStorageClass();
    if (classes.items.some((c) => c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true'))
      return;
    const [node] = (await core.listNode()).items;
    const hostname = node.metadata.labels['kubernetes.io/hostname'];
    while (running) {
      const claims = await core
        .listPersistentVolumeClaimForAllNamespaces({ labelSelector: `${LABEL_PROJECT}=${project}` })
        .catch(() => ({ items: [] }));
      for (const claim of claims.items) {
        const id = `${claim.metadata.namespace}/${claim.metadata.name}`;
        if (claim.status?.phase !== 'Pending' || claim.spec?.volumeName || made.has(id)) continue;
        made.add(id);
        const name = `${project}-${claim.metadata.uid}`;
        const dir = path.join(root, name);
        await mkdir(dir, { recursive: true, mode: 0o775 });
        await core
          .createPersistentVolume({
            body: {
              metadata: { name, labels: { [LABEL_PROJECT]: project } },
              spec: {
                capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
                accessModes: ['ReadWriteOnce'],
                persistentVolumeReclaimPolicy: 'Retain',
                storageClassName: '',
                claimRef: { namespace: claim.metadata.namespace, name: claim.metadata.name },
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
      await sleep(200);
    }
  })();
  return {
    /** Deletes the volumes whose claims are gone (their namespace was removed), and their folders. */
    async release() {
      const list = await core.listPersistentVolume({ labelSelector: `${LABEL_PROJECT}=${project}` });
      for (const v of list.items.filter((x) => x.status?.phase === 'Released')) {
        await core.deletePersistentVolume({ name: v.metadata.name }).catch(() => undefined);
        await rm(path.join(root, v.metadata.name), { recursive: true, force: true });
      }
    },
    async stop() {
      running = false;
      await loop.catch((error) => log(`  the volume binder failed: ${error.message}`));
      const list = await core.listPersistentVolume({ labelSelector: `${LABEL_PROJECT}=${project}` });
      for (const v of list.items) await core.deletePersistentVolume({ name: v.metadata.name }).catch(() => undefined);
    },
  };
}

async function serviceUrl(namespace, name) {
  const service = await core.readNamespacedService({ name, namespace });
  return `http://${service.spec.clusterIP}`;
}

async function namespaceExists(name) {
  try {
    await core.readNamespace({ name });
    return true;
  } catch (error) {
    if (notFound(error)) return false;
    throw error;
  }
}

// --- (1) env up / env down ------------------------------------------------------------------------------------------

const COMPONENT_LINE = /^([a-z0-9-]+\/[a-z0-9-]+): (.*)$/;

/**
 * Splits an `env up` run into phases from its progress lines (slipway applies the components one after the other,
 * in dependency order): the start (Node, config, namespace) up to the first component's `applying` line; each
 * storage until its StatefulSet is ready, then its migrations and seed until the next component starts; each
 * front or back until the next component starts; the end (prune, records, status) after the last `rolled out`.
 */
function upPhases(result) {
  const byComponent = [];
  for (const { at, line } of result.timed) {
    const match = COMPONENT_LINE.exec(line.trim());
    if (!match) continue;
    const [, id, text] = match;
    let c = byComponent.find((x) => x.id === id);
    if (!c) {
      c = { id, first: at, rolledOut: undefined };
      byComponent.push(c);
    }
    if (/ rolled out/.test(text) && c.rolledOut === undefined) c.rolledOut = at;
  }
  const end = result.started + result.ms;
  const phases = { 'start (Node, config, namespace)': 0, 'StatefulSets ready': 0, 'migrations and seed': 0 };
  phases['Deployments rolled out'] = 0;
  phases['end (prune, records)'] = 0;
  if (byComponent.length === 0) return phases;
  phases['start (Node, config, namespace)'] = byComponent[0].first - result.started;
  byComponent.forEach((c, i) => {
    const next = byComponent[i + 1]?.first ?? c.rolledOut ?? end;
    if (c.id.endsWith('/db')) {
      const ready = c.rolledOut ?? next;
      phases['StatefulSets ready'] += ready - c.first;
      phases['migrations and seed'] += next - ready;
    } else phases['Deployments rolled out'] += next - c.first;
  });
  const last = byComponent[byComponent.length - 1];
  phases['end (prune, records)'] = end - (last.rolledOut ?? end);
  return phases;
}

/** The kubelet's image pulls in a namespace, from its `Pulled` events. */
async function pullsOf(namespace) {
  const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'reason=Pulled' });
  let pulled = 0;
  let present = 0;
  let pullMs = 0;
  for (const e of events.items) {
    const took = /Successfully pulled image .* in ([\d.]+)(ms|s) /.exec(e.message ?? '');
    if (took) {
      pulled += e.count ?? 1;
      pullMs += Number(took[1]) * (took[2] === 's' ? 1000 : 1);
    } else if (/already present/.test(e.message ?? '')) present += e.count ?? 1;
  }
  return { pulled, present, pullMs };
}

/** While `env down` runs: when the namespace's last pod was gone (ms after `started`), polling every 250 ms. */
async function podsGone(namespace, started, deadlineMs = 180_000) {
  while (Date.now() - started < deadlineMs) {
    const list = await core.listNamespacedPod({ namespace }).catch(() => ({ items: [] }));
    if (list.items.length === 0) return Date.now() - started;
    await sleep(250);
  }
  return undefined;
}

async function upDownBlock() {
  const quiet = await waitForQuiet('env up/down');
  const samples = [];
  for (let i = 1; i <= RUNS; i++) {
    const runQuiet = i === 1 ? quiet : await waitForQuiet(`env up/down run ${i}`);
    const branch = `bench/up-${i}`;
    const up = await slipway(['env', 'up', branch, '--json'], { timestamps: true });
    if (up.code !== 0) {
      failures.push(`env up ${branch} exited ${up.code}: ${lastLines(up.stderr, 6)}`);
      throw new Error(`env up ${branch} failed`);
    }
    const { name } = JSON.parse(up.stdout);
    const namespace = namespaceOf(name);
    const pulls = await pullsOf(namespace);
    // correctness: the backs answer with their seeded data, the fronts reach their backs
    for (const service of ['students-api', 'students-web', 'grades-api', 'grades-web']) {
      const url = `${await serviceUrl(namespace, service)}/api/${service.split('-')[0]}`;
      const reply = await eventually200(url, 20_000).catch((e) => ({ status: e.message }));
      if (reply.status !== 200) failures.push(`${branch}: ${service} ${url} did not answer 200 (${reply.status})`);
    }
    const downStarted = Date.now();
    const [down, podsGoneMs] = await Promise.all([
      slipway(['env', 'down', branch, '--json']),
      podsGone(namespace, downStarted),
    ]);
    if (down.code !== 0) failures.push(`env down ${branch} exited ${down.code}: ${lastLines(down.stderr, 6)}`);
    if (await namespaceExists(namespace)) failures.push(`env down ${branch} left the namespace ${namespace}`);
    await volumes.release();
    const phases = upPhases(up);
    samples.push({ up: up.ms, down: down.ms, podsGoneMs, phases, pulls, load: runQuiet, loadAfter: os.loadavg()[0] });
    log(
      `  run ${i}: env up ${seconds(up.ms)} (${pulls.pulled} pulls, ${seconds(pulls.pullMs)}), env down ${seconds(down.ms)} (pods gone at ${seconds(podsGoneMs)})`,
    );
  }
  return { samples };
}

// --- (2) the rolling update of the back under load ----------------------------------------------------------------

/** students/api's Deployment in an environment: its image (by digest) and ready replicas. */
async function backOf(namespace, name = 'students-api') {
  const deployment = await apps.readNamespacedDeployment({ name, namespace });
  return {
    deployment,
    image: deployment.spec.template.spec.containers[0].image,
    ready: deployment.status?.readyReplicas ?? 0,
  };
}

/**
 * The plain Deployment: the container of slipway's own students-api Deployment (same image, variables, port,
 * resources and the securityContext the namespace's Pod Security level demands) without its readiness, liveness
 * and startup probes and its preStop hook; the pod spec without its grace period (Kubernetes' default, 30 s);
 * Kubernetes' default strategy (RollingUpdate, 25 % / 25 %). Its own labels, so neither slipway's Service nor its
 * prune ever select it.
 */
function plainObjects(template, image, replicas) {
  const labels = { app: PLAIN, [LABEL_PLAIN]: project };
  const container = { ...template.spec.containers[0] };
  for (const key of ['readinessProbe', 'livenessProbe', 'startupProbe', 'lifecycle']) delete container[key];
  const podSpec = { ...template.spec };
  delete podSpec.terminationGracePeriodSeconds;
  return {
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: PLAIN, labels },
      spec: {
        replicas,
        selector: { matchLabels: { app: PLAIN } },
        template: { metadata: { labels }, spec: { ...podSpec, containers: [{ ...container, image }] } },
      },
    },
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: PLAIN, labels },
      spec: { selector: { app: PLAIN }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  };
}

/** Rolled out as `kubectl rollout status` says: observed, all updated, all available, no old replica left. */
function rolledOut(d) {
  const want = d.spec.replicas ?? 1;
  const s = d.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= d.metadata.generation &&
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want
  );
}

async function waitRolledOut(namespace, name, deadlineMs = 120_000) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (rolledOut(await apps.readNamespacedDeployment({ name, namespace }))) return;
    await sleep(250);
  }
  throw new Error(`${namespace}/${name} not rolled out after ${deadlineMs / 1000} s`);
}

async function podsOf(namespace, selector) {
  return (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
}

async function plainSetUp(namespace, template, image, replicas) {
  const { deployment, service } = plainObjects(template, image, replicas);
  await apps.createNamespacedDeployment({ namespace, body: deployment });
  await core.createNamespacedService({ namespace, body: service });
  await waitRolledOut(namespace, PLAIN);
  const url = await serviceUrl(namespace, PLAIN);
  await eventually200(`${url}/api/students`);
  return url;
}

/** What `kubectl set image` does: a new image in the pod template; then waits as `kubectl rollout status`. */
async function plainRelease(namespace, image) {
  const started = Date.now();
  const current = await apps.readNamespacedDeployment({ name: PLAIN, namespace });
  const oldPods = new Set((await podsOf(namespace, `app=${PLAIN}`)).map((p) => p.metadata.name));
  current.spec.template.spec.containers[0].image = image;
  await apps.replaceNamespacedDeployment({ name: PLAIN, namespace, body: current });
  await waitRolledOut(namespace, PLAIN);
  const rolledOutAt = Date.now();
  // the old pods: terminating from their SIGTERM, gone once they exit
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const left = (await podsOf(namespace, `app=${PLAIN}`)).filter((p) => oldPods.has(p.metadata.name));
    if (left.length === 0) break;
    await sleep(250);
  }
  return { rolledOutMs: rolledOutAt - started, oldGoneMs: Date.now() - started };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted, p) {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function windowStats(samples) {
  const ok = samples
    .filter((s) => s.ok)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  return {
    requests: samples.length,
    failed: samples.length - ok.length,
    p50: ok.length ? percentile(ok, 50) : NaN,
    p99: ok.length ? percentile(ok, 99) : NaN,
    max: ok.length ? ok[ok.length - 1] : NaN,
  };
}

/** k6's `--out json` points: one http_req_duration per request (with its status and error), dropped iterations. */
async function readPoints(file) {
  const samples = [];
  let dropped = 0;
  const input = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of input) {
    if (!line.includes('"type":"Point"')) continue;
    if (line.includes('"metric":"dropped_iterations"')) {
      dropped += JSON.parse(line).data.value;
      continue;
    }
    if (!line.includes('"metric":"http_req_duration"')) continue;
    const { data } = JSON.parse(line);
    const tags = data.tags ?? {};
    samples.push({
      // k6 stamps a request's points when it ends: its start is that less its duration
      at: Date.parse(data.time) - data.value,
      ms: data.value,
      ok: tags.status === '200',
      status: tags.status ?? '0',
      error: tags.error_code ? `${tags.error_code} ${tags.error ?? ''}`.trim() : '',
    });
  }
  return { samples: samples.sort((a, b) => a.at - b.at), dropped };
}

/** Failed requests grouped by what happened, each group with when (relative to the release start). */
function failureGroups(samples, releaseStart) {
  const groups = new Map();
  for (const s of samples.filter((x) => !x.ok)) {
    const key = s.status === '0' ? `no answer (${s.error || '?'})` : `HTTP ${s.status}`;
    const g = groups.get(key) ?? { key, count: 0, first: Infinity, last: -Infinity };
    g.count += 1;
    g.first = Math.min(g.first, s.at - releaseStart);
    g.last = Math.max(g.last, s.at - releaseStart);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => a.first - b.first);
}

async function scenario(name, url, release) {
  const quiet = await waitForQuiet(name);
  const outFile = path.join(workDir, `k6-${name}.json`);
  log(`  ${name}: k6 ${RATE} req/s for ${DURATION_S} s on ${url}, release at ${RELEASE_AT_MS / 1000} s`);
  const k6 = run(K6, [
    'run',
    '--quiet',
    '--no-usage-report',
    '--summary-mode',
    'disabled',
    // no REST API: another k6 on the machine may hold its default port
    '--address',
    '',
    '--out',
    `json=${outFile}`,
    '-e',
    `TARGETS=${JSON.stringify([{ name: 'students/api', url }])}`,
    '-e',
    `RATE=${RATE}`,
    '-e',
    `DURATION=${DURATION_S}s`,
    K6_SCRIPT,
  ]);
  await sleep(RELEASE_AT_MS);
  const releaseStart = Date.now();
  const outcome = await release().then(
    (value) => ({ ok: true, value }),
    (error) => ({ ok: false, error }),
  );
  const releaseEnd = Date.now();
  log(
    `  ${name}: release took ${seconds(releaseEnd - releaseStart)}${outcome.ok ? '' : ` and FAILED: ${outcome.error.message}`}`,
  );
  if (!outcome.ok) failures.push(`${name}: the release failed: ${outcome.error.message}`);
  const k6Result = await k6;
  const loadAfter = os.loadavg()[0];
  if (k6Result.code !== 0) throw new Error(`k6 exited ${k6Result.code}: ${lastLines(k6Result.stderr)}`);
  const { samples, dropped } = await readPoints(outFile);
  if (!flags.keep) await rm(outFile, { force: true });
  if (samples.length === 0) throw new Error(`k6 recorded no request in ${name}`);
  const first = samples[0].at;
  const last = samples[samples.length - 1].at;
  return {
    name,
    quiet,
    loadAfter,
    releaseStart,
    releaseEnd,
    releaseOutsideLoad: releaseEnd > last,
    outcome,
    dropped,
    all: windowStats(samples),
    steady: windowStats(samples.filter((s) => s.at >= first + WARM_UP_MS && s.at < releaseStart)),
    during: windowStats(samples.filter((s) => s.at >= releaseStart && s.at <= releaseEnd)),
    after: windowStats(samples.filter((s) => s.at > releaseEnd)),
    spanS: (last - first) / 1000,
    rateS: samples.length / ((last - first) / 1000),
    failures: failureGroups(samples, releaseStart),
  };
}

async function releaseBlock() {
  const staging1 = await mustSlipway(['deploy', 'staging', '--json']);
  const namespace = namespaceOf('staging');
  const before = await backOf(namespace);
  log(`  deploy staging (release 1, 2 replicas): ${seconds(staging1.ms)}`);
  // release 2: a new back only
  await appendFile(path.join(repoDir, 'students/api/src/server.js'), '\n// release 2\n');
  await git(['commit', '-q', '-am', 'feat(students): release 2 of the api']);
  const build2 = await mustSlipway(['build', '--push', '--json']);
  const built = JSON.parse(build2.stdout)
    .components.filter((c) => c.built)
    .map((c) => c.id);
  if (built.join(',') !== 'students/api') failures.push(`release 2 built ${built.join(', ') || 'nothing'}`);
  log(`  build --push (release 2): ${seconds(build2.ms)}; built ${built.join(', ')}`);
  const apiUrl = await serviceUrl(namespace, 'students-api');
  await eventually200(`${apiUrl}/api/students`);

  let deploy;
  const slipwayRun = await scenario('slipway', `${apiUrl}/api/students`, async () => {
    deploy = await slipway(['deploy', 'staging', '--json'], { timestamps: true });
    if (deploy.code !== 0) throw new Error(`deploy staging exited ${deploy.code}: ${lastLines(deploy.stderr, 6)}`);
  });
  const after = await backOf(namespace);
  if (after.image === before.image || !/@sha256:[0-9a-f]{64}$/.test(after.image))
    failures.push(`after deploy staging students/api runs ${after.image} (before: ${before.image})`);
  if (after.ready !== 2) failures.push(`after deploy staging students/api has ${after.ready} ready replicas, not 2`);
  const rolledOutLine = (deploy?.timed ?? []).find((t) => /^students\/api: .* rolled out/.test(t.line.trim()));
  const changedLines = (deploy?.timed ?? []).filter((t) => /: applying sha-/.test(t.line));

  log('  the plain Deployment: release 1 of the back, 2 replicas, no readiness probe, no preStop');
  const plainUrl = await plainSetUp(namespace, before.deployment.spec.template, before.image, 2);
  let plainSteps;
  const plainRun = await scenario('plain', `${plainUrl}/api/students`, async () => {
    plainSteps = await plainRelease(namespace, after.image);
  });
  const plainAfter = await backOf(namespace, PLAIN);
  if (plainAfter.image !== after.image) failures.push(`after the patch the plain Deployment runs ${plainAfter.image}`);
  const plainReply = await get(`${plainUrl}/api/students`).catch((e) => ({ status: e.message }));
  if (plainReply.status !== 200) failures.push(`after its release the plain Deployment answered ${plainReply.status}`);
  const strategy = plainAfter.deployment.spec.strategy;
  return {
    namespace,
    staging1Ms: staging1.ms,
    build2Ms: build2.ms,
    images: { before: before.image, after: after.image },
    slipway: {
      ...slipwayRun,
      rolledOutMs: rolledOutLine ? rolledOutLine.at - slipwayRun.releaseStart : undefined,
      changed: changedLines.map((t) => t.line.trim().split(':')[0]),
      steps: (deploy?.timed ?? [])
        .filter((t) => t.line.trim())
        .map((t) => `+${((t.at - slipwayRun.releaseStart) / 1000).toFixed(1)} s \`${t.line.trim()}\``),
    },
    plain: {
      ...plainRun,
      steps: plainSteps,
      strategy,
      grace: plainAfter.deployment.spec.template.spec.terminationGracePeriodSeconds,
    },
    manifest: {
      probes: Object.keys(before.deployment.spec.template.spec.containers[0]).filter((k) => /Probe$/.test(k)),
      preStop: before.deployment.spec.template.spec.containers[0].lifecycle?.preStop,
      grace: before.deployment.spec.template.spec.terminationGracePeriodSeconds,
      strategy: before.deployment.spec.strategy,
      readiness: before.deployment.spec.template.spec.containers[0].readinessProbe,
    },
  };
}

// --- clean-up -----------------------------------------------------------------------------------------------------

async function removeImages() {
  const label = `label=${LABEL_PROJECT}=${project}`;
  // by reference first, not by id: an id can carry other projects' tags too
  const references = lines(
    (await run(DOCKER, ['image', 'ls', '--filter', label, '--format', '{{.Repository}}:{{.Tag}}'])).stdout,
  ).filter((r) => !r.includes('<none>'));
  if (references.length) await run(DOCKER, ['image', 'rm', ...references]);
  // what is left is known by digest only: by id, when only this project names it
  const ids = [...new Set(lines((await run(DOCKER, ['image', 'ls', '-q', '--filter', label])).stdout))];
  const ours = `${REGISTRY}/${project}/`;
  for (const id of ids) {
    const [image] = JSON.parse((await run(DOCKER, ['image', 'inspect', id])).stdout || '[]');
    const names = [...(image?.RepoTags ?? []), ...(image?.RepoDigests ?? [])];
    if (names.every((n) => n.startsWith(ours))) await run(DOCKER, ['image', 'rm', '-f', id]);
  }
}

async function cleanUp() {
  if (!workDir) return;
  log('cleaning up: namespaces, volumes, images and the temp dir');
  if (core) {
    try {
      const list = await core.listNamespace({ labelSelector: `${LABEL_PROJECT}=${project}` });
      for (const ns of list.items)
        await core.deleteNamespace({ name: ns.metadata.name, propagationPolicy: 'Background' }).catch(() => undefined);
      for (let i = 0; i < 360; i++) {
        const left = await core.listNamespace({ labelSelector: `${LABEL_PROJECT}=${project}` });
        if (left.items.length === 0) break;
        await sleep(500);
      }
    } catch (error) {
      log(`  removing the namespaces failed: ${error.message}`);
    }
    await volumes?.stop().catch((error) => log(`  removing the volumes failed: ${error.message}`));
  }
  if (flags.keep) {
    log(
      `kept ${workDir} and the images (label ${LABEL_PROJECT}=${project}); remove them with rm -rf and docker image rm`,
    );
  } else {
    await removeImages();
    await rm(workDir, { recursive: true, force: true });
  }
  workDir = undefined;
}

// --- the report ---------------------------------------------------------------------------------------------------

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function seconds(ms) {
  if (ms === undefined || Number.isNaN(ms)) return '–';
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
}

function summary(ms) {
  if (!ms || ms.length === 0) return '–';
  if (ms.length === 1) return seconds(ms[0]);
  return `${seconds(median(ms))} [${seconds(Math.min(...ms)).replace(' s', '')}–${seconds(Math.max(...ms))}]`;
}

function msText(value) {
  if (Number.isNaN(value)) return '–';
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value)} ms`;
}

function latency(w) {
  return `${msText(w.p50)} / ${msText(w.p99)} / ${msText(w.max)}`;
}

function table(header, rows) {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function upDownTable(u) {
  const s = u.samples;
  const warm = s.slice(1);
  const phaseKeys = Object.keys(s[0].phases);
  const rows = [
    ['`env up` (6 components), all runs', summary(s.map((x) => x.up))],
    ['`env up`, first run (images pulled into the cluster)', seconds(s[0].up)],
    ...(warm.length ? [['`env up`, later runs (images already on the node)', summary(warm.map((x) => x.up))]] : []),
    ...phaseKeys.map((k) => [`— ${k}`, summary(s.map((x) => x.phases[k]))]),
    [
      '— of which image pulls (kubelet `Pulled` events: pulls / already present, time)',
      s.map((x) => `${x.pulls.pulled} / ${x.pulls.present}, ${seconds(x.pulls.pullMs)}`).join('; '),
    ],
    ['`env down` (namespace deleted and gone)', summary(s.map((x) => x.down))],
    ['— of which until the last pod is gone', summary(s.map((x) => x.podsGoneMs).filter((x) => x !== undefined))],
  ];
  return table(['step', `median [min–max] of ${s.length} runs`], rows);
}

function targetText(r, isSlipway) {
  const enough = r.all.requests >= 100 * 30 && r.rateS >= 100 * 0.95;
  if (!isSlipway) return r.all.failed === 0 ? '(0 failed too)' : '(no target: the baseline)';
  const yes = enough && r.all.failed === 0 && r.outcome.ok && !r.releaseOutsideLoad;
  const why = [
    r.all.failed === 0 ? '0 failed' : `${r.all.failed} failed`,
    ...(enough ? [] : ['fewer than 100 req/s for 30 s']),
    ...(r.outcome.ok ? [] : ['the release failed']),
    ...(r.releaseOutsideLoad ? ['the release outlasted the load'] : []),
  ];
  return `${yes ? 'yes' : '**no**'} (${why.join('; ')})`;
}

function failedText(r) {
  if (r.all.failed === 0) return '0';
  return `${r.all.failed} (${r.during.failed} during the release): ${r.failures.map((g) => `${g.count} × ${g.key}`).join(', ')}`;
}

function releaseTable(rel) {
  const row = (label, r, took, isSlipway) => [
    label,
    `${r.all.requests} (${r.rateS.toFixed(0)}/s)`,
    failedText(r),
    latency(r.steady),
    `${latency(r.during)} (${r.during.requests} req.)`,
    latency(r.after),
    took,
    targetText(r, isSlipway),
  ];
  const s = rel.slipway;
  const p = rel.plain;
  return table(
    [
      'rolling update of students/api (2 replicas)',
      'requests (rate)',
      'failed (by reason)',
      'p50 / p99 / max steady',
      'p50 / p99 / max during the release',
      'p50 / p99 / max after',
      'release took',
      'target met? (0 failed)',
    ],
    [
      row(
        'slipway: `deploy staging` (readiness probe, preStop 5 s, maxUnavailable 0)',
        s,
        `${seconds(s.releaseEnd - s.releaseStart)} (command; rolled out at ${seconds(s.rolledOutMs)})`,
        true,
      ),
      row(
        'plain Deployment + `set image` (no readiness probe, no preStop, defaults)',
        p,
        `${seconds(p.releaseEnd - p.releaseStart)} (rolled out at ${seconds(p.steps?.rolledOutMs)}, old pods gone at ${seconds(p.steps?.oldGoneMs)})`,
        false,
      ),
    ],
  );
}

function when(g) {
  const at = (ms) => `${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(2)} s`;
  return g.first === g.last ? at(g.first) : `${at(g.first)} to ${at(g.last)}`;
}

function scenarioNote(label, r) {
  return [
    `- ${label}: ${r.all.requests} requests in ${r.spanS.toFixed(1)} s, ${r.dropped} iterations dropped by k6 ` +
      `(no free VU). Load average before ${loadText(r.quiet)}, ${r.loadAfter.toFixed(2)} at its end.` +
      (r.releaseOutsideLoad ? ' **The release outlasted the load**: raise `--duration`.' : '') +
      (r.all.failed ? ' Failed requests (times from the release start):' : ' No failed request.'),
    ...r.failures.map((g) => `  - ${g.count} × ${g.key}, ${when(g)}`),
  ];
}

async function writeSection(section) {
  let text = existsSync(RESULTS) ? await readFile(RESULTS, 'utf8') : '# Benchmarks\n';
  const all = text.split('\n');
  const start = all.findIndex((l) => l.trim() === `## ${SECTION}`);
  if (start < 0) {
    text = `${text.replace(/\n*$/, '')}\n\n${section}\n`;
  } else {
    let end = all.findIndex((l, i) => i > start && /^## /.test(l));
    if (end < 0) end = all.length;
    const after = all.slice(end).join('\n');
    text = `${[...all.slice(0, start), ...section.split('\n')].join('\n')}\n${after ? `\n${after}` : ''}`;
  }
  await writeFile(RESULTS, text.replace(/\n*$/, '\n'));
}

// --- the bench ----------------------------------------------------------------------------------------------------

async function preflight() {
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  if (!existsSync(K6)) throw new Error(`k6 is missing at ${K6}: bash scripts/install-k6.sh`);
  if (!existsSync(KUBECONFIG)) throw new Error(`no kubeconfig at ${KUBECONFIG}: npm run k8s:up`);
  kc.loadFromFile(KUBECONFIG);
  kc.setCurrentContext(CONTEXT);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  await core.listNode().catch((error) => {
    throw new Error(`the cluster does not answer (${error.message}): npm run k8s:up`);
  });
  const registry = await get(`http://${REGISTRY}/v2/`).catch(() => ({ status: 0 }));
  if (registry.status !== 200) throw new Error(`the registry on ${REGISTRY} does not answer`);
  for (const image of ['node:20-bookworm-slim', 'postgres:15-bookworm']) {
    const found = await run(DOCKER, ['image', 'inspect', '--format', '{{.Id}}', image]);
    if (found.code !== 0) throw new Error(`the base image ${image} is not on the engine (nothing can be pulled)`);
  }
}

async function main() {
  await preflight();
  const started = Date.now();
  const host = await machine();
  await makeRepo();
  log(`bench project ${project} in ${workDir}`);
  volumes = provisionVolumes();
  const build1 = await mustSlipway(['build', '--push', '--json']);
  log(`  build --push (6 images): ${seconds(build1.ms)}`);

  log(`(1) env up / env down of the whole app, ${RUNS} runs`);
  const upDown = await upDownBlock();
  log('(2) a rolling update of the back under load: slipway, then the plain Deployment');
  const rel = await releaseBlock();

  const date = new Date().toISOString().slice(0, 10);
  const s = rel.slipway;
  const p = rel.plain;
  const m = rel.manifest;
  const section = [
    `## ${SECTION}`,
    '',
    `\`node bench/k8s/run.mjs\`, ${date}. Machine: ${host.cores} cores (${host.cpu}), ${host.memoryGb} GB RAM, Linux ` +
      `${host.kernel}, Node ${host.node}; the CI's single-node cluster (\`docs/kubernetes-cluster.md\`): Kubernetes ` +
      `${host.kubernetes} (kubelet ${host.kubelet}, ${host.runtime}, kube-proxy in iptables mode, bridge CNI), ` +
      `images from the registry on ${REGISTRY}; k6 ${host.k6}; Docker engine ${host.engine} for the builds. The ` +
      'cluster and the machine were shared with other work (e2e tests of another session on the same cluster).',
    '',
    'Set-up: the example app (`examples/scolarite`: 2 modules × front, back, PostgreSQL storage) in a temp git repo ' +
      `with its own project name, \`engine: 'kubernetes'\`, \`kubernetes: { kubeconfig, context: '${CONTEXT}' }\` ` +
      '(slipway’s defaults otherwise: preStop 5 s, grace period 30 s, ready timeout 120 s, post-switch check 3 s) and ' +
      '`environments: { staging: { replicas: 2 } }`; `slipway build --push`. The cluster has no volume provisioner: ' +
      'the bench binds each claim of the project to a `local` PersistentVolume (a folder on the node) as soon as it ' +
      'sees it pending (polling every 200 ms), as the e2e tests do.',
    '',
    '### (1) `env up` / `env down` of the whole app',
    '',
    `Method: ${RUNS} runs of \`node bin/slipway.js env up bench/up-<n> --json\` (a new preview namespace each time: ` +
      'Namespace, NetworkPolicy, then component by component in dependency order: 2 StatefulSets with their claims, ' +
      'migrations and seed through the exec API, 4 Deployments with Services, PDBs and Ingresses), then a GET of ' +
      '`/api/<module>` on each back and front Service by ClusterIP, then `env down` (deletes the namespace and waits ' +
      'until it is gone); wall time of each process, Node start-up included. Phases from the timestamps of ' +
      'slipway’s progress lines: a storage runs from its `applying` line to its `rolled out` line (StatefulSet, ' +
      'claim bound, image pulled, PostgreSQL initialised and ready), then its migrations and seed until the next ' +
      'component starts; a front or back from its `applying` line to the next one. Image pulls from the kubelet’s ' +
      '`Pulled` events in the namespace. Load average (1 min) before each run: ' +
      `${upDown.samples.map((x, i) => `${i + 1}: ${loadText(x.load)}`).join('; ')}.`,
    '',
    upDownTable(upDown),
    '',
    '### (2) a rolling update of the back under load',
    '',
    `Method: k6 \`constant-arrival-rate\` ${RATE} GETs/s for ${DURATION_S} s of \`/api/students\` (back → ` +
      'PostgreSQL) on the back’s Service ClusterIP (port 80, kube-proxy’s iptables rules on the host; ' +
      `[\`bench/zero-downtime/load.js\`](zero-downtime/load.js): keep-alive, 10 s timeout, any answer but 200 ` +
      `failed). ${RELEASE_AT_MS / 1000} s after k6 starts, the release starts; “during” is every request sent ` +
      'between its start and its end, “steady” every one before it (less the first ' +
      `${WARM_UP_MS / 1000} s), “after” every one once it ended; latencies are those of the requests answered 200. ` +
      '**slipway**: `deploy staging` (release 1, both replicas ready), then a comment appended to ' +
      '`students/api/src/server.js`, committed, `build --push` (only students/api rebuilt), and under the load ' +
      '`node bin/slipway.js deploy staging`: slipway’s Deployment (`maxSurge: 1`, `maxUnavailable: 0`, readiness ' +
      `probe on \`/healthz\` every ${m.readiness?.periodSeconds ?? '?'} s, preStop sleep ` +
      `${m.preStop?.sleep?.seconds ?? '?'} s, grace period ${m.grace ?? '?'} s), the release ending when the command ` +
      'exits (rolled out, post-switch check through the API server’s service proxy, release record). **plain**: a ' +
      `Deployment \`${PLAIN}\` and a Service the bench creates with @kubernetes/client-node in the same namespace, ` +
      'with the container of slipway’s own students-api Deployment (release 1 image by digest, same variables, so ' +
      'the same database: staging’s `students-db` Service and its StatefulSet; same resources and securityContext, ' +
      'which the namespace’s Pod Security level demands) but **without** readiness, liveness and startup probes and ' +
      'preStop hook, Kubernetes’ default strategy (RollingUpdate 25 % / 25 %: with 2 replicas that is `maxSurge: 1`, ' +
      `\`maxUnavailable: 0\`, the same as slipway’s) and grace period (${p.grace ?? 30} s); under the load the bench ` +
      'sets its image to release 2’s digest (what `kubectl set image` does) and waits as `kubectl rollout status` ' +
      'does, then until the old pods are gone; the release ends there. Both run in the same run, one after the ' +
      'other, on the same images, with the same 2 replicas.',
    '',
    releaseTable(rel),
    '',
    'Notes:',
    '',
    `- \`env up\`: the first run pulled the images into the node's containerd (${upDown.samples[0].pulls.pulled} ` +
      `pulls, ${seconds(upDown.samples[0].pulls.pullMs)} in all, from the registry on the same machine, ` +
      'whose base layers containerd may already hold from earlier projects); pulls are not what dominates here (a ' +
      'remote registry would change that). Most of the time ' +
      'is the sequential, dependency-ordered waits: each StatefulSet (claim bound, PostgreSQL initdb and start, TCP ' +
      'readiness), its migrations through the exec API, then each Deployment until its readiness probe passes ' +
      '(Node start, `/healthz` with a `SELECT 1`, probe period 2 s).',
    '- `env down`: the pods are gone a few seconds after their preStop pause, but the namespace lingers: the ' +
      'namespace controller deletes its content a few seconds after the namespace is marked, then, with pods still ' +
      'terminating, requeues it after “estimate / 2 + 1” seconds where the estimate is the pods’ grace period (30 s: ' +
      '16 s; `pkg/controller/namespace/namespace_controller.go`), and `env down` waits until the namespace is gone. ' +
      'A shorter `terminationGracePeriodSeconds`, or deleting the workloads and waiting for their pods before ' +
      'deleting the namespace, would shorten it.',
    ...scenarioNote('slipway', s),
    `  - slipway’s steps, from the release start: ${s.steps.join('; ') || 'n/a'}.`,
    `  - components rolled: ${s.changed.join(', ') || 'none'} (the others keep their running version).`,
    ...scenarioNote('plain', p),
    '- What fails without the settings: with no readiness probe a new pod counts as ready once its container has ' +
      'started, before Node listens, so kube-proxy sends it connections it refuses, and the rollout moves on; an old ' +
      'pod gets SIGTERM as soon as it leaves the endpoints, and the app closes its listener at once (graceful ' +
      'shutdown: in-flight requests finish, new connections are refused) while kube-proxy’s rules may still point at ' +
      'it for a moment. slipway’s readiness probe keeps a new pod out until `/healthz` answers (the database ' +
      'included), and the preStop pause keeps the old pod serving until its endpoint removal has reached the rules.',
    `- Release images: ${rel.images.before} → ${rel.images.after}. Set-up: \`build --push\` ${seconds(build1.ms)}, ` +
      `first \`deploy staging\` (the whole app, 2 replicas per front and back) ${seconds(rel.staging1Ms)}, release 2 ` +
      `\`build --push\` ${seconds(rel.build2Ms)}.`,
    '- k6, the pods, the control plane (apiserver, etcd, kubelet) and the other session’s tests share the same 2 ' +
      'cores: latencies include that contention. The plain Deployment ran with slipway’s staging still up (its two ' +
      'release 2 pods idle), the slipway scenario without the plain pods.',
    `- Not cleaned by the bench: the images it pushed to the registry (\`${REGISTRY}/${project}/*\`) and the copies ` +
      'containerd pulled onto the node (the kubelet’s image garbage collection removes unused ones under disk ' +
      `pressure). Total bench time: ${seconds(Date.now() - started)}, of which ${totalWaited} s waiting for the load ` +
      'to drop.',
    ...(failures.length ? ['', '**Correctness failures:**', '', ...failures.map((f) => `- ${f}`)] : []),
  ].join('\n');

  process.stdout.write(`\n${upDownTable(upDown)}\n\n${releaseTable(rel)}\n\n`);
  process.stdout.write(`${[...scenarioNote('slipway', s), ...scenarioNote('plain', p)].join('\n')}\n`);
  if (!flags['no-write']) {
    await writeSection(section);
    log(`wrote the "## ${SECTION}" section of ${path.relative(process.cwd(), RESULTS) || RESULTS}`);
  }
  for (const f of failures) log(`FAILED: ${f}`);
  return failures.length ? 1 : 0;
}

let exitCode = 1;
process.on('SIGINT', () => {
  log('interrupted');
  cleanUp().finally(() => process.exit(130));
});
try {
  exitCode = await main();
} catch (error) {
  log(`bench failed: ${error.stack ?? error}`);
  exitCode = failures.length ? 1 : 3;
} finally {
  await cleanUp();
}
process.exitCode = exitCode;

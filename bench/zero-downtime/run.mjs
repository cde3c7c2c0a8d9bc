// Zero-downtime releases under load: k6 sends a constant 300 requests/s to the example app's production
// environment while `slipway promote staging production` rolls a new back and front out (two replicas each,
// behind the router), and, in the same run, the same load against a naive swap of plain docker containers
// (`docker rm -f` then `docker run` of the new image, same name, alias and published port).
// Run `npm run build && node bench/zero-downtime/run.mjs`; it prints a table and rewrites the "## zero-downtime"
// section of bench/RESULTS.md. Exits 1 on a correctness failure (the promote fails, production does not run
// staging's digests afterwards, a new version is not served), never because of a timing or a failed request.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { appendFile, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const SLIPWAY = path.join(ROOT, 'bin', 'slipway.js');
const RESULTS = path.join(ROOT, 'bench', 'RESULTS.md');
const EXAMPLE = path.join(ROOT, 'examples', 'scolarite');
const K6_SCRIPT = path.join(HERE, 'load.js');
const K6 = path.join(process.env.SLIPWAY_MACHINE_STATE ?? '/var/lib/slipway-machine', 'bin', 'k6');
// Debian's 20.10 CLI, matching the engine
const DOCKER = '/usr/bin/docker';
// not the default 8080/2019: the bench never touches a developer's router
const ROUTER_PORT = 18980;
const ADMIN_PORT = 12980;
const ROUTER = `slipway-router-${ROUTER_PORT}`;
const ROUTER_VOLUME = `${ROUTER}-data`;
// the naive setup publishes its back and front here
const NAIVE_API_PORT = 18981;
const NAIVE_WEB_PORT = 18982;
const LABEL_PROJECT = 'dev.slipway.project';
// the naive setup's containers, network and volume carry this label, so that clean-up finds them
const LABEL_RAW = 'dev.slipway.bench-raw';
const PG_DATA = '/var/lib/postgresql/data';
const QUIET_LOAD = 1.5;
const SECTION = 'zero-downtime';
// the paths users hit, declared to the post-switch check (and so warmed up on the new replicas before the switch)
const CHECK_PATHS = ", check: { paths: { 'students/api': ['/api/students'], 'students/web': ['/api/students'] } }";

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string', default: '300' },
    duration: { type: 'string', default: '45' },
    // seconds after k6 starts at which the release starts
    'release-at': { type: 'string', default: '10' },
    // the first seconds of the load (new connections, cold code paths) count in no window
    'warm-up': { type: 'string', default: '2' },
    // longest wait, before each of the two scenarios, for the 1-minute load average to drop under 1.5
    'quiet-wait': { type: 'string', default: '90' },
    'no-write': { type: 'boolean', default: false },
    // keeps the temp repo, the k6 output and the images (environments, naive containers and the router always go)
    keep: { type: 'boolean', default: false },
    // only slipway's scenario, nothing written (for trying a change out)
    'slipway-only': { type: 'boolean', default: false },
    // with --slipway-only: that many releases under load, taking turns between `rollback production` (to release
    // 1) and `promote staging production` (to release 2); `--router-only` replaces each release by one router
    // config change that touches no route of production (what the router's reload alone costs)
    rounds: { type: 'string', default: '1' },
    'router-only': { type: 'boolean', default: false },
    // with --slipway-only: each round is the engine work of a release alone (see engineWorkAlone), nothing switched
    'engine-only': { type: 'boolean', default: false },
    // with --slipway-only: each round's "release" is 8 s of nothing (the control: what the load shows unprovoked)
    idle: { type: 'boolean', default: false },
    // with --idle: a child process meanwhile fills that many MiB of fresh memory (what a process start does, larger)
    'touch-mb': { type: 'string', default: '0' },
    // with --idle: a child process meanwhile keeps one CPU busy that many ms, touching no new memory
    'burn-ms': { type: 'string', default: '0' },
  },
});
const RATE = Number(flags.rate);
const DURATION_S = Number(flags.duration);
const RELEASE_AT_MS = Number(flags['release-at']) * 1000;
const WARM_UP_MS = Number(flags['warm-up']) * 1000;
const QUIET_WAIT_MS = Number(flags['quiet-wait']) * 1000;

const project = `bench-zd-${randomBytes(3).toString('hex')}`;
let workDir;
let repoDir;
let stateDir;
let routerWasThere = false;
const failures = [];

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

function docker(args) {
  return mustRun(DOCKER, args);
}

function slipway(args, options = {}) {
  return run(process.execPath, [SLIPWAY, ...args], {
    cwd: repoDir,
    env: { SLIPWAY_STATE_DIR: stateDir },
    timestamps: options.timestamps,
  });
}

async function mustSlipway(args) {
  const result = await slipway(args);
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

/** One GET through node:http (fetch cannot set Host), on a new connection. */
function get({ port, path: urlPath, host, address = '127.0.0.1', timeoutMs = 5000 }) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: address, port, path: urlPath, agent: false, timeout: timeoutMs, headers: host ? { host } : {} },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error(`GET ${urlPath} timed out`)));
    request.on('error', reject);
    request.end();
  });
}

/** A GET of a URL such as a preview URL (`http://web-students--production.localhost:18980/style.css`). */
function getUrl(url) {
  const { hostname, port, pathname } = new URL(url);
  return get({ port: Number(port || 80), path: pathname, host: hostname === '127.0.0.1' ? undefined : hostname });
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

// --- the machine --------------------------------------------------------------------------------------------------

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
  log(`  ${block}: load average ${load.toFixed(2)}${waited ? ` after waiting ${waited} s` : ''}`);
  return { load, waited, quiet: load < QUIET_LOAD };
}

async function machine() {
  const cpus = os.cpus();
  const engine = await run(DOCKER, ['version', '--format', '{{.Server.Version}}']);
  const k6 = await run(K6, ['version']);
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    engine: engine.stdout.trim() || 'unknown',
    kernel: os.release(),
    k6: /k6 (v[\d.]+)/.exec(k6.stdout)?.[1] ?? 'k6',
  };
}

// --- the example app, staging and production ------------------------------------------------------------------------

async function makeRepo() {
  workDir = await mkdtemp(path.join(os.tmpdir(), `${project}-`));
  repoDir = path.join(workDir, 'repo');
  stateDir = path.join(workDir, 'state');
  const skip = new Set(['base-images', '.slipway', 'node_modules']);
  await cp(EXAMPLE, repoDir, { recursive: true, filter: (source) => !skip.has(path.basename(source)) });
  const configFile = path.join(repoDir, 'slipway.config.ts');
  const config = await readFile(configFile, 'utf8');
  const edited = config
    .replace("project: 'scolarite'", `project: '${project}'`)
    .replace(
      /^(\s*)(registry: .*)$/m,
      `$1$2\n$1router: { port: ${ROUTER_PORT}, adminPort: ${ADMIN_PORT} },` +
        `\n$1environments: { staging: {}, production: { replicas: 2${CHECK_PATHS} } },`,
    );
  if (!edited.includes(`project: '${project}'`) || !edited.includes('environments: {'))
    throw new Error(`could not set the project, router and environments in ${configFile}`);
  await writeFile(configFile, edited);
  await writeFile(path.join(repoDir, '.gitignore'), '.slipway/\n');
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', 'feat: the scolarite example']);
}

/** The running containers of an environment, per component: image reference, image id, container names. */
async function environmentContainers(env) {
  const ids = lines(
    (
      await docker([
        'ps',
        '-q',
        '--filter',
        `label=${LABEL_PROJECT}=${project}`,
        '--filter',
        `label=dev.slipway.env=${env}`,
        '--filter',
        'label=dev.slipway.role=component',
      ])
    ).stdout,
  );
  const byComponent = {};
  if (ids.length === 0) return byComponent;
  for (const c of JSON.parse((await docker(['inspect', ...ids])).stdout)) {
    const id = c.Config.Labels['dev.slipway.component'];
    byComponent[id] ??= { images: new Set(), imageIds: new Set(), containers: [] };
    byComponent[id].images.add(c.Config.Labels['dev.slipway.image']);
    byComponent[id].imageIds.add(c.Image);
    byComponent[id].containers.push(c);
  }
  return byComponent;
}

function imagesOf(byComponent) {
  return Object.fromEntries(
    Object.entries(byComponent)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, c]) => [id, [...c.images].sort().join(' ')]),
  );
}

async function setUp() {
  await makeRepo();
  log(`bench project ${project} in ${workDir}`);
  const build1 = await mustSlipway(['build', '--push', '--json']);
  log(`  build --push (release 1, 6 images): ${seconds(build1.ms)}`);
  const staging1 = await mustSlipway(['deploy', 'staging', '--json']);
  log(`  deploy staging: ${seconds(staging1.ms)}`);
  const production1 = await mustSlipway(['promote', 'staging', 'production', '--json']);
  const { urls, version: oldVersion } = JSON.parse(production1.stdout);
  log(`  promote staging production (release 1, 2 replicas): ${seconds(production1.ms)}`);
  const old = await environmentContainers('production');

  // release 2: a new back and a new front
  await appendFile(path.join(repoDir, 'students/api/src/server.js'), '\n// release 2\n');
  await git(['commit', '-q', '-am', 'feat(students): release 2 of the api']);
  await appendFile(path.join(repoDir, 'students/web/public/style.css'), '\n/* release 2 */\n');
  await git(['commit', '-q', '-am', 'feat(students): release 2 of the page']);
  const build2 = await mustSlipway(['build', '--push', '--json']);
  const built = JSON.parse(build2.stdout)
    .components.filter((c) => c.built)
    .map((c) => c.id);
  log(`  build --push (release 2): ${seconds(build2.ms)}; built ${built.join(', ') || 'nothing?'}`);
  const staging2 = await mustSlipway(['deploy', 'staging', '--json']);
  const newVersion = JSON.parse(staging2.stdout).version;
  log(`  deploy staging (release 2): ${seconds(staging2.ms)}`);
  const next = await environmentContainers('staging');
  const changed = Object.keys(next).filter((id) => imagesOf(next)[id] !== imagesOf(old)[id]);
  if (changed.sort().join(',') !== 'students/api,students/web')
    failures.push(`release 2 changes ${changed.join(', ') || 'nothing'}, not exactly students/api and students/web`);

  // production answers before the load starts
  for (const id of ['students/web', 'students/api']) {
    const response = await getUrl(`${urls[id]}/api/students`).catch((e) => ({ status: e.message }));
    if (response.status !== 200) throw new Error(`production ${id} /api/students answered ${response.status}`);
  }
  return {
    urls,
    old,
    next,
    oldVersion,
    newVersion,
    times: {
      build1: build1.ms,
      staging1: staging1.ms,
      production1: production1.ms,
      build2: build2.ms,
      staging2: staging2.ms,
    },
  };
}

// --- the naive setup: plain containers, swapped in place ------------------------------------------------------------

const naive = {
  network: () => `${project}-naive`,
  container: (hostname) => `${project}-naive-${hostname}`,
  volume: (hostname) => `${project}-naive-${hostname}`,
};

/** What slipway gave a container, less what its image sets anyway; HTTP dependencies reached without a router. */
async function naiveEnv(container, imageId) {
  const image = JSON.parse((await docker(['image', 'inspect', imageId])).stdout)[0];
  const fromImage = new Set(image.Config.Env ?? []);
  const env = Object.fromEntries(
    container.Config.Env.filter((e) => !fromImage.has(e)).map((e) => [
      e.slice(0, e.indexOf('=')),
      e.slice(e.indexOf('=') + 1),
    ]),
  );
  // inside slipway's environment `http://students-api` is the router (port 80); here it is the container itself
  for (const [key, value] of Object.entries(env)) {
    if (key.endsWith('_URL') && /^http:\/\/[a-z0-9-]+$/.test(value)) {
      env[key] = `${value}:8080`;
      env[key.replace(/_URL$/, '_PORT')] = '8080';
    }
  }
  env.SLIPWAY_ENVIRONMENT = 'naive';
  return env;
}

function naiveComponent(byComponent, id, port) {
  const c = byComponent[id];
  const hostname = id.replace('/', '-');
  return { id, hostname, imageId: [...c.imageIds][0], container: c.containers[0], port };
}

async function naiveRun(c, env) {
  const args = ['run', '-d', '--name', naive.container(c.hostname), '--network', naive.network()];
  args.push('--network-alias', c.hostname, '--label', `${LABEL_RAW}=${project}`);
  if (c.port) args.push('-p', `127.0.0.1:${c.port}:8080`);
  for (const [key, value] of Object.entries(env)) args.push('-e', `${key}=${value}`);
  if (c.id.endsWith('/db')) args.push('-v', `${naive.volume(c.hostname)}:${PG_DATA}`);
  await docker([...args, c.imageId]);
}

async function waitHealthy(port, deadlineMs = 60_000) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const response = await get({ port, path: '/healthz', timeoutMs: 1000 }).catch(() => ({}));
    if (response.status === 200) return;
    await sleep(50);
  }
  throw new Error(`naive: nothing healthy on 127.0.0.1:${port} after ${deadlineMs / 1000} s`);
}

/** students/db, students/api and students/web of release 1 on their own network, migrations and seed by psql. */
async function naiveSetUp(setup) {
  const db = naiveComponent(setup.old, 'students/db');
  const api = naiveComponent(setup.old, 'students/api', NAIVE_API_PORT);
  const web = naiveComponent(setup.old, 'students/web', NAIVE_WEB_PORT);
  await docker(['network', 'create', '--label', `${LABEL_RAW}=${project}`, naive.network()]);
  await docker(['volume', 'create', '--label', `${LABEL_RAW}=${project}`, naive.volume(db.hostname)]);
  const dbEnv = await naiveEnv(db.container, db.imageId);
  await naiveRun(db, dbEnv);
  const deadline = Date.now() + 120_000;
  while (
    (await run(DOCKER, ['exec', naive.container(db.hostname), 'pg_isready', '-q', '-h', '127.0.0.1'])).code !== 0
  ) {
    if (Date.now() > deadline) throw new Error('naive: students/db not ready after 120 s');
    await sleep(200);
  }
  for (const dir of ['migrations', 'seed']) {
    const files = (await readdir(path.join(repoDir, 'students/db', dir))).filter((f) => f.endsWith('.sql')).sort();
    for (const file of files) {
      await docker([
        'exec',
        naive.container(db.hostname),
        'psql',
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-U',
        dbEnv.POSTGRES_USER,
        '-d',
        dbEnv.POSTGRES_DB,
        '--single-transaction',
        '-f',
        `/slipway/${dir}/${file}`,
      ]);
    }
  }
  const envs = { api: await naiveEnv(api.container, api.imageId), web: await naiveEnv(web.container, web.imageId) };
  await naiveRun(api, envs.api);
  await waitHealthy(api.port);
  await naiveRun(web, envs.web);
  await waitHealthy(web.port);
  for (const port of [NAIVE_WEB_PORT, NAIVE_API_PORT]) {
    const response = await get({ port, path: '/api/students' }).catch((e) => ({ status: e.message }));
    if (response.status !== 200) throw new Error(`naive: 127.0.0.1:${port}/api/students answered ${response.status}`);
  }
  // release 2 with the variables slipway gave it in staging
  const next = {
    api: naiveComponent(setup.next, 'students/api', NAIVE_API_PORT),
    web: naiveComponent(setup.next, 'students/web', NAIVE_WEB_PORT),
  };
  const nextEnvs = {
    api: await naiveEnv(next.api.container, next.api.imageId),
    web: await naiveEnv(next.web.container, next.web.imageId),
  };
  return { next, nextEnvs };
}

/** The naive release: for the back, then the front, `docker rm -f` and `docker run` of the new image, then wait. */
async function naiveRelease(n) {
  const steps = [];
  for (const key of ['api', 'web']) {
    const c = n.next[key];
    const started = Date.now();
    await docker(['rm', '-f', naive.container(c.hostname)]);
    await naiveRun(c, n.nextEnvs[key]);
    const ran = Date.now();
    await waitHealthy(c.port);
    steps.push({ id: c.id, removedAndRunMs: ran - started, healthyMs: Date.now() - started });
  }
  return steps;
}

// --- one scenario: k6 at a constant rate, a release in the middle ---------------------------------------------------

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

/**
 * k6's `--out json` points: one http_req_duration per request (tagged with its status), the script's
 * failed_detail (what a failed answer said) and dropped iterations.
 */
async function readPoints(file) {
  const samples = [];
  const details = [];
  let dropped = 0;
  const input = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of input) {
    if (!line.includes('"type":"Point"')) continue;
    if (line.includes('"metric":"dropped_iterations"')) {
      dropped += JSON.parse(line).data.value;
      continue;
    }
    if (line.includes('"metric":"failed_detail"')) {
      const { data } = JSON.parse(line);
      details.push({ at: Date.parse(data.time), ...data.tags });
      continue;
    }
    if (!line.includes('"metric":"http_req_duration"')) continue;
    const { data } = JSON.parse(line);
    const ended = Date.parse(data.time);
    const tags = data.tags ?? {};
    samples.push({
      // k6 stamps a request's points when it ends: its start is that less its duration
      at: ended - data.value,
      ms: data.value,
      ok: tags.status === '200',
      status: tags.status ?? '0',
      error: tags.error_code ? `${tags.error_code} ${tags.error ?? ''}`.trim() : '',
      target: tags.target ?? '?',
    });
  }
  return { samples: samples.sort((a, b) => a.at - b.at), details, dropped };
}

/** Items grouped by `keyOf`, each group with its count and when it happened relative to the release start. */
function groupByTime(items, keyOf, releaseStart) {
  const groups = new Map();
  for (const s of items) {
    const key = keyOf(s);
    const g = groups.get(key) ?? { key, count: 0, first: Infinity, last: -Infinity };
    g.count += 1;
    g.first = Math.min(g.first, s.at - releaseStart);
    g.last = Math.max(g.last, s.at - releaseStart);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => a.first - b.first);
}

function failureGroups(samples, details, releaseStart) {
  const requests = groupByTime(
    samples.filter((x) => !x.ok),
    (s) => `${s.target} → ${s.status === '0' ? 'no answer' : s.status}${s.error ? ` (${s.error})` : ''}`,
    releaseStart,
  );
  const answers = groupByTime(
    details.filter((d) => d.status !== '0'),
    (d) => `${d.target} → ${d.status} with body \`${d.body || '(empty)'}\``,
    releaseStart,
  );
  return { requests, answers };
}

/**
 * The router's own account of the window: its warnings and errors (a failed dial, a 502) and its config reloads
 * (each switch of upstreams replaces Caddy's server; idle keep-alive connections of the old one are closed).
 */
async function routerEvents(since, until, releaseStart) {
  const logs = await run(DOCKER, [
    'logs',
    '--since',
    (since / 1000).toFixed(3),
    '--until',
    (until / 1000).toFixed(3),
    ROUTER,
  ]);
  const events = [];
  for (const line of lines(`${logs.stdout}\n${logs.stderr}`)) {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const at = entry.ts * 1000;
    if (entry.msg?.startsWith('autosaved config')) events.push({ at, what: 'config change applied' });
    else if (
      ['warn', 'error'].includes(entry.level) &&
      entry.logger?.startsWith('http.') &&
      !/automatic HTTPS/.test(entry.msg)
    )
      events.push({
        at,
        what: `${entry.level} ${entry.logger}: ${entry.msg}${(entry.err ?? entry.error) ? ` (${String(entry.err ?? entry.error).slice(0, 140)})` : ''}`,
      });
  }
  return {
    groups: groupByTime(events, (e) => e.what, releaseStart),
    changes: events.filter((e) => e.what === 'config change applied').map((e) => e.at),
  };
}

/**
 * The engine's own account of the window: container events (create, start, update, kill, die, destroy...) of the
 * bench's project, with their times, to line the slow seconds up with what the engine was doing.
 */
async function engineEvents(since, until) {
  const window = ['events', '--since', (since / 1000).toFixed(3), '--until', (until / 1000).toFixed(3)];
  const format = ['--format', '{{json .}}'];
  const out = await run(DOCKER, [
    ...window,
    ...['--filter', 'type=container', '--filter', `label=${LABEL_PROJECT}=${project}`],
    ...format,
  ]);
  // image events (a pull, a tag) carry no label filter: the project's repositories name them
  const images = await run(DOCKER, [...window, '--filter', 'type=image', ...format]);
  const events = [];
  for (const line of [...lines(out.stdout), ...lines(images.stdout).filter((l) => l.includes(project))]) {
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    const name = e.Actor?.Attributes?.name ?? e.id?.slice(0, 12);
    const action = String(e.Action ?? e.status ?? '').split(':')[0];
    // exec_create/exec_start/exec_die are the migrations' and probes' execs: counted, not listed
    events.push({ at: Number(e.timeNano) / 1e6, what: `${action} ${name.replace(`slipway.${project}.`, '')}` });
  }
  return events;
}

/**
 * The release second by second: requests, p99 and max of each second from the release start, how many took
 * more than twice the steady p99, and what slipway, the router and the engine did in that second.
 */
function timeline(r, progress) {
  const bound = 2 * r.steady.p99;
  const rows = [];
  const events = [
    ...progress.map((p) => ({ at: p.at, what: `${p.who ?? 'slipway'}: ${p.line.trim()}` })),
    ...r.router.changes.map((at) => ({ at, what: 'router: config change applied' })),
    ...r.engine.map((e) => ({ at: e.at, what: `engine: ${e.what}` })),
  ].filter((e) => e.at >= r.releaseStart && e.at <= r.releaseEnd);
  for (let from = r.releaseStart; from <= r.releaseEnd; from += 1000) {
    const to = Math.min(from + 1000, r.releaseEnd + 1);
    const inside = r.samples.filter((x) => x.at >= from && x.at < to);
    const stats = windowStats(inside);
    const slow = inside.filter((x) => x.ok && x.ms > bound).length;
    const what = events.filter((e) => e.at >= from && e.at < to);
    const execs = what.filter((e) => /engine: exec_/.test(e.what)).length;
    const listed = what.filter((e) => !/engine: exec_/.test(e.what)).map((e) => e.what);
    rows.push([
      `+${((from - r.releaseStart) / 1000).toFixed(0)} s`,
      String(stats.requests),
      msText(stats.p99),
      msText(stats.max),
      String(slow),
      [...listed, ...(execs ? [`${execs} exec event(s)`] : [])].join('; ') || '–',
    ]);
  }
  return table(['second', 'requests', 'p99', 'max', `> ${msText(bound)}`, 'what happened'], rows);
}

async function scenario(name, targets, release, withRouter) {
  const quiet = await waitForQuiet(name);
  const outFile = path.join(workDir, `k6-${name}.json`);
  log(`  ${name}: k6 ${RATE} req/s for ${DURATION_S} s, release at ${RELEASE_AT_MS / 1000} s`);
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
    `TARGETS=${JSON.stringify(targets)}`,
    '-e',
    `RATE=${RATE}`,
    '-e',
    `DURATION=${DURATION_S}s`,
    K6_SCRIPT,
  ]);
  const k6Started = Date.now();
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
  const k6Result = await k6;
  const loadAfter = os.loadavg()[0];
  if (k6Result.code !== 0) throw new Error(`k6 exited ${k6Result.code}: ${lastLines(k6Result.stderr)}`);
  const { samples, details, dropped } = await readPoints(outFile);
  if (!flags.keep) await rm(outFile, { force: true });
  if (samples.length === 0) throw new Error(`k6 recorded no request in ${name}`);
  const first = samples[0].at;
  const last = samples[samples.length - 1].at;
  const steady = samples.filter((s) => s.at >= first + WARM_UP_MS && s.at < releaseStart);
  const during = samples.filter((s) => s.at >= releaseStart && s.at <= releaseEnd);
  const after = samples.filter((s) => s.at > releaseEnd);
  return {
    name,
    quiet,
    loadAfter,
    k6Started,
    releaseStart,
    releaseEnd,
    releaseOutsideLoad: releaseEnd > last,
    outcome,
    dropped,
    all: windowStats(samples),
    steady: windowStats(steady),
    during: windowStats(during),
    after: windowStats(after),
    spanS: (last - first) / 1000,
    firstRequestAfterMs: first - k6Started,
    failures: failureGroups(samples, details, releaseStart),
    router: withRouter ? await routerEvents(k6Started, Date.now(), releaseStart) : { groups: [], changes: [] },
    engine: await engineEvents(releaseStart, releaseEnd + 1000),
    samples,
  };
}

async function promote(setup) {
  const result = await slipway(['promote', 'staging', 'production', '--json'], { timestamps: true });
  if (result.code !== 0) {
    failures.push(`slipway promote staging production exited ${result.code}: ${lastLines(result.stderr, 8)}`);
    throw new Error(`promote exited ${result.code}`);
  }
  const progress = result.timed;
  // correctness: production runs exactly staging's digests, by digest, and serves the new page
  const production = imagesOf(await environmentContainers('production'));
  const staging = imagesOf(await environmentContainers('staging'));
  if (JSON.stringify(production) !== JSON.stringify(staging))
    failures.push(
      `after the promote production runs ${JSON.stringify(production)}, staging ${JSON.stringify(staging)}`,
    );
  for (const [id, image] of Object.entries(production))
    if (!/@sha256:[0-9a-f]{64}$/.test(image)) failures.push(`production ${id} runs ${image}, not an image by digest`);
  const page = await getUrl(`${setup.urls['students/web']}/style.css`).catch((e) => ({ status: e.message, body: '' }));
  if (page.status !== 200 || !page.body.includes('release 2'))
    failures.push(`after the promote production's style.css (${page.status}) is not release 2's`);
  return {
    progress,
    version: JSON.parse(result.stdout).version,
    digestsEqual: JSON.stringify(production) === JSON.stringify(staging),
  };
}

async function naiveAfterCheck() {
  const page = await get({ port: NAIVE_WEB_PORT, path: '/style.css' }).catch((e) => ({ status: e.message, body: '' }));
  if (page.status !== 200 || !page.body.includes('release 2'))
    failures.push(`after the naive swap style.css (${page.status}) is not release 2's`);
  const api = await get({ port: NAIVE_API_PORT, path: '/api/students' }).catch((e) => ({ status: e.message }));
  if (api.status !== 200) failures.push(`after the naive swap the back's /api/students answered ${api.status}`);
}

// --- the engine's work alone: the floor of any release on this host ---------------------------------------------------

const FLOOR_LABEL = 'dev.slipway.bench-floor';
const APP_PORT = 8080;

/**
 * What any release of a new back and front with 2 replicas each asks of the engine, and nothing else: beside
 * production (same images, variables and network as its replicas, CPU weight 2 as slipway's new containers get,
 * no network alias, so nothing routes to them), 4 containers are created and started one by one, each until its
 * `/healthz` answers on its own address; 3 s later (about what slipway's post-switch check takes) they are stopped
 * and removed one by one, as slipway stops the old ones. No router change, no warm-up, no slipway process: if the
 * load's p99 moves here, no release strategy that goes through the engine avoids that part.
 */
async function engineWorkAlone() {
  const production = await environmentContainers('production');
  const started = [];
  const steps = [];
  const step = (line) => steps.push({ at: Date.now(), line, who: 'bench' });
  try {
    for (const id of ['students/api', 'students/web']) {
      const model = production[id]?.containers[0];
      if (!model) throw new Error(`engine work alone: production has no ${id} container`);
      const network = Object.keys(model.NetworkSettings.Networks)[0];
      for (let replica = 1; replica <= 2; replica++) {
        const name = `${project}-floor-${id.replace('/', '-')}-${replica}`;
        const args = ['run', '-d', '--name', name, '--network', network, '--cpu-shares', '2'];
        args.push('--label', `${LABEL_PROJECT}=${project}`, '--label', `${FLOOR_LABEL}=1`);
        for (const variable of model.Config.Env) args.push('-e', variable);
        step(`${id}: run ${name}`);
        await docker([...args, model.Image]);
        started.push(name);
        const [inspected] = JSON.parse((await docker(['inspect', name])).stdout);
        const address = inspected.NetworkSettings.Networks[network].IPAddress;
        const deadline = Date.now() + 60_000;
        for (;;) {
          const answer = await get({ address, port: APP_PORT, path: '/healthz', timeoutMs: 1000 }).catch(() => ({}));
          if (answer.status === 200) break;
          if (Date.now() > deadline) throw new Error(`engine work alone: ${name} not healthy after 60 s`);
          await sleep(50);
        }
        step(`${id}: ${name} healthy`);
      }
    }
    await sleep(3000);
    for (const name of started.splice(0)) {
      step(`stop and remove ${name}`);
      await docker(['stop', '-t', '30', name]);
      await docker(['rm', name]);
    }
  } finally {
    if (started.length) await run(DOCKER, ['rm', '-f', ...started]);
  }
  return steps;
}

// --- clean-up -----------------------------------------------------------------------------------------------------

async function removeByLabel(label) {
  const containers = lines((await run(DOCKER, ['ps', '-a', '-q', '--filter', `label=${label}`])).stdout);
  if (containers.length) await run(DOCKER, ['rm', '-f', '-v', ...containers]);
  for (const network of lines((await run(DOCKER, ['network', 'ls', '-q', '--filter', `label=${label}`])).stdout)) {
    await run(DOCKER, ['network', 'disconnect', '-f', network, ROUTER]);
    await run(DOCKER, ['network', 'rm', network]);
  }
  const volumes = lines((await run(DOCKER, ['volume', 'ls', '-q', '--filter', `label=${label}`])).stdout);
  if (volumes.length) await run(DOCKER, ['volume', 'rm', '-f', ...volumes]);
}

async function removeImages() {
  const label = `label=${LABEL_PROJECT}=${project}`;
  // by reference first, not by id: an id can carry other projects' tags too
  const references = lines(
    (await run(DOCKER, ['image', 'ls', '--filter', label, '--format', '{{.Repository}}:{{.Tag}}'])).stdout,
  ).filter((r) => !r.includes('<none>'));
  if (references.length) await run(DOCKER, ['image', 'rm', ...references]);
  // what is left is known by digest only (the pushed, promoted references): by id, when only this project names it
  const ids = [...new Set(lines((await run(DOCKER, ['image', 'ls', '-q', '--filter', label])).stdout))];
  const ours = `127.0.0.1:5000/${project}/`;
  for (const id of ids) {
    const [image] = JSON.parse((await run(DOCKER, ['image', 'inspect', id])).stdout || '[]');
    const names = [...(image?.RepoTags ?? []), ...(image?.RepoDigests ?? [])];
    if (names.every((n) => n.startsWith(ours))) await run(DOCKER, ['image', 'rm', '-f', id]);
  }
}

async function cleanUp() {
  if (!workDir) return;
  log('cleaning up: staging and production, the naive containers, the router, images and the temp dir');
  for (const env of ['staging', 'production']) {
    const down = await slipway(['env', 'down', env]);
    if (down.code !== 0) log(`  slipway env down ${env} exited ${down.code}: ${lastLines(down.stderr)}`);
  }
  await removeByLabel(`${LABEL_PROJECT}=${project}`);
  await removeByLabel(`${LABEL_RAW}=${project}`);
  if (!routerWasThere) {
    await run(DOCKER, ['rm', '-f', ROUTER]);
    await run(DOCKER, ['volume', 'rm', ROUTER_VOLUME]);
    await run(DOCKER, ['network', 'rm', ROUTER]);
  } else log(`  ${ROUTER} was there before the bench: left in place`);
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

function seconds(ms) {
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
}

function msText(value) {
  if (Number.isNaN(value)) return '–';
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value)} ms`;
}

function latency(w) {
  return `${msText(w.p50)} / ${msText(w.p99)} / ${msText(w.max)}`;
}

function targetMet(r) {
  const enough = r.all.requests >= 10_000;
  const zero = r.all.failed === 0;
  const p99 = r.during.p99 <= 2 * r.steady.p99;
  const ratio = (r.during.p99 / r.steady.p99).toFixed(1);
  const yes = enough && zero && p99 && r.outcome.ok && !r.releaseOutsideLoad;
  const why = [
    zero ? '0 failed' : `${r.all.failed} failed`,
    `p99 ${ratio}×`,
    ...(enough ? [] : [`only ${r.all.requests} requests`]),
    ...(r.outcome.ok ? [] : ['the release failed']),
    ...(r.releaseOutsideLoad ? ['the release outlasted the load'] : []),
  ];
  return `${yes ? 'yes' : '**no**'} (${why.join('; ')})`;
}

function table(header, rows) {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function resultsTable(results) {
  return table(
    [
      'scenario',
      'requests',
      'failed',
      'p50 / p99 / max steady',
      'p50 / p99 / max during the release',
      'p50 / p99 / max after it',
      'release took',
      'target met? (0 failed of ≥ 10,000; p99 during ≤ 2× steady)',
    ],
    results.map((r) => [
      r.label,
      String(r.all.requests),
      `${r.all.failed}${r.all.failed ? ` (${r.during.failed} during the release)` : ''}`,
      `${latency(r.steady)} (${r.steady.requests} req.)`,
      `${latency(r.during)} (${r.during.requests} req.)`,
      `${latency(r.after)} (${r.after.requests} req.)`,
      seconds(r.releaseEnd - r.releaseStart),
      targetMet(r),
    ]),
  );
}

/**
 * The release window cut at the router's config changes inside it: before the first (the command starting, the
 * new backs starting and getting ready), between the first and the last (the fronts the same), and after the
 * last (the post-switch check, the drain, the old containers stopping).
 */
function releasePhases(r) {
  const changes = r.router.changes.filter((t) => t >= r.releaseStart && t <= r.releaseEnd).sort((a, b) => a - b);
  if (changes.length === 0) return [];
  const first = changes[0];
  const last = changes[changes.length - 1];
  const rel = (t) => `+${((t - r.releaseStart) / 1000).toFixed(1)} s`;
  const cut = (from, to) => windowStats(r.samples.filter((x) => x.at >= from && x.at < to));
  return [
    { name: `up to the first switch (${rel(first)})`, stats: cut(r.releaseStart, first) },
    ...(last > first ? [{ name: `to the last switch (${rel(last)})`, stats: cut(first, last) }] : []),
    { name: `from there to the end (${rel(r.releaseEnd)})`, stats: cut(last, r.releaseEnd + 1) },
  ];
}

function when(g) {
  const at = (ms) => `${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(2)} s`;
  return g.first === g.last ? at(g.first) : `${at(g.first)} to ${at(g.last)}`;
}

/** What a scenario's notes say: its counts, and every failed request, grouped, with when it happened. */
function scenarioNotes(r) {
  const out = [
    `- ${r.name}: ${r.all.requests} requests in ${r.spanS.toFixed(1)} s (the first after ${seconds(r.firstRequestAfterMs)}), ` +
      `${r.dropped} iterations dropped by k6 (no free VU: at most 300 requests in flight).` +
      (r.releaseOutsideLoad ? ' **The release outlasted the load**: raise `--duration`.' : '') +
      (r.all.failed ? ' Failed requests (times from the release start):' : ' No failed request.'),
    ...r.failures.requests.map((g) => `  - ${g.count} × ${g.key}, ${when(g)}`),
  ];
  if (r.failures.answers.length)
    out.push(
      `  - what the failed answers said: ${r.failures.answers.map((g) => `${g.count} × ${g.key} (${when(g)})`).join('; ')}`,
    );
  if (r.router.groups.length)
    out.push(
      `  - the router meanwhile: ${r.router.groups.map((g) => `${g.count} × ${g.key} (${when(g)})`).join('; ')}`,
    );
  const phases = releasePhases(r);
  if (phases.length)
    out.push(
      `  - the release by phase (latency p50 / p99 / max; requests): ${phases.map((x) => `${x.name}: ${latency(x.stats)}; ${x.stats.requests}${x.stats.failed ? `, ${x.stats.failed} failed` : ''}`).join(' — ')}`,
    );
  return out;
}

function loadText(r) {
  return `${r.quiet.load.toFixed(2)}${r.quiet.waited ? ` (after waiting ${r.quiet.waited} s)` : ''}${r.quiet.quiet ? '' : ' — **above 1.5, noisy**'}, ${r.loadAfter.toFixed(2)} at its end`;
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
  if (!existsSync(DOCKER)) throw new Error(`${DOCKER} is missing: apt-get install -y docker.io`);
  if (!existsSync(K6)) throw new Error(`k6 is missing at ${K6}: bash scripts/install-k6.sh`);
  for (const image of ['node:20-bookworm-slim', 'postgres:15-bookworm']) {
    const found = await run(DOCKER, ['image', 'inspect', '--format', '{{.Id}}', image]);
    if (found.code !== 0) throw new Error(`the base image ${image} is not on the engine (nothing can be pulled)`);
  }
  routerWasThere = (await run(DOCKER, ['inspect', ROUTER])).code === 0;
  if (routerWasThere) log(`note: ${ROUTER} already exists; the bench uses it and leaves it in place`);
  for (const port of [NAIVE_API_PORT, NAIVE_WEB_PORT, ...(routerWasThere ? [] : [ROUTER_PORT, ADMIN_PORT])])
    if (!(await portIsFree(port))) throw new Error(`127.0.0.1:${port} is taken: the bench needs it`);
}

/** The 2 s around the router's config change, by 100 ms and target: p99 and max of requests sent then. */
function zoom(r) {
  const change = r.router.changes.find((t) => t >= r.releaseStart - 100) ?? r.releaseStart;
  const rows = [];
  for (let from = change - 1000; from < change + 1000; from += 100) {
    const cells = [`${from - change >= 0 ? '+' : ''}${from - change} ms`];
    for (const target of ['students/web', 'students/api']) {
      const stats = windowStats(r.samples.filter((x) => x.target === target && x.at >= from && x.at < from + 100));
      cells.push(`${stats.requests}: ${msText(stats.p99)} / ${msText(stats.max)}`);
    }
    rows.push(cells);
  }
  return table(['from the router change', 'students/web: n, p99 / max', 'students/api: n, p99 / max'], rows);
}

/** `--slipway-only`: rounds of slipway's scenario alone, printed, nothing written. */
async function trialRounds(setup) {
  const targets = [
    { name: 'students/web', url: `${setup.urls['students/web']}/api/students` },
    { name: 'students/api', url: `${setup.urls['students/api']}/api/students` },
  ];
  const results = [];
  for (let i = 0; i < Number(flags.rounds); i++) {
    let promoted;
    let progress = [];
    let label;
    const run = await scenario(
      `round ${i + 1}`,
      targets,
      async () => {
        if (flags.idle) {
          const mb = Number(flags['touch-mb']);
          const burn = Number(flags['burn-ms']);
          label = mb
            ? `a process filling ${mb} MiB of fresh memory, then nothing`
            : burn
              ? `a process keeping one CPU busy ${burn} ms, then nothing`
              : 'nothing for 8 s (the control)';
          const started = Date.now();
          if (mb) await mustRun(process.execPath, ['-e', `Buffer.alloc(${mb} * 2 ** 20, 1)`]);
          if (burn)
            await mustRun(process.execPath, ['-e', `const end = Date.now() + ${burn}; while (Date.now() < end);`]);
          progress = [{ at: started, line: `${label}: ${Date.now() - started} ms`, who: 'bench' }];
          await sleep(8000 - (Date.now() - started));
          return;
        }
        if (flags['engine-only']) {
          label = 'the engine work of a release alone (4 containers started, then stopped; nothing switched)';
          progress = await engineWorkAlone();
          return;
        }
        if (flags['router-only']) {
          label = 'one router config change (no production route)';
          const { createRouter } = await import(path.join(ROOT, 'dist', 'engines', 'docker', 'router.js'));
          const router = createRouter({ port: ROUTER_PORT, adminPort: ADMIN_PORT });
          const id = `bench.${project}.dummy`;
          await router.applyRoutes({
            upsert: [{ id, hosts: [`dummy-${i}.${project}.localhost`], upstreams: ['127.0.0.1:9'] }],
          });
          return;
        }
        if (i % 2 === 0) {
          label = '`slipway promote staging production`';
          promoted = await promote(setup);
          progress = promoted.progress;
        } else {
          label = '`slipway rollback production`';
          const result = await slipway(['rollback', 'production', '--json'], { timestamps: true });
          if (result.code !== 0) failures.push(`rollback exited ${result.code}: ${lastLines(result.stderr, 8)}`);
          progress = result.timed;
        }
      },
      true,
    );
    results.push({ ...run, label: `${i + 1}: ${label}` });
    process.stdout.write(`\n${resultsTable([results.at(-1)])}\n\n${scenarioNotes(run).join('\n')}\n`);
    process.stdout.write(`\n${timeline(run, progress)}\n\n${zoom(run)}\n`);
  }
  if (results.length > 1) process.stdout.write(`\nall rounds:\n\n${resultsTable(results)}\n`);
  for (const f of failures) log(`FAILED: ${f}`);
  return failures.length ? 1 : 0;
}

async function main() {
  await preflight();
  const started = Date.now();
  const host = await machine();
  log('set-up: the example app, staging and production (release 1), then release 2 on staging');
  const setup = await setUp();
  log('set-up: the naive containers (release 1: students db, api, web)');
  const naiveSetup = flags['slipway-only'] ? undefined : await naiveSetUp(setup);

  const results = [];
  let promoted;
  if (flags['slipway-only']) return trialRounds(setup);
  const slipwayRun = await scenario(
    'slipway',
    [
      { name: 'students/web', url: `${setup.urls['students/web']}/api/students` },
      { name: 'students/api', url: `${setup.urls['students/api']}/api/students` },
    ],
    async () => {
      promoted = await promote(setup);
    },
    true,
  );
  results.push({ ...slipwayRun, label: '`slipway promote staging production` (router, 2 replicas)' });
  let floorSteps;
  const floorRun = await scenario(
    'engine work alone',
    [
      { name: 'students/web', url: `${setup.urls['students/web']}/api/students` },
      { name: 'students/api', url: `${setup.urls['students/api']}/api/students` },
    ],
    async () => {
      floorSteps = await engineWorkAlone();
    },
    true,
  );
  results.push({
    ...floorRun,
    label: 'the engine work of a release alone: 4 containers started beside production, then stopped (no switch)',
  });
  let naiveSteps;
  const naiveRun = await scenario(
    'naive',
    [
      { name: 'students/web', url: `http://127.0.0.1:${NAIVE_WEB_PORT}/api/students` },
      { name: 'students/api', url: `http://127.0.0.1:${NAIVE_API_PORT}/api/students` },
    ],
    async () => {
      naiveSteps = await naiveRelease(naiveSetup);
    },
    false,
  );
  await naiveAfterCheck();
  results.push({ ...naiveRun, label: 'naive `docker rm -f` + `docker run` (published ports, 1 container each)' });

  const date = new Date().toISOString().slice(0, 10);
  const promoteSteps = (promoted?.progress ?? [])
    .filter((p) => p.line.trim())
    .map((p) => `+${((p.at - slipwayRun.releaseStart) / 1000).toFixed(1)} s \`${p.line.trim()}\``);
  const secondBySecond = timeline(slipwayRun, promoted?.progress ?? []);
  const floorBySecond = timeline(floorRun, floorSteps ?? []);
  const section = [
    `## ${SECTION}`,
    '',
    `\`node bench/zero-downtime/run.mjs\`, ${date}. Machine: ${host.cores} cores (${host.cpu}), ${host.memoryGb} GB ` +
      `RAM, Linux ${host.kernel}, Node ${host.node}, Docker engine ${host.engine}, k6 ${host.k6}.`,
    '',
    'Method: the example app (`examples/scolarite`) in a temp git repo with its own project name and router on ' +
      `127.0.0.1:${ROUTER_PORT}, \`environments: { staging: {}, production: { replicas: 2${CHECK_PATHS} } }\` ` +
      '(defaults: warm-up 100 GETs per check path and new replica, post-switch check 3 s, drain 5 s). ' +
      'Set-up: `slipway build --push`, `deploy staging`, `promote staging production` (release 1); then a comment ' +
      'appended to `students/api/src/server.js` and to `students/web/public/style.css`, committed, `build --push`, ' +
      '`deploy staging` (release 2: a new back and a new front). ' +
      `Load: k6 \`constant-arrival-rate\` ${RATE} GETs/s for ${DURATION_S} s, taking turns between ` +
      '`students/web` `/api/students` (front → back → PostgreSQL) and `students/api` `/api/students`, ' +
      'keep-alive connections, 10 s timeout; any answer but 200, or none, is a failed request. ' +
      `${RELEASE_AT_MS / 1000} s after k6 starts, the release starts; “during the release” is every request sent ` +
      'between its start and its end (timestamped by the bench); “steady” is every request sent before it, less ' +
      `the first ${WARM_UP_MS / 1000} s of the load; “after” every request sent once it ended. A request’s send time is k6’s point time (its end) less its ` +
      '`http_req_duration`; latencies (`http_req_duration`, nearest rank) are those of the requests answered 200. ' +
      '**slipway**: `node bin/slipway.js promote staging production`; k6 goes through the router (Caddy, behind ' +
      '`docker-proxy`) on the preview hosts, mapped to 127.0.0.1 with k6’s `hosts`, and the front reaches the back ' +
      'through the router too; the release ends when the command exits (the old containers drained and stopped). ' +
      '**naive**: the same images on a plain network (students db, api, web; release 1; migrations and seed by ' +
      '`psql`), the back and the front published on 127.0.0.1 and hit directly, the front reaching the back by its ' +
      'network alias; the release is, for the back and then the front, `docker rm -f <name>` then `docker run` of ' +
      'the release 2 image with the same name, alias, variables and published port, then polling `/healthz` every ' +
      '50 ms; it ends when the front answers. ' +
      '**the engine work of a release alone**: the same load through the router against production, while the ' +
      'bench asks the engine for what any release of a new back and front with 2 replicas each needs, and nothing ' +
      'else: 4 containers of production’s images, variables and network (CPU weight 2, no network alias: nothing ' +
      'routes to them) run one by one, each until its `/healthz` answers on its own address, then 3 s later ' +
      'stopped and removed one by one; no router change, no warm-up, no slipway process. It is the floor of any ' +
      'release that goes through this engine on this host.',
    '',
    resultsTable(results),
    '',
    'Notes:',
    '',
    `- Load average (1 min) before each scenario (the bench waits up to ${QUIET_WAIT_MS / 1000} s for < ${QUIET_LOAD}): ` +
      results.map((r) => `${r.name} ${loadText(r)}`).join('; ') +
      '.',
    ...results.flatMap((r) => scenarioNotes(r)),
    `- slipway: promote of ${promoted?.version ?? '?'} (from ${setup.oldVersion}); production runs exactly staging’s ` +
      `digests afterwards: ${promoted?.digestsEqual ? 'yes' : '**no**'}. Its steps, from the release start: ` +
      (promoteSteps.length ? promoteSteps.join('; ') : 'n/a') +
      '.',
    `- naive: ${(naiveSteps ?? []).map((x) => `${x.id}: \`rm -f\` + \`run\` ${seconds(x.removedAndRunMs)}, answering after ${seconds(x.healthyMs)}`).join('; ') || 'n/a'}.`,
    `- Set-up: first \`build --push\` ${seconds(setup.times.build1)}, \`deploy staging\` ${seconds(setup.times.staging1)}, ` +
      `first promote ${seconds(setup.times.production1)}, release 2 \`build --push\` ${seconds(setup.times.build2)}, ` +
      `\`deploy staging\` ${seconds(setup.times.staging2)}. Total bench time: ${seconds(Date.now() - started)}.`,
    '- k6, the router, the replicas, the database and the new containers starting share the same 2 cores: the ' +
      'latency during a release includes that CPU contention, not only the switch.',
    '',
    `slipway's release second by second (requests by send time; “engine” lines are the container events of ` +
      'the project, from `docker events`):',
    '',
    secondBySecond,
    '',
    'The engine work alone, second by second:',
    '',
    floorBySecond,
    ...(failures.length ? ['', '**Correctness failures:**', '', ...failures.map((f) => `- ${f}`)] : []),
  ].join('\n');

  process.stdout.write(`\n${resultsTable(results)}\n\n`);
  process.stdout.write(`${results.flatMap((r) => scenarioNotes(r)).join('\n')}\n`);
  process.stdout.write(`\nslipway's release second by second:\n\n${secondBySecond}\n`);
  process.stdout.write(`\nthe engine work alone second by second:\n\n${floorBySecond}\n`);
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
  exitCode = 3;
} finally {
  await cleanUp();
}
process.exitCode = exitCode;

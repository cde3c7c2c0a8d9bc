// Times preview environments on the Docker engine: (1) `slipway env up` / `env down` of the example app against a
// raw `docker run` script doing the same work, in the same run; (2) 20 environments up at once: time, memory, and
// zero leftovers after `down`; (3) the router's added latency against hitting the container directly.
// Run `npm run build && node bench/env/run.mjs`; it prints the tables and rewrites the "## env" section of
// bench/RESULTS.md. Exits 1 on a correctness failure (an environment that does not answer, a leftover container,
// network, volume or route), never because of a timing.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SLIPWAY = path.join(ROOT, 'bin', 'slipway.js');
const RESULTS = path.join(ROOT, 'bench', 'RESULTS.md');
const EXAMPLE = path.join(ROOT, 'examples', 'scolarite');
// Debian's 20.10 CLI, matching the engine (the newer CLI first on PATH is not needed for anything here)
const DOCKER = '/usr/bin/docker';
// GNU time (Debian package `time`), for the CPU time and peak RSS of slipway's own processes; optional
const TIME = '/usr/bin/time';
// not the default 8080/2019: the bench never touches a developer's router
const ROUTER_PORT = 18680;
const ADMIN_PORT = 12680;
const ROUTER = `slipway-router-${ROUTER_PORT}`;
const ROUTER_VOLUME = `${ROUTER}-data`;
const LABEL_PROJECT = 'dev.slipway.project';
// the raw script's containers, networks and volumes carry this label, so that clean-up finds them
const LABEL_RAW = 'dev.slipway.bench-raw';
const PG_DATA = '/var/lib/postgresql/data';
const QUIET_LOAD = 1.5;

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    envs: { type: 'string', default: '20' },
    requests: { type: 'string', default: '2000' },
    // longest wait for the 1-minute load average to drop under 1.5 before each measured block
    'quiet-wait': { type: 'string', default: '180' },
    'no-write': { type: 'boolean', default: false },
    // keeps the temp repo and the images (environments, raw containers and the router always go)
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(flags.runs);
const ENVS = Number(flags.envs);
const REQUESTS = Number(flags.requests);
const QUIET_WAIT_MS = Number(flags['quiet-wait']) * 1000;

const project = `bench-env-${randomBytes(3).toString('hex')}`;
let workDir;
let repoDir;
let stateDir;
let routerWasThere = false;
const failures = [];

function log(line) {
  process.stderr.write(`${line}\n`);
}

function elapsedMs(started) {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Runs an argv (never a shell string); resolves with the exit code, the output, the wall time in ms and, with
 * `timestamps`, each stderr line with the ms since the start at which it arrived. */
function run(file, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = [];
    const stderr = [];
    const lines = [];
    let partial = '';
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => {
      stderr.push(chunk);
      if (!options.timestamps) return;
      const at = elapsedMs(started);
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop();
      for (const line of parts) lines.push({ at, line });
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ms: elapsedMs(started),
        lines,
      }),
    );
  });
}

async function mustRun(file, args, options) {
  const result = await run(file, args, options);
  if (result.code !== 0)
    throw new Error(`${file} ${args.join(' ')} exited ${result.code}: ${result.stderr.trim().split('\n').slice(-5)}`);
  return result;
}

// the raw script's docker CLI calls, counted: each is a process start plus an API round trip
const dockerCalls = { count: 0 };
function docker(args) {
  dockerCalls.count += 1;
  return mustRun(DOCKER, args);
}

let timeFiles = 0;
/** One slipway process; with `cpu` (and /usr/bin/time installed) also its CPU seconds and peak RSS. */
async function slipway(args, options = {}) {
  const argv = [process.execPath, SLIPWAY, ...args];
  const timeFile = options.cpu && existsSync(TIME) ? path.join(workDir, `time-${++timeFiles}`) : undefined;
  const result = timeFile
    ? await run(TIME, ['-f', '%U %S %M', '-o', timeFile, ...argv], {
        cwd: repoDir,
        env: { SLIPWAY_STATE_DIR: stateDir },
        timestamps: options.timestamps,
      })
    : await run(argv[0], argv.slice(1), {
        cwd: repoDir,
        env: { SLIPWAY_STATE_DIR: stateDir },
        timestamps: options.timestamps,
      });
  if (timeFile) {
    const [user, system, rssKb] = (await readFile(timeFile, 'utf8')).trim().split('\n').pop().split(' ').map(Number);
    Object.assign(result, { cpuMs: (user + system) * 1000, rssMb: rssKb / 1024 });
  }
  return result;
}

async function mustSlipway(args, options) {
  const result = await slipway(args, options);
  if (result.code !== 0)
    throw new Error(`slipway ${args.join(' ')} exited ${result.code}:\n${result.stderr.trim().split('\n').slice(-8)}`);
  return result;
}

function lines(text) {
  return text.split('\n').filter(Boolean);
}

/** One GET through node:http (fetch cannot set Host); `agent` false opens a new connection. */
function get({ port, address = '127.0.0.1', path: urlPath, host, agent = false, timeoutMs = 5000 }) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: address, port, path: urlPath, agent, timeout: timeoutMs, headers: host ? { host } : {} },
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

function throughRouter(host, urlPath, agent) {
  return get({ port: ROUTER_PORT, path: urlPath, host, agent });
}

// --- the machine --------------------------------------------------------------------------------------------------

async function memAvailableMb() {
  const text = await readFile('/proc/meminfo', 'utf8');
  const kb = Number(/^MemAvailable:\s+(\d+) kB/m.exec(text)?.[1]);
  return kb / 1024;
}

let totalWaited = 0;
/** Waits (bounded) until the 1-minute load average is under QUIET_LOAD; returns the load measured under. */
async function waitForQuiet(block) {
  const started = Date.now();
  let load = os.loadavg()[0];
  while (load >= QUIET_LOAD && Date.now() - started < QUIET_WAIT_MS) {
    if (Date.now() - started < 1000) log(`  ${block}: load average ${load.toFixed(2)}, waiting for < ${QUIET_LOAD}`);
    await sleep(5000);
    load = os.loadavg()[0];
  }
  const waited = Math.round((Date.now() - started) / 1000);
  totalWaited += waited;
  log(`  ${block}: load average ${load.toFixed(2)}${waited ? ` after waiting ${waited} s` : ''}`);
  return { load, waited, quiet: load < QUIET_LOAD };
}

async function machine() {
  const cpus = os.cpus();
  const engine = await run(DOCKER, ['version', '--format', '{{.Server.Version}}']);
  const proxy = await run(DOCKER, ['info', '--format', '{{json .}}']);
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    engine: engine.stdout.trim() || 'unknown',
    kernel: os.release(),
    cgroup: JSON.parse(proxy.stdout || '{}').CgroupVersion ?? '?',
  };
}

// --- the example app in a temp git repo -----------------------------------------------------------------------------

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
    .replace(/^(\s*)(registry: .*)$/m, `$1$2\n$1router: { port: ${ROUTER_PORT}, adminPort: ${ADMIN_PORT} },`);
  if (!edited.includes(`project: '${project}'`) || !edited.includes(`port: ${ROUTER_PORT}`))
    throw new Error(`could not set the project and router ports in ${configFile}`);
  await writeFile(configFile, edited);
  await writeFile(path.join(repoDir, '.gitignore'), '.slipway/\n');
  const git = (args) =>
    mustRun('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@127.0.0.1', ...args], { cwd: repoDir });
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', 'bench: the scolarite example']);
}

// --- engine state -------------------------------------------------------------------------------------------------

async function countByLabel(label) {
  const [containers, networks, volumes] = await Promise.all([
    docker(['ps', '-a', '-q', '--filter', `label=${label}`]),
    docker(['network', 'ls', '-q', '--filter', `label=${label}`]),
    docker(['volume', 'ls', '-q', '--filter', `label=${label}`]),
  ]);
  return {
    containers: lines(containers.stdout).length,
    networks: lines(networks.stdout).length,
    volumes: lines(volumes.stdout).length,
  };
}

/** Routes of this project still in the router's config (their ids are slipway.<project>.<env>.<component>). */
async function projectRoutes() {
  const response = await get({ port: ADMIN_PORT, path: '/config/' });
  if (response.status !== 200) throw new Error(`the router's admin API answered ${response.status}`);
  return (response.body.match(new RegExp(`"@id"\\s*:\\s*"slipway\\.${project}\\.[^"]*"`, 'g')) ?? []).length;
}

/** A correctness check: nothing of the project is left on the engine or in the router. */
async function checkNothingLeft(what) {
  const left = await countByLabel(`${LABEL_PROJECT}=${project}`);
  const routes = await projectRoutes();
  const total = left.containers + left.networks + left.volumes + routes;
  if (total > 0)
    failures.push(
      `${what}: left ${left.containers} containers, ${left.networks} networks, ${left.volumes} volumes, ${routes} routes`,
    );
  return { ...left, routes, clean: total === 0 };
}

function leftText(left) {
  return `${left.containers} containers, ${left.networks} networks, ${left.volumes} volumes, ${left.routes} routes`;
}

async function removeByLabel(label) {
  const containers = lines((await run(DOCKER, ['ps', '-a', '-q', '--filter', `label=${label}`])).stdout);
  if (containers.length) await run(DOCKER, ['rm', '-f', '-v', ...containers]);
  for (const network of lines((await run(DOCKER, ['network', 'ls', '-q', '--filter', `label=${label}`])).stdout)) {
    // the router may still be attached when an `env down` did not finish
    await run(DOCKER, ['network', 'disconnect', '-f', network, ROUTER]);
    await run(DOCKER, ['network', 'rm', network]);
  }
  const volumes = lines((await run(DOCKER, ['volume', 'ls', '-q', '--filter', `label=${label}`])).stdout);
  if (volumes.length) await run(DOCKER, ['volume', 'rm', '-f', ...volumes]);
}

async function cleanUp() {
  if (!workDir) return;
  log('cleaning up: environments, raw containers, the router, images and the temp dir');
  await removeByLabel(`${LABEL_PROJECT}=${project}`);
  await removeByLabel(`${LABEL_RAW}=${project}`);
  if (!routerWasThere) {
    await run(DOCKER, ['rm', '-f', ROUTER]);
    await run(DOCKER, ['volume', 'rm', ROUTER_VOLUME]);
    await run(DOCKER, ['network', 'rm', ROUTER]);
  } else log(`  ${ROUTER} was there before the bench: left in place`);
  if (flags.keep) {
    log(`kept ${workDir} and the images; to remove them later:`);
    log(`  rm -rf ${workDir}`);
    log(
      `  ${DOCKER} image rm $(${DOCKER} image ls --filter label=${LABEL_PROJECT}=${project} --format '{{.Repository}}:{{.Tag}}')`,
    );
  } else {
    // by reference, not by id: an id can carry other projects' tags too
    const images = await run(DOCKER, [
      'image',
      'ls',
      '--filter',
      `label=${LABEL_PROJECT}=${project}`,
      '--format',
      '{{.Repository}}:{{.Tag}}',
    ]);
    const references = lines(images.stdout).filter((r) => !r.includes('<none>'));
    if (references.length) await run(DOCKER, ['image', 'rm', ...references]);
    await rm(workDir, { recursive: true, force: true });
  }
  workDir = undefined;
}

// --- numbers ------------------------------------------------------------------------------------------------------

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Nearest-rank percentile. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function seconds(ms) {
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
}

function summary(ms) {
  if (!ms || ms.length === 0) return '–';
  if (ms.length === 1) return seconds(ms[0]);
  return `${seconds(median(ms))} [${seconds(Math.min(...ms)).replace(' s', '')}–${seconds(Math.max(...ms))}]`;
}

function cpu(values) {
  return `${seconds(median(values))} CPU`;
}

function mb(value) {
  return `${Math.round(value)} MB`;
}

function table(header, rows) {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

// --- (1) slipway env up/down ----------------------------------------------------------------------------------------

/** Splits an `env up` run into phases from its progress lines (each `<id>: starting` opens a component). */
function upPhases(result) {
  const phases = {};
  let current = 'start-up, config, lock, router, network';
  let since = 0;
  for (const { at, line } of result.lines) {
    const match = /^([\w-]+\/[\w-]+): starting /.exec(line);
    if (!match) continue;
    phases[current] = at - since;
    current = match[1];
    since = at;
  }
  phases[current] = result.ms - since;
  return phases;
}

/** The front proxies /api to its back through the router, which reaches the database: one GET proves the chain. */
async function checkSlipwayEnv(env, modules) {
  for (const module of modules) {
    const response = await throughRouter(`web-${module}--${env}.localhost`, `/api/${module}`).catch((e) => ({
      status: e.message,
    }));
    if (response.status !== 200) failures.push(`env ${env}: web-${module} /api/${module} answered ${response.status}`);
  }
}

async function slipwayUpDown(env, beforeDown) {
  const up = await mustSlipway(['env', 'up', env, '--json'], { timestamps: true, cpu: true });
  const plan = JSON.parse(up.stdout);
  await checkSlipwayEnv(env, ['students', 'grades']);
  const extra = beforeDown ? await beforeDown(plan) : undefined;
  const down = await mustSlipway(['env', 'down', env, '--json']);
  const left = await checkNothingLeft(`slipway env down ${env}`);
  return { up: up.ms, down: down.ms, phases: upPhases(up), plan, left, extra, upCpuMs: up.cpuMs, upRssMb: up.rssMb };
}

/** What slipway gave each container, less what its image sets anyway: the raw script passes the same with -e. */
async function capturePlan(plan) {
  const components = [];
  for (const c of plan.components) {
    const inspect = JSON.parse((await docker(['inspect', c.container])).stdout)[0];
    const image = JSON.parse((await docker(['image', 'inspect', c.image])).stdout)[0];
    const fromImage = new Set(image.Config.Env ?? []);
    const env = Object.fromEntries(
      inspect.Config.Env.filter((e) => !fromImage.has(e)).map((e) => [
        e.slice(0, e.indexOf('=')),
        e.slice(e.indexOf('=') + 1),
      ]),
    );
    components.push({ ...c, env, port: Number(env.PORT ?? (c.kind === 'storage' ? 5432 : 8080)) });
  }
  // Inside slipway's environment an HTTP dependency is reached through the router on port 80; the raw script has
  // no router, so its containers reach each other directly on the network alias and the app's port.
  const portOf = new Map(components.map((c) => [c.hostname, c.port]));
  for (const c of components) {
    for (const [key, value] of Object.entries(c.env)) {
      const match = /^http:\/\/([a-z0-9-]+)$/.exec(value);
      if (!key.endsWith('_URL') || !match || !portOf.has(match[1])) continue;
      c.env[key] = `${value}:${portOf.get(match[1])}`;
      c.env[key.replace(/_URL$/, '_PORT')] = String(portOf.get(match[1]));
    }
  }
  return components;
}

// --- (1) the raw docker script --------------------------------------------------------------------------------------

async function sqlFiles(component) {
  const out = [];
  for (const [dir, inImage] of [
    ['migrations', '/slipway/migrations'],
    ['seed', '/slipway/seed'],
  ]) {
    const files = await readdir(path.join(repoDir, component.id, dir)).catch(() => []);
    for (const file of files.filter((f) => f.endsWith('.sql')).sort()) out.push(`${inImage}/${file}`);
  }
  return out;
}

/** The readiness polling slipway does, by hand: pg_isready through `docker exec`, the health path on the IP. */
async function rawWaitReady(name, c, network) {
  const deadline = Date.now() + 120_000;
  let ip;
  while (Date.now() < deadline) {
    if (c.kind === 'storage') {
      dockerCalls.count += 1;
      const probe = await run(DOCKER, ['exec', name, 'pg_isready', '-q', '-h', '127.0.0.1', '-p', String(c.port)]);
      if (probe.code === 0) return;
    } else {
      ip ??=
        (
          await docker(['inspect', '--format', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name])
        ).stdout.trim() || undefined;
      if (ip) {
        const response = await get({ address: ip, port: c.port, path: '/healthz', timeoutMs: 2000 }).catch(() => ({}));
        if (response.status >= 200 && response.status < 400) return;
      }
    }
    await sleep(100);
  }
  throw new Error(`raw: ${name} not ready after 120 s`);
}

async function rawStart(names, c, network) {
  const args = ['run', '-d', '--name', names.container(c), '--network', network, '--network-alias', c.hostname];
  args.push('--restart', 'unless-stopped', '--label', `${LABEL_RAW}=${project}`);
  for (const [key, value] of Object.entries(c.env)) args.push('-e', `${key}=${value}`);
  if (c.kind === 'storage') args.push('-v', `${names.volume(c)}:${PG_DATA}`);
  await docker([...args, c.image]);
}

async function rawMigrate(names, c) {
  const user = c.env.POSTGRES_USER ?? 'postgres';
  const database = c.env.POSTGRES_DB ?? user;
  for (const file of await sqlFiles(c)) {
    await docker([
      'exec',
      names.container(c),
      'psql',
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-U',
      user,
      '-d',
      database,
      '--single-transaction',
      '-f',
      file,
    ]);
  }
}

function rawNames(env) {
  const prefix = `${project}-raw-${env}`;
  return {
    network: prefix,
    container: (c) => `${prefix}-${c.hostname}`,
    volume: (c) => `${prefix}-${c.hostname}`,
  };
}

async function rawCheck(names, network) {
  for (const module of ['students', 'grades']) {
    const web = names.container({ hostname: `${module}-web` });
    const ip = (
      await docker(['inspect', '--format', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, web])
    ).stdout.trim();
    const response = await get({ address: ip, port: 8080, path: `/api/${module}` }).catch((e) => ({
      status: e.message,
    }));
    if (response.status !== 200) failures.push(`raw ${web}: /api/${module} answered ${response.status}`);
  }
}

/**
 * The script a pipeline would write without slipway, with the same images, variables, aliases, readiness checks,
 * migrations and seed. `sequential`: in slipway's order (each component ready before the next starts); otherwise
 * every container is started at once and then waited for.
 */
async function rawUpDown(env, components, sequential) {
  const names = rawNames(env);
  const phases = {};
  const callsBefore = dockerCalls.count;
  let started = process.hrtime.bigint();
  await docker(['network', 'create', '--label', `${LABEL_RAW}=${project}`, names.network]);
  for (const c of components.filter((x) => x.kind === 'storage'))
    await docker(['volume', 'create', '--label', `${LABEL_RAW}=${project}`, names.volume(c)]);
  phases['network, volumes'] = elapsedMs(started);
  if (sequential) {
    for (const c of components) {
      const since = process.hrtime.bigint();
      await rawStart(names, c, names.network);
      await rawWaitReady(names.container(c), c, names.network);
      if (c.kind === 'storage') await rawMigrate(names, c);
      phases[c.id] = elapsedMs(since);
    }
  } else {
    for (const c of components) await rawStart(names, c, names.network);
    await Promise.all(
      components.map(async (c) => {
        await rawWaitReady(names.container(c), c, names.network);
        if (c.kind === 'storage') await rawMigrate(names, c);
      }),
    );
  }
  const up = elapsedMs(started);
  const calls = dockerCalls.count - callsBefore;
  await rawCheck(names, names.network);
  started = process.hrtime.bigint();
  await docker(['rm', '-f', ...components.map((c) => names.container(c))]);
  await docker(['network', 'rm', names.network]);
  await docker(['volume', 'rm', ...components.filter((c) => c.kind === 'storage').map((c) => names.volume(c))]);
  const down = elapsedMs(started);
  const left = await countByLabel(`${LABEL_RAW}=${project}`);
  if (left.containers + left.networks + left.volumes > 0)
    failures.push(
      `raw down ${env}: left ${left.containers} containers, ${left.networks} networks, ${left.volumes} volumes`,
    );
  return { up, down, phases, calls };
}

async function upDownBlock() {
  log('(1) env up / env down of the example app (6 components) against a raw docker script');
  // warm-up, not in the table: creates the router; the raw script takes the variables from its containers
  const first = await slipwayUpDown('bench-0', capturePlan);
  const components = first.extra;
  log(`  first env up (creates the router): ${seconds(first.up)}; down ${seconds(first.down)}`);
  await rawUpDown('warm', components, true);
  const quiet = await waitForQuiet('(1)');
  // the fixed cost of one docker CLI call (process start, config, one API round trip), for the notes
  const cliMs = [];
  for (let i = 0; i < 7; i++) cliMs.push((await docker(['version', '--format', '{{.Server.Version}}'])).ms);
  const samples = { slipway: [], rawSequential: [], rawParallel: [] };
  for (let i = 1; i <= RUNS; i++) {
    // alternate who goes first, so that neither always runs on a warmer engine
    const order = i % 2 ? ['slipway', 'rawSequential', 'rawParallel'] : ['rawParallel', 'rawSequential', 'slipway'];
    for (const who of order) {
      const sample =
        who === 'slipway'
          ? await slipwayUpDown(`bench-${i}`)
          : await rawUpDown(`r${i}`, components, who === 'rawSequential');
      samples[who].push(sample);
      log(`  run ${i}/${RUNS} ${who.padEnd(13)} up ${seconds(sample.up)}  down ${seconds(sample.down)}`);
    }
  }
  return { first, samples, quiet, loadAfter: os.loadavg()[0], components, cliMs: median(cliMs) };
}

// --- (2) many environments at once ----------------------------------------------------------------------------------

function parseMemory(text) {
  const match = /^([\d.]+)\s*([KMG]i?B|B)/.exec(text.trim());
  if (!match) return 0;
  const factor = { B: 1 / 2 ** 20, KiB: 1 / 1024, KB: 1 / 1024, MiB: 1, MB: 1, GiB: 1024, GB: 1024 }[match[2]] ?? 0;
  return Number(match[1]) * factor;
}

/** The processes of a container: its cgroup's member list (cgroup v1 memory controller, or v2). */
async function containerPids(pid) {
  const cgroups = await readFile(`/proc/${pid}/cgroup`, 'utf8');
  const memory = /^\d+:memory:(.*)$/m.exec(cgroups)?.[1];
  const unified = /^0::(.*)$/m.exec(cgroups)?.[1];
  const candidates = [
    memory && `/sys/fs/cgroup/memory${memory}`,
    unified && `/sys/fs/cgroup${unified}`,
    unified && `/sys/fs/cgroup/unified${unified}`,
  ].filter(Boolean);
  for (const dir of candidates) {
    const procs = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => undefined);
    if (procs) return lines(procs).map(Number);
  }
  return [pid];
}

/** RSS counts the pages a process shares (the node binary, PostgreSQL's shared buffers) in full; PSS splits them. */
async function processMemoryKb(pid) {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  return {
    rss: Number(/^Rss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0),
    pss: Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0),
  };
}

function kindOf(name) {
  if (name === ROUTER) return 'router';
  return /-(db|api|web)\.[0-9a-f]+$/.exec(name)?.[1] ?? 'other';
}

/**
 * Memory of the project's running containers and of the router, three ways: the sum of their processes' RSS and
 * PSS (/proc/<pid>/smaps_rollup of every process in each container's cgroup), and `docker stats` (the cgroup's
 * charge less page cache, which leaves out file pages first charged to another container).
 */
async function containerMemory() {
  const ids = lines((await docker(['ps', '-q', '--filter', `label=${LABEL_PROJECT}=${project}`])).stdout);
  const byKind = {};
  const add = (kind, field, value) => {
    byKind[kind] ??= { rss: [], pss: [], stats: [] };
    byKind[kind][field].push(value);
  };
  const pids = await docker(['inspect', '--format', '{{.Name}} {{.State.Pid}}', ...ids, ROUTER]);
  for (const line of lines(pids.stdout)) {
    const [name, pid] = line.replace(/^\//, '').split(' ');
    let rss = 0;
    let pss = 0;
    for (const p of await containerPids(Number(pid))) {
      const m = await processMemoryKb(p);
      rss += m.rss;
      pss += m.pss;
    }
    add(kindOf(name), 'rss', rss / 1024);
    add(kindOf(name), 'pss', pss / 1024);
  }
  const stats = await docker(['stats', '--no-stream', '--format', '{{.Name}}\t{{.MemUsage}}', ...ids, ROUTER]);
  for (const line of lines(stats.stdout)) {
    const [name, usage] = line.split('\t');
    add(kindOf(name), 'stats', parseMemory(usage.split('/')[0]));
  }
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  const total = (field) => sum(Object.values(byKind).flatMap((k) => k[field]));
  return {
    containers: ids.length + 1,
    rss: total('rss'),
    pss: total('pss'),
    stats: total('stats'),
    byKind: Object.fromEntries(
      Object.entries(byKind).map(([kind, k]) => [
        kind,
        { rss: k.rss.length ? median(k.rss) : 0, pss: k.pss.length ? median(k.pss) : 0, stats: median(k.stats) },
      ]),
    ),
  };
}

/** Config changes sent to the router (admin requests other than GET) and those it applied, between two times. */
async function routerWrites(sinceMs, untilMs) {
  const logs = await run(DOCKER, [
    'logs',
    '--since',
    (sinceMs / 1000).toFixed(3),
    '--until',
    (untilMs / 1000).toFixed(3),
    ROUTER,
  ]);
  let sent = 0;
  let applied = 0;
  for (const line of lines(`${logs.stdout}\n${logs.stderr}`)) {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.logger === 'admin.api' && entry.msg === 'received request' && entry.method !== 'GET') sent += 1;
    if (entry.msg?.startsWith('autosaved config')) applied += 1;
  }
  return { sent, applied };
}

async function manyBlock() {
  log(`(2) ${ENVS} environments (students module: db, api, web) up at once`);
  const quiet = await waitForQuiet('(2)');
  const availableBefore = await memAvailableMb();
  const envs = Array.from({ length: ENVS }, (_, i) => `b${i + 1}`);
  const started = process.hrtime.bigint();
  const upFrom = Date.now();
  const ups = await Promise.all(
    envs.map(async (env) => ({
      env,
      ...(await slipway(['env', 'up', env, '--modules', 'students', '--json'], { cpu: true })),
    })),
  );
  const allUpMs = elapsedMs(started);
  const upWrites = await routerWrites(upFrom, Date.now());
  const failed = ups.filter((u) => u.code !== 0);
  for (const u of failed)
    failures.push(
      `${ENVS} at once: env up ${u.env} exited ${u.code}: ${u.stderr.trim().split('\n').slice(-3).join(' / ')}`,
    );
  const upOk = ups.filter((u) => u.code === 0);
  log(`  ${upOk.length}/${ENVS} up in ${seconds(allUpMs)}`);
  let answering = 0;
  for (const u of upOk) {
    const response = await throughRouter(`web-students--${u.env}.localhost`, '/api/students').catch((e) => ({
      status: e.message,
    }));
    if (response.status === 200) answering += 1;
    else failures.push(`${ENVS} at once: ${u.env} web-students /api/students answered ${response.status}`);
  }
  const memory = await containerMemory();
  const networkIds = lines(
    (await docker(['network', 'ls', '-q', '--filter', `label=${LABEL_PROJECT}=${project}`])).stdout,
  );
  const subnets = networkIds.length
    ? lines(
        (await docker(['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', ...networkIds]))
          .stdout,
      ).map((subnet) => `/${subnet.split('/')[1]}`)
    : [];
  const availableUp = await memAvailableMb();
  const loadUp = os.loadavg()[0];
  const downStarted = process.hrtime.bigint();
  const downFrom = Date.now();
  const downs = await Promise.all(
    envs.map(async (env) => ({ env, ...(await slipway(['env', 'down', env, '--json'], { cpu: true })) })),
  );
  const allDownMs = elapsedMs(downStarted);
  const downWrites = await routerWrites(downFrom, Date.now());
  for (const d of downs.filter((x) => x.code !== 0 && upOk.some((u) => u.env === x.env)))
    failures.push(`${ENVS} at once: env down ${d.env} exited ${d.code}: ${d.stderr.trim().split('\n').at(-1)}`);
  // an `up` that failed removed its own half-created environment: whatever is left counts either way
  const left = await checkNothingLeft(`${ENVS} environments down at once`);
  const availableAfter = await memAvailableMb();
  log(`  all down in ${seconds(allDownMs)}; left: ${leftText(left)}`);
  return {
    quiet,
    loadUp,
    up: upOk.length,
    failed,
    allUpMs,
    eachUpMs: upOk.map((u) => u.ms),
    answering,
    memory,
    availableBefore,
    availableUp,
    availableAfter,
    allDownMs,
    eachDownMs: downs.filter((d) => d.code === 0).map((d) => d.ms),
    left,
    upWrites,
    downWrites,
    subnets: [...new Set(subnets)],
    upCpuMs: ups.map((u) => u.cpuMs).filter((v) => v !== undefined),
    upRssMb: ups.map((u) => u.rssMb).filter((v) => v !== undefined),
    downCpuMs: downs.map((d) => d.cpuMs).filter((v) => v !== undefined),
  };
}

// --- (3) router latency -------------------------------------------------------------------------------------------

async function timeRequests(count, once, into) {
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const response = await once();
    const ms = elapsedMs(started);
    if (response.status !== 200) throw new Error(`answered ${response.status}`);
    into?.push(ms);
  }
}

async function latencyBlock() {
  log(`(3) router latency: ${REQUESTS} sequential keep-alive GETs of students/api /api/students, each way`);
  const env = 'bench-latency';
  const up = JSON.parse((await mustSlipway(['env', 'up', env, '--modules', 'students', '--json'])).stdout);
  const api = up.components.find((c) => c.id === 'students/api');
  const ip = (
    await docker([
      'inspect',
      '--format',
      `{{(index .NetworkSettings.Networks "slipway.${project}.${env}").IPAddress}}`,
      api.container,
    ])
  ).stdout.trim();
  const host = `api-students--${env}.localhost`;
  // one connection each, kept alive: the latency of a request, not of a TCP handshake
  const routerAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const directAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const viaRouter = () => throughRouter(host, '/api/students', routerAgent);
  const direct = () => get({ address: ip, port: 8080, path: '/api/students', agent: directAgent });
  const quiet = await waitForQuiet('(3)');
  const samples = { router: [], direct: [] };
  try {
    await timeRequests(200, viaRouter);
    await timeRequests(200, direct);
    // interleaved blocks of 100, so that a burst of load elsewhere hits both sides alike
    for (let done = 0; done < REQUESTS; done += 100) {
      const n = Math.min(100, REQUESTS - done);
      const pair = [() => timeRequests(n, viaRouter, samples.router), () => timeRequests(n, direct, samples.direct)];
      if ((done / 100) % 2) pair.reverse();
      for (const block of pair) await block();
    }
  } catch (error) {
    failures.push(`router latency: a request failed (${error.message})`);
  } finally {
    routerAgent.destroy();
    directAgent.destroy();
  }
  const loadAfter = os.loadavg()[0];
  await mustSlipway(['env', 'down', env]);
  await checkNothingLeft(`env down ${env}`);
  const stats = (values) => ({
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    n: values.length,
  });
  return { quiet, loadAfter, ip, router: stats(samples.router), direct: stats(samples.direct) };
}

// --- the report ---------------------------------------------------------------------------------------------------

function ms(value) {
  return `${Math.abs(value) < 10 ? value.toFixed(2) : Math.round(value)} ms`;
}

function upDownTable(result) {
  const { slipway: s, rawSequential: rs, rawParallel: rp } = result.samples;
  const pick = (samples, key) => samples.map((x) => x[key]);
  const ratio = (a, b) => median(a) / median(b);
  const upRatio = ratio(pick(s, 'up'), pick(rs, 'up'));
  const downRatio = ratio(pick(s, 'down'), pick(rs, 'down'));
  const upRatioParallel = ratio(pick(s, 'up'), pick(rp, 'up'));
  const downRatioParallel = ratio(pick(s, 'down'), pick(rp, 'down'));
  const met = (r, rParallel) =>
    `${r <= 1.5 ? 'yes' : '**no**'} (against all at once: ${rParallel <= 1.5 ? 'yes' : 'no'})`;
  const clean = s.every((x) => x.left.clean);
  const rows = [
    [
      '`env up` (6 containers, readiness, 3 migrations + 2 seeds)',
      summary(pick(s, 'up')),
      summary(pick(rs, 'up')),
      summary(pick(rp, 'up')),
      `${upRatio.toFixed(2)}× (${upRatioParallel.toFixed(2)}×)`,
      '≤ 1.5×',
      met(upRatio, upRatioParallel),
    ],
    [
      '`env down`',
      summary(pick(s, 'down')),
      summary(pick(rs, 'down')),
      summary(pick(rp, 'down')),
      `${downRatio.toFixed(2)}× (${downRatioParallel.toFixed(2)}×)`,
      '≤ 1.5×, zero left',
      `time: ${met(downRatio, downRatioParallel)}; zero left: ${clean ? 'yes' : '**no**'} (after each of ${s.length})`,
    ],
  ];
  return table(
    [
      'step',
      'slipway median [min–max]',
      'raw docker, slipway’s order',
      'raw docker, all at once',
      'slipway / raw (/ all at once)',
      'target',
      'met?',
    ],
    rows,
  );
}

function ratioOfMin(a, b, key) {
  return `${(Math.min(...a.map((x) => x[key])) / Math.min(...b.map((x) => x[key]))).toFixed(2)}×`;
}

function phasesTable(result) {
  const s = result.samples.slipway.map((x) => x.phases);
  const r = result.samples.rawSequential.map((x) => x.phases);
  const keys = Object.keys(s[0]);
  const rows = keys.map((key) => {
    const rawKey = key.startsWith('start-up') ? 'network, volumes' : key;
    const rawValues = r.map((p) => p[rawKey]).filter((v) => v !== undefined);
    return [key, summary(s.map((p) => p[key])), rawValues.length ? summary(rawValues) : '–'];
  });
  return table(['phase of `env up`', 'slipway', 'raw docker, slipway’s order'], rows);
}

function manyTable(m) {
  const each = (kind) => {
    const k = m.memory.byKind[kind];
    return k ? `${kind} ${mb(k.rss)} / ${mb(k.pss)} / ${mb(k.stats)}` : `${kind} –`;
  };
  const rows = [
    ['environments up at once', `${m.up} of ${ENVS} (${m.up * 3} containers + the router)`],
    [
      `time until all are up (${ENVS} \`env up\` processes launched together)`,
      `${seconds(m.allUpMs)} (each: ${summary(m.eachUpMs)})`,
    ],
    ['answer 200 through the router (`web-students--b<i>` `/api/students`)', `${m.answering} of ${m.up}`],
    [
      `memory of the ${m.memory.containers} containers: sum of RSS / sum of PSS / \`docker stats\``,
      `${mb(m.memory.rss)} / ${mb(m.memory.pss)} / ${mb(m.memory.stats)}`,
    ],
    [
      'the same, per container (median): RSS / PSS / `docker stats`',
      ['db', 'api', 'web', 'router'].map(each).join('; '),
    ],
    [
      'host MemAvailable: before / all up / after down',
      `${mb(m.availableBefore)} / ${mb(m.availableUp)} / ${mb(m.availableAfter)} (${mb(m.availableBefore - m.availableUp)} less while up)`,
    ],
    ['`env down` of all at once', `${seconds(m.allDownMs)} (each: ${summary(m.eachDownMs)})`],
    [
      'slipway’s own processes: CPU per `env up` (sum over all) / peak RSS; CPU per `env down`',
      m.upCpuMs.length
        ? `${cpu(m.upCpuMs)} (${seconds(m.upCpuMs.reduce((a, b) => a + b, 0))}) / ${mb(median(m.upRssMb))}; ${cpu(m.downCpuMs)}`
        : 'n/a (no /usr/bin/time)',
    ],
    [
      'router config changes sent / applied (the rest were refused on a stale ETag and re-planned): during the ups; the downs',
      `${m.upWrites.sent} / ${m.upWrites.applied}; ${m.downWrites.sent} / ${m.downWrites.applied}`,
    ],
    ['left after down', `${leftText(m.left)} ${m.left.clean ? '(met)' : '(**not met**)'}`],
  ];
  return table(['measure', 'value'], rows);
}

function latencyTable(l) {
  const row = (name, s) => [name, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.mean)];
  return table(
    ['path (keep-alive, sequential)', 'p50', 'p90', 'p99', 'mean'],
    [
      row(`router: 127.0.0.1:${ROUTER_PORT}, Host \`api-students--bench-latency.localhost\``, l.router),
      row(`direct: the container’s IP, ${l.ip}:8080`, l.direct),
      [
        '**added by the router**',
        ms(l.router.p50 - l.direct.p50),
        ms(l.router.p90 - l.direct.p90),
        ms(l.router.p99 - l.direct.p99),
        ms(l.router.mean - l.direct.mean),
      ],
    ],
  );
}

async function writeSection(section) {
  let text = existsSync(RESULTS) ? await readFile(RESULTS, 'utf8') : '# Benchmarks\n';
  const all = text.split('\n');
  const start = all.findIndex((l) => /^## env\s*$/.test(l));
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

function loadText(quiet, after, when = 'at its end') {
  return `${quiet.load.toFixed(2)}${quiet.waited ? ` (after waiting ${quiet.waited} s)` : ''}${quiet.quiet ? '' : ' — **above 1.5, noisy**'}, ${after.toFixed(2)} ${when}`;
}

// --- the bench ----------------------------------------------------------------------------------------------------

async function preflight() {
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  if (!existsSync(DOCKER)) throw new Error(`${DOCKER} is missing: apt-get install -y docker.io`);
  for (const image of ['node:20-bookworm-slim', 'postgres:15-bookworm']) {
    const found = await run(DOCKER, ['image', 'inspect', '--format', '{{.Id}}', image]);
    if (found.code !== 0) throw new Error(`the base image ${image} is not on the engine (nothing can be pulled)`);
  }
  routerWasThere = (await run(DOCKER, ['inspect', ROUTER])).code === 0;
  if (routerWasThere) log(`note: ${ROUTER} already exists; the bench uses it and leaves it in place`);
}

async function main() {
  await preflight();
  const started = Date.now();
  const host = await machine();
  await makeRepo();
  log(`bench project ${project} in ${workDir}`);
  const build = await mustSlipway(['build', '--json']);
  log(`slipway build (6 images): ${seconds(build.ms)}`);

  const upDown = await upDownBlock();
  const many = await manyBlock();
  const latency = await latencyBlock();

  const date = new Date().toISOString().slice(0, 10);
  const s = upDown.samples;
  const phaseNote = (() => {
    const p = s.slipway.map((x) => x.phases);
    const startup = median(p.map((x) => x['start-up, config, lock, router, network']));
    return seconds(startup);
  })();
  const tables = [upDownTable(upDown), '', phasesTable(upDown), '', manyTable(many), '', latencyTable(latency)].join(
    '\n',
  );
  const section = [
    '## env',
    '',
    `\`node bench/env/run.mjs\`, ${date}. Machine: ${host.cores} cores (${host.cpu}), ${host.memoryGb} GB RAM, ` +
      `Linux ${host.kernel} (cgroup v${host.cgroup}), Node ${host.node}, Docker engine ${host.engine} ` +
      '(userland proxy on: published ports go through `docker-proxy`).',
    '',
    `Load average (1 min) at the start of each block (the bench waits up to ${QUIET_WAIT_MS / 1000} s for < ${QUIET_LOAD}): ` +
      `(1) ${loadText(upDown.quiet, upDown.loadAfter)}; (2) ${loadText(many.quiet, many.loadUp, 'with all up (its own load)')}; ` +
      `(3) ${loadText(latency.quiet, latency.loadAfter)}.`,
    '',
    '### (1) `env up` / `env down` against a raw docker script',
    '',
    'Method: the example app (`examples/scolarite`: 2 modules × front, back, PostgreSQL storage) in a temp git repo ' +
      `with its own project name and router on 127.0.0.1:${ROUTER_PORT}, images built once (\`slipway build\`). ` +
      '**slipway**: `node bin/slipway.js env up bench-<n> --json` then `env down bench-<n> --json` (wall time of each ' +
      'process, Node start-up included); after `up` the bench GETs `/api/<module>` of both fronts through the router ' +
      '(front → router → back → database), after `down` it checks that no container, network, volume (label ' +
      `\`${LABEL_PROJECT}=<project>\`) or router route of the project is left. **raw docker**: what a pipeline ` +
      `script does by hand with \`${DOCKER}\` (argv, no shell): \`network create\`, \`volume create\` per database, ` +
      '`docker run -d` of the same six images with the variables slipway gave its containers (read back with ' +
      '`docker inspect`, less the image’s own), the same aliases, the same readiness polling (`docker exec ' +
      'pg_isready` for the databases, `GET /healthz` on the container’s IP for the others, every 100 ms), the ' +
      'migrations and seed files through `docker exec psql --single-transaction -f`, then `docker rm -f`, ' +
      '`network rm`, `volume rm`. Without a router, its HTTP dependencies are reached directly ' +
      '(`STUDENTS_API_URL=http://students-api:8080` where slipway gives `http://students-api`, port 80 of the ' +
      'router). “slipway’s order” starts each component and waits for it before the next (as slipway does); “all at ' +
      `once” starts all six, then waits for them together. ${RUNS} runs each, interleaved (the order alternates), ` +
      'after one untimed warm-up of each; median [min–max].',
    '',
    upDownTable(upDown),
    '',
    'Where the time of `env up` goes (from the timestamps of slipway’s progress lines; a component’s time runs from ' +
      'its `starting` line to the next one: create, start, readiness, migrations, router switch):',
    '',
    phasesTable(upDown),
    '',
    `### (2) ${ENVS} environments up at once`,
    '',
    `Method: ${ENVS} \`slipway env up b<i> --modules students --json\` processes launched together (3 containers each: ` +
      'students/db with its migrations and seed, students/api, students/web), timed until the last exits; then a GET ' +
      'of `/api/students` on each front through the router; memory: the RSS and PSS of every process in each ' +
      'container’s cgroup (`/proc/<pid>/smaps_rollup`; RSS counts shared pages such as the node binary and ' +
      'PostgreSQL’s shared memory in every process, PSS splits them, so the PSS sum is the honest total), ' +
      '`docker stats --no-stream` (the cgroup’s charge less page cache: file pages are charged to the first ' +
      'container that read them, so it undercounts) and the drop of `/proc/meminfo` MemAvailable; then all ' +
      '`env down` together, and the leftover check.',
    '',
    manyTable(many),
    '',
    '### (3) the router’s added latency',
    '',
    `Method: one environment (students module), ${REQUESTS} sequential GETs of \`/api/students\` (8 rows from ` +
      'PostgreSQL) each way over one keep-alive connection, in interleaved blocks of 100 after 200 warm-up requests ' +
      `each: through the router (\`127.0.0.1:${ROUTER_PORT}\` with the preview Host header: docker-proxy, Caddy, ` +
      'the bridge network) against the same container’s IP on its port 8080 from the host (no port published).',
    '',
    latencyTable(latency),
    '',
    'Notes:',
    '',
    `- First \`env up\` of the run, which also creates and starts the router container: ${seconds(upDown.first.up)} ` +
      `(later ones: ${summary(s.slipway.map((x) => x.up))}).`,
    `- Under a varying load the medians move a lot from run to run; the fastest runs are the least disturbed: ` +
      `slipway’s fastest \`up\` / the raw script’s fastest (slipway’s order) ${ratioOfMin(s.slipway, s.rawSequential, 'up')}, ` +
      `(all at once) ${ratioOfMin(s.slipway, s.rawParallel, 'up')}; \`down\`: ${ratioOfMin(s.slipway, s.rawSequential, 'down')} ` +
      `and ${ratioOfMin(s.slipway, s.rawParallel, 'down')}.`,
    ...(s.slipway[0].upCpuMs !== undefined
      ? [
          `- CPU used by the \`slipway env up\` process itself: ${cpu(s.slipway.map((x) => x.upCpuMs))} ` +
            `(median), peak RSS ${mb(median(s.slipway.map((x) => x.upRssMb)))}; the rest of its wall time is the ` +
            'engine and the containers starting.',
        ]
      : []),
    `- slipway’s fixed cost before the first container starts (Node, the CLI, loading slipway.config.ts, reading ` +
      `the environments, the lock, \`router.ensure\`, the network): ${phaseNote}. \`slipway build\` of the six ` +
      `images (cached layers) before the bench: ${seconds(build.ms)}.`,
    `- The raw script is a docker CLI script: ${median(s.rawSequential.map((x) => x.calls))} CLI calls per \`up\` ` +
      `(median, in slipway’s order; most are \`docker exec pg_isready\` polls), each a process start plus an API ` +
      `round trip: one \`docker version\` takes ${ms(upDown.cliMs)} here. slipway talks to the engine’s API over ` +
      'one socket from one process, which is why it can beat the same steps done through the CLI.',
    '- slipway does more than the raw script for the same result: it records each migration in a ' +
      '`slipway_migrations` table (one `psql` for the table, one to read it, an `ls` and a `sha256sum` per file), ' +
      'writes the environment record (a never-started container), connects the router to the network and ' +
      'switches two routes per HTTP component. `env down` stops containers with SIGTERM (graceful, up to 10 s) ' +
      'where the raw script kills them (`rm -f`), and removes routes and the router’s attachment.',
    `- ${ENVS} at once: the ${many.upCpuMs.length ? `${ENVS} slipway processes used ${seconds(many.upCpuMs.reduce((a, b) => a + b, 0))} of CPU together; the rest of the ` : ''}` +
      `${seconds(many.allUpMs)} on ${host.cores} cores went to ${ENVS} PostgreSQL initialisations (initdb), ` +
      `${2 * ENVS} Node starts, the engine, and the other work on the machine. The router’s config is edited ` +
      'with If-Match on its ETag: concurrent writers collide, are refused (412) and re-plan on fresh state, hence ' +
      `more changes sent than applied; each applied change makes Caddy reload its whole config (${2 * ENVS} ` +
      'routes at the peak).',
    `- How many environments fit: memory is not the limit (about ${mb(many.memory.pss / Math.max(1, many.up))} ` +
      `PSS per students-only environment); addresses can be. Each environment’s network got a ` +
      `${many.subnets.join(', ') || '?'} subnet here, from the engine’s address pool. With Docker’s default pools ` +
      'each takes a /16 or a /20 and the engine runs out at 31 bridge networks in all (`bridge` and every router ' +
      'included): `scripts/machine-setup.sh` starts dockerd with `--default-address-pool base=172.28.0.0/14,size=24` ' +
      '(about a thousand /24s); on an engine without it, 31 less its other bridge networks is the most.',
    `- Total bench time: ${seconds(Date.now() - started)}, of which ${totalWaited} s waiting for the load to drop.`,
    ...(failures.length ? ['', '**Correctness failures:**', '', ...failures.map((f) => `- ${f}`)] : []),
  ].join('\n');

  process.stdout.write(`\n${tables}\n\n`);
  if (!flags['no-write']) {
    await writeSection(section);
    log(`wrote the "## env" section of ${path.relative(process.cwd(), RESULTS) || RESULTS}`);
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

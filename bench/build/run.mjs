// Times `slipway build` against a plain `docker build` loop over a generated 30-component monorepo:
// (a) nothing changed, (b) one component changed, (c) a fresh CI runner whose images are already in the registry.
// Run `npm run build && node bench/build/run.mjs`; it prints a table and rewrites the "## build" section of
// bench/RESULTS.md. Exits 1 when slipway builds the wrong set of components, never because of a timing.
/* global fetch, Response */
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SLIPWAY = path.join(ROOT, 'bin', 'slipway.js');
const RESULTS = path.join(ROOT, 'bench', 'RESULTS.md');
// Debian's 20.10 CLI: it drives BuildKit itself with DOCKER_BUILDKIT=1 (the newer CLI first on PATH wants buildx)
const DOCKER = '/usr/bin/docker';
const TIME = '/usr/bin/time';
const REGISTRY = '127.0.0.1:5000';
const BASE_IMAGE = 'node:20-bookworm-slim';
const MODULES = 10;
const COMPONENTS = [
  { name: 'web', kind: 'front', port: 8080 },
  { name: 'api', kind: 'back', port: 8080 },
  { name: 'db', kind: 'storage' },
];
const CHANGED = 'm05/api';
const LABEL_PROJECT = 'dev.slipway.project';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'cold-runs': { type: 'string', default: '3' },
    'no-write': { type: 'boolean', default: false },
    // keeps the generated repo and slipway's images, to profile a run in it
    keep: { type: 'boolean', default: false },
  },
});
const RUNS = Number(flags.runs);
const COLD_RUNS = Number(flags['cold-runs']);

const project = `bench-${randomBytes(3).toString('hex')}`;
const ids = [];
for (let m = 1; m <= MODULES; m++)
  for (const c of COMPONENTS) ids.push({ id: `m${String(m).padStart(2, '0')}/${c.name}`, ...c });

let workDir;
const loopImageIds = new Set();
const failures = [];

function log(line) {
  process.stderr.write(`${line}\n`);
}

/** Runs an argv (never a shell string); resolves with the exit code, the output and the wall time in ms. */
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
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ms: Number(process.hrtime.bigint() - started) / 1e6,
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

function git(args) {
  return mustRun('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@127.0.0.1', ...args], { cwd: workDir });
}

// --- the generated monorepo ---------------------------------------------------------------------------------------

function configSource() {
  const modules = [];
  for (let m = 1; m <= MODULES; m++) {
    const name = `m${String(m).padStart(2, '0')}`;
    const components = COMPONENTS.map(
      (c) =>
        `        ${c.name}: { kind: '${c.kind}', context: '${name}/${c.name}'${c.port ? `, port: ${c.port}` : ''} },`,
    );
    modules.push(`    ${name}: {\n      components: {\n${components.join('\n')}\n      },\n    },`);
  }
  return [
    "import { defineConfig } from 'slipway';",
    '',
    'export default defineConfig({',
    `  project: '${project}',`,
    `  registry: { url: '${REGISTRY}' },`,
    '  modules: {',
    ...modules,
    '  },',
    '});',
    '',
  ].join('\n');
}

function appSource(id, revision) {
  return [
    `// ${id}: a tiny HTTP service (revision ${revision})`,
    "import { createServer } from 'node:http';",
    '',
    'const port = Number(process.env.PORT ?? 8080);',
    'createServer((request, response) => {',
    "  if (request.url === '/healthz') return response.end('ok');",
    `  response.end(JSON.stringify({ component: '${id}', revision: ${revision} }));`,
    '}).listen(port);',
    '',
  ].join('\n');
}

async function generateRepo() {
  workDir = await mkdtemp(path.join(os.tmpdir(), `${project}-`));
  await writeFile(path.join(workDir, 'slipway.config.ts'), configSource());
  await writeFile(path.join(workDir, '.gitignore'), '.slipway/\n');
  for (const c of ids) {
    const dir = path.join(workDir, c.id);
    await mkdir(path.join(dir, 'src'), { recursive: true });
    await writeFile(
      path.join(dir, 'Dockerfile'),
      [
        `FROM ${BASE_IMAGE}`,
        'WORKDIR /app',
        'COPY package.json ./',
        'COPY src ./src',
        'CMD ["node", "src/index.js"]',
        '',
      ].join('\n'),
    );
    const pkg = { name: `${project}-${c.id.replace('/', '-')}`, version: '1.0.0', private: true, type: 'module' };
    await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    await writeFile(path.join(dir, 'src', 'index.js'), appSource(c.id, 0));
  }
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', 'bench: 30 components']);
}

let revision = 0;
/** Edits the changed back's source and commits it, as a merge request would. */
async function changeOneComponent() {
  revision += 1;
  await writeFile(path.join(workDir, CHANGED, 'src', 'index.js'), appSource(CHANGED, revision));
  await git(['commit', '-q', '-am', `bench: change ${CHANGED} (${revision})`]);
}

// --- the two contenders -------------------------------------------------------------------------------------------

/** One `slipway build --json` (plus `--push`), under /usr/bin/time for the peak RSS when it is installed. */
async function slipway(extra = [], env = {}) {
  const rssFile = path.join(workDir, '..', `${project}.rss`);
  const argv = [process.execPath, SLIPWAY, 'build', '--json', ...extra];
  const withTime = existsSync(TIME);
  const result = withTime
    ? await run(TIME, ['-f', '%M', '-o', rssFile, ...argv], { cwd: workDir, env })
    : await run(argv[0], argv.slice(1), { cwd: workDir, env });
  if (result.code !== 0) throw new Error(`slipway build ${extra.join(' ')} exited ${result.code}:\n${result.stderr}`);
  const report = JSON.parse(result.stdout);
  const rssKb = withTime ? Number((await readFile(rssFile, 'utf8')).trim().split('\n').pop()) : undefined;
  return { ms: result.ms, rssMb: rssKb ? rssKb / 1024 : undefined, built: report.components.filter((c) => c.built) };
}

/** The naive CI script: `docker build -q -t <name> <context>` for each component, one after the other. */
async function dockerLoop(builder) {
  const env = { DOCKER_BUILDKIT: builder === 'buildkit' ? '1' : '0' };
  const started = process.hrtime.bigint();
  for (const c of ids) {
    const tag = `${project}-loop/${c.id.replace('/', '-')}:${builder}`;
    const result = await mustRun(DOCKER, ['build', '-q', '-t', tag, path.join(workDir, c.id)], { env });
    loopImageIds.add(result.stdout.trim());
  }
  return { ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

async function repeat(label, count, warmUp, once) {
  const samples = [];
  for (let i = warmUp ? -1 : 0; i < count; i++) {
    const sample = await once(i);
    if (i >= 0) samples.push(sample);
    log(`  ${label} ${i < 0 ? 'warm-up' : `run ${i + 1}/${count}`}: ${seconds(sample.ms)}`);
  }
  return samples;
}

// --- engine state -------------------------------------------------------------------------------------------------

async function removeImages(imageIds) {
  const list = [...imageIds].filter(Boolean);
  // --force: an image can carry several tags; errors for already removed images are expected
  for (let i = 0; i < list.length; i += 50) await run(DOCKER, ['image', 'rm', '--force', ...list.slice(i, i + 50)]);
}

async function projectImageIds() {
  const result = await mustRun(DOCKER, [
    'image',
    'ls',
    '--quiet',
    '--no-trunc',
    '--filter',
    `label=${LABEL_PROJECT}=${project}`,
  ]);
  return new Set(result.stdout.split('\n').filter(Boolean));
}

/** A fresh CI runner: none of the bench's images on the engine, and an empty BuildKit cache (engine-wide!). */
async function emptyEngine() {
  await removeImages(await projectImageIds());
  await removeImages(loopImageIds);
  await mustRun(DOCKER, ['builder', 'prune', '--all', '--force']);
}

async function cleanUp() {
  if (!workDir) return;
  await removeImages(loopImageIds);
  await rm(path.join(workDir, '..', `${project}.rss`), { force: true });
  if (flags.keep) {
    log(`kept ${workDir} and its images; to remove them later:`);
    log(`  rm -rf ${workDir}`);
    log(`  ${DOCKER} image rm -f $(${DOCKER} image ls -q --filter label=${LABEL_PROJECT}=${project} | sort -u)`);
    return;
  }
  log('cleaning up: the bench images on the engine and the temp repo (registry content stays)');
  await removeImages(await projectImageIds().catch(() => new Set()));
  await rm(workDir, { recursive: true, force: true });
  workDir = undefined;
}

// --- numbers and the report ---------------------------------------------------------------------------------------

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function seconds(ms) {
  const s = ms / 1000;
  return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
}

function summary(samples) {
  if (!samples || samples.length === 0) return '–';
  const ms = samples.map((s) => s.ms);
  if (ms.length === 1) return seconds(ms[0]);
  return `${seconds(median(ms))} [${seconds(Math.min(...ms)).replace(' s', '')}–${seconds(Math.max(...ms))}]`;
}

function peakRss(samples) {
  const rss = samples.map((s) => s.rssMb).filter((v) => v !== undefined);
  return rss.length ? `${Math.round(Math.max(...rss))} MB` : 'n/a';
}

function checkBuilt(scenario, samples, expected) {
  for (const [i, s] of samples.entries()) {
    const got = s.built.map((c) => c.id).sort();
    if (JSON.stringify(got) !== JSON.stringify(expected))
      failures.push(
        `${scenario} run ${i + 1}: expected ${expected.length ? expected.join(', ') : 'nothing'} built, got ${got.length ? got.join(', ') : 'nothing'}`,
      );
  }
}

async function machine() {
  const cpus = os.cpus();
  const engine = await run(DOCKER, ['version', '--format', '{{.Server.Version}}']);
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    engine: engine.stdout.trim() || 'unknown',
    kernel: os.release(),
  };
}

function table(rows) {
  const header = [
    'scenario',
    'slipway median [min–max]',
    'docker BuildKit loop',
    'docker classic loop',
    'slipway peak RSS',
    'target',
    'met?',
  ];
  const lines = [header, header.map(() => '---')];
  for (const r of rows) lines.push([r.scenario, r.slipway, r.buildkit, r.classic, r.rss, r.target, r.met]);
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

async function writeSection(section) {
  let text = existsSync(RESULTS) ? await readFile(RESULTS, 'utf8') : '# Benchmarks\n';
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^## build\s*$/.test(l));
  if (start < 0) {
    text = `${text.replace(/\n*$/, '')}\n\n${section}\n`;
  } else {
    let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    if (end < 0) end = lines.length;
    const after = lines.slice(end).join('\n');
    text = `${[...lines.slice(0, start), ...section.split('\n')].join('\n')}\n${after ? `\n${after}` : ''}`;
  }
  await writeFile(RESULTS, text.replace(/\n*$/, '\n'));
}

// --- the bench ----------------------------------------------------------------------------------------------------

async function preflight() {
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  if (!existsSync(DOCKER)) throw new Error(`${DOCKER} is missing: apt-get install -y docker.io`);
  const base = await run(DOCKER, ['image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE]);
  if (base.code !== 0) throw new Error(`the base image ${BASE_IMAGE} is not on the engine (nothing can be pulled)`);
  const registry = await fetch(`http://${REGISTRY}/v2/`).catch((error) => error);
  if (!(registry instanceof Response) || !registry.ok) throw new Error(`no registry answers on ${REGISTRY}`);
}

async function main() {
  await preflight();
  const started = Date.now();
  const host = await machine();
  const loadBefore = os.loadavg()[0];
  if (loadBefore > host.cores)
    log(`warning: load average ${loadBefore.toFixed(1)} on ${host.cores} cores; the timings will be noisy`);
  await generateRepo();
  log(`bench project ${project} in ${workDir}: ${ids.length} components, ${RUNS} timed runs per scenario`);

  log('process start-up, for reference');
  const nodeStart = await repeat('node -e 0', RUNS, true, () => mustRun(process.execPath, ['-e', '0']));
  const cliStart = await repeat('slipway --help', RUNS, true, () => mustRun(process.execPath, [SLIPWAY, '--help']));

  log('first build (30 images)');
  const first = await slipway();
  log(`  slipway: ${seconds(first.ms)}, ${first.built.length} built`);
  const firstLoop = await dockerLoop('buildkit');
  log(`  docker BuildKit loop: ${seconds(firstLoop.ms)}`);

  log('(a) nothing changed, warm cache');
  const a = await repeat('slipway', RUNS, true, () => slipway());
  checkBuilt('(a)', a, []);
  const aBuildkit = await repeat('docker BuildKit loop', RUNS, true, () => dockerLoop('buildkit'));
  // the classic builder's warm-up is its cold build: its cache is its own
  const aClassic = await repeat('docker classic loop', RUNS, true, () => dockerLoop('classic'));

  log(`(b) one component changed (${CHANGED}/src/index.js, committed)`);
  const bBuildkit = await repeat('docker BuildKit loop', RUNS, true, async () => {
    await changeOneComponent();
    return dockerLoop('buildkit');
  });
  // slipway last, so that (c) starts from a project whose every input has an image
  const b = await repeat('slipway', RUNS, true, async () => {
    await changeOneComponent();
    return slipway();
  });
  checkBuilt('(b)', b, [CHANGED]);
  const reasons = [...new Set(b.flatMap((s) => s.built.map((c) => c.reason)))];

  log('(c) fresh CI runner: images in the registry, nothing on the engine');
  log('  NOTE: `docker builder prune --all` empties the BuildKit cache of the whole engine, not only this bench');
  const pushed = await slipway(['--push']);
  log(`  slipway build --push (pushes the 30 images): ${seconds(pushed.ms)}, ${pushed.built.length} built`);
  if (pushed.built.length > 0) failures.push(`(c) set-up: the push run built ${pushed.built.length}, expected 0`);
  const c = await repeat('slipway --push', RUNS, false, async () => {
    await emptyEngine();
    // a fresh checkout has no .slipway/ (config cache) and a fresh install no jiti cache
    await rm(path.join(workDir, '.slipway'), { recursive: true, force: true });
    return slipway(['--push'], { JITI_REBUILD_FS_CACHE: 'true' });
  });
  checkBuilt('(c)', c, []);
  const cBuildkit = await repeat('docker BuildKit loop', COLD_RUNS, false, async () => {
    await emptyEngine();
    return dockerLoop('buildkit');
  });

  const medianOf = (samples) => median(samples.map((s) => s.ms));
  const bBuilt = b.map((s) => s.built.length);
  const rows = [
    {
      scenario: '(a) nothing changed, warm cache',
      slipway: summary(a),
      buildkit: summary(aBuildkit),
      classic: summary(aClassic),
      rss: peakRss(a),
      target: '< 0.3 s',
      met: medianOf(a) < 300 ? 'yes' : 'no',
    },
    {
      scenario: '(b) one component changed',
      slipway: summary(b),
      buildkit: summary(bBuildkit),
      classic: '–',
      rss: peakRss(b),
      target: 'exactly the changed one rebuilt',
      met: bBuilt.every((n, i) => n === 1 && b[i].built[0].id === CHANGED)
        ? `yes (${bBuilt.join(', ')} built)`
        : `**no** (${bBuilt.join(', ')} built)`,
    },
    {
      scenario: '(c) fresh CI runner, images in the registry',
      slipway: summary(c),
      buildkit: summary(cBuildkit),
      classic: '–',
      rss: peakRss(c),
      target: '< 2 s, nothing built',
      met:
        c.every((s) => s.built.length === 0) && medianOf(c) < 2000
          ? 'yes'
          : c.every((s) => s.built.length === 0)
            ? 'no (time)'
            : '**no** (built)',
    },
  ];
  const date = new Date().toISOString().slice(0, 10);
  const section = [
    '## build',
    '',
    `\`node bench/build/run.mjs\`, ${date}. Machine: ${host.cores} cores (${host.cpu}), ${host.memoryGb} GB RAM, ` +
      `Linux ${host.kernel}, Node ${host.node}, Docker engine ${host.engine}, registry on ${REGISTRY}.`,
    '',
    `Method: a generated git repo of ${MODULES} modules × 3 components (front, back, storage), each a small Node app ` +
      `(\`FROM ${BASE_IMAGE}\`, WORKDIR, COPY package.json, COPY src, CMD). slipway runs as ` +
      '`node bin/slipway.js build --json` (`--push` in (c)), under `/usr/bin/time` for its peak RSS. The docker loop ' +
      'runs `/usr/bin/docker build -q -t <name> <context>` for each of the 30 components one after the other ' +
      '(`DOCKER_BUILDKIT=1`, and `=0` for the classic builder). Wall times of the whole command; ' +
      `(a) and (b): median of ${RUNS} runs after one warm-up; (b) edits and commits \`${CHANGED}/src/index.js\` ` +
      `before each run; (c): before each run every image of the bench is removed from the engine and ` +
      '`docker builder prune --all` empties the BuildKit cache (engine-wide), `.slipway/` and the jiti cache are ' +
      `rebuilt; ${RUNS} slipway runs, ${COLD_RUNS} docker loop runs (the loop does not push; a real CI would).`,
    '',
    table(rows),
    '',
    'Notes:',
    '',
    `- (b) slipway's reason: ${reasons.map((r) => `\`${r}\``).join(', ') || '–'}.`,
    `- First build of the 30 images (empty project, \`build.concurrency\` 2): slipway ${seconds(first.ms)}; ` +
      `the docker BuildKit loop right after it ${seconds(firstLoop.ms)}. Pushing the 30 images: ` +
      `${seconds(pushed.ms)}.`,
    '- The base image stays on the engine in (c): slipway needs its id for the input digests, so a truly fresh ' +
      'runner pulls it first, as the docker loop would.',
    `- Fixed costs inside slipway's time: starting Node (\`node -e 0\`) ${summary(nodeStart)}; ` +
      `\`slipway --help\` (Node plus the CLI's modules) ${summary(cliStart)}. ` +
      'Profile a run with `node --cpu-prof bin/slipway.js build` in the generated repo to see the rest.',
    `- Load average (1 min) at the start and the end: ${loadBefore.toFixed(1)} and ${os.loadavg()[0].toFixed(1)} ` +
      `on ${host.cores} cores. Other work on the machine or the engine skews the numbers; run it on an idle machine.`,
    ...(failures.length ? ['', '**Correctness failures:**', '', ...failures.map((f) => `- ${f}`)] : []),
    '',
    `Total bench time: ${seconds(Date.now() - started)}.`,
  ].join('\n');

  process.stdout.write(`\n${table(rows)}\n\n`);
  if (!flags['no-write']) {
    await writeSection(section);
    log(`wrote the "## build" section of ${path.relative(process.cwd(), RESULTS) || RESULTS}`);
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

// Given the example app in preview environments behind the router and a real k6, when `slipway loadtest` runs, then
// a healthy run passes, a config threshold it cannot meet fails it with exit 1, a 50 ms delay injected in
// students/api is caught against a baseline (stored, or the same script on the target branch's environment), and
// bad input (unknown or not-ready environment, broken script, k6 missing or crashing, refused connections) fails
// with a clear message, its exit code, and no report left behind.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findK6 } from '../../loadtest/k6.js';
import type { LoadtestResult } from '../../loadtest/result.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { docker, inCi, removeProjectImages, shouldRunEngineTests } from '../helpers/engine.js';
import { copyExample, git, makeProject, REPO_ROOT, type TempProject } from '../helpers/project.js';

const ROUTER_PORT = 18780;
const ADMIN_PORT = 12780;
const ROUTER = `slipway-router-${ROUTER_PORT}`;
const JUNIT_XSD = path.resolve(REPO_ROOT, '../shared/schemas/junit.xsd');

function installedK6(): string | undefined {
  try {
    return findK6(undefined, process.env);
  } catch {
    return undefined;
  }
}
const k6 = installedK6();

/** Lists students through students/api (the back that gets the delay) and checks grades/web's health. */
const STUDENTS_SCRIPT = `import http from 'k6/http';
import { check } from 'k6';

export const options = { thresholds: { http_req_failed: ['rate<0.01'] } };

export default function () {
  const students = http.get(\`\${__ENV.SLIPWAY_URL_STUDENTS_API}/api/students\`);
  check(students, { 'students listed': (r) => r.status === 200 && r.json().length > 0 });
  check(http.get(\`\${__ENV.SLIPWAY_URL_GRADES_WEB}/healthz\`), { 'grades/web healthy': (r) => r.status === 200 });
}
`;

/**
 * The loadtest settings live in their own config file, which spreads the project's: `env up` validates
 * slipway.config.ts against the main schema, and `--config` points loadtest at this one.
 */
function loadtestConfig(block: string): string {
  return `import base from './slipway.config.ts';\nexport default { ...base, loadtest: ${block} };\n`;
}

/** The same bounded load for the baseline and the delayed run: 20 iterations/s (40 requests/s) for 6 s. */
const LOAD = ['--script', 'loadtest/students.js', '--rate', '20', '--vus', '5', '--duration', '6s'];

describe.runIf((await shouldRunEngineTests()) && (k6 !== undefined || inCi))('slipway loadtest with real k6', () => {
  let example: TempProject;
  let env: NodeJS.ProcessEnv;
  let reports: string;

  const loadtest = (args: string[], config = 'lt.config.ts'): Promise<CliRun> =>
    runCli(['loadtest', ...args, '--config', config, '--json'], { cwd: example.dir, env });

  function expectNoReports(): void {
    for (const file of ['report.json', 'report.md', 'junit.xml'])
      expect(existsSync(path.join(reports, file))).toBe(false);
  }

  beforeAll(async () => {
    if (!k6) throw new Error('k6 is missing: run scripts/install-k6.sh (CI must not skip the load tests)');
    example = await copyExample('lt');
    reports = path.join(example.dir, '.slipway/loadtest');
    const configFile = path.join(example.dir, 'slipway.config.ts');
    await writeFile(
      configFile,
      (await readFile(configFile, 'utf8')).replace(
        "registry: { url: '127.0.0.1:5000' },",
        `registry: { url: '127.0.0.1:5000' },\n  router: { port: ${ROUTER_PORT}, adminPort: ${ADMIN_PORT} },\n  preview: { drainSeconds: 0 },`,
      ),
    );
    await mkdir(path.join(example.dir, 'loadtest'));
    await writeFile(path.join(example.dir, 'loadtest/students.js'), STUDENTS_SCRIPT);
    // p95 and p99 may get 20 and 40 ms worse: wide enough for a busy CI machine, narrow enough for a 50 ms delay
    await writeFile(
      path.join(example.dir, 'lt.config.ts'),
      loadtestConfig(`{ duration: '3s', tolerance: { p95: 20, p99: 40 } }`),
    );
    await writeFile(
      path.join(example.dir, 'lt-strict.config.ts'),
      loadtestConfig(`{ duration: '2s', thresholds: { http_req_duration: ['p(95)<0.001'] } }`),
    );
    git(example.dir, 'add', '-A');
    git(example.dir, 'commit', '-qm', 'test: router ports and load test settings');
    env = { SLIPWAY_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'slipway-state-')) };
    const build = await runCli(['build'], { cwd: example.dir, env });
    expect(build.code, build.stderr).toBe(0);
    const up = await runCli(['env', 'up', 'main'], { cwd: example.dir, env });
    expect(up.code, up.stderr).toBe(0);
  });

  afterAll(async () => {
    if (example) {
      for (const branch of ['main', 'slow']) await runCli(['env', 'down', branch], { cwd: example.dir, env });
      await removeProjectImages(example.project);
      await example.cleanup();
    }
    if (env?.SLIPWAY_STATE_DIR) await rm(env.SLIPWAY_STATE_DIR, { recursive: true, force: true });
    const router = docker.getContainer(ROUTER);
    await router.remove({ force: true }).catch(() => undefined);
    await docker
      .getNetwork(ROUTER)
      .remove()
      .catch(() => undefined);
    await docker
      .getVolume(`${ROUTER}-data`)
      .remove()
      .catch(() => undefined);
  });

  it('passes the built-in smoke test of every health path, with progress, reports and k6 log', async () => {
    const run = await loadtest(['main']);
    expect(run.code, run.stderr).toBe(0);
    const result = run.json as LoadtestResult;
    expect(result.verdict).toBe('passed');
    expect(result.k6.version).toBe('v1.8.1');
    expect(result.load).toEqual({ vus: 2, duration: '3s', rate: null });
    expect(result.thresholds.map((t) => [t.metric, t.expression, t.passed, t.source])).toEqual([
      ['checks', 'rate>0.99', true, 'script'],
      ['http_req_failed', 'rate<0.01', true, 'script'],
    ]);
    expect(result.metrics.overall.requests).toBeGreaterThan(20);
    expect(result.metrics.overall.errorRate).toBe(0);
    // every front and back was reached through its preview host, mapped to the router on 127.0.0.1
    expect(Object.keys(result.metrics.endpoints)).toEqual([
      'grades/api GET /healthz',
      'grades/web GET /healthz',
      'students/api GET /healthz',
      'students/web GET /healthz',
    ]);
    expect(run.stderr).toMatch(/main: \d+ s, \d+ requests, 0 errors/);
    const log = await readFile(result.reports.log, 'utf8');
    expect(log).toContain('http_req_duration');
    expect(log).toContain('students/api answers 200');
    expect(await readFile(result.reports.markdown, 'utf8')).toContain('## ✅ Load test passed: `main`');
    expect(JSON.parse(await readFile(result.reports.json, 'utf8'))).toEqual(result);
    execFileSync('xmllint', ['--noout', '--schema', JUNIT_XSD, result.reports.junit], { stdio: 'pipe' });
    // the per-request samples are summed up and deleted
    expect(existsSync(path.join(reports, 'work/samples.json'))).toBe(false);
  });

  it('fails with exit 1 when a threshold from the config is not met, and says which', async () => {
    const run = await loadtest(['main'], 'lt-strict.config.ts');
    expect(run.code, run.stderr).toBe(1);
    const result = run.json as LoadtestResult;
    expect(result.verdict).toBe('failed');
    const failed = result.thresholds.filter((t) => !t.passed);
    expect(failed.map((t) => [t.metric, t.expression, t.source])).toEqual([
      ['http_req_duration', 'p(95)<0.001', 'config'],
    ]);
    expect(failed[0]!.value).toBe(result.metrics.overall.p95);
    // the script's own thresholds still count, beside the config's
    expect(result.thresholds.filter((t) => t.source === 'script' && t.passed)).toHaveLength(2);
    expect(run.stderr).toContain('load test failed: threshold http_req_duration p(95)<0.001 failed');
    const junit = await readFile(result.reports.junit, 'utf8');
    expect(junit).toContain('<failure type="threshold" message="threshold http_req_duration p(95)&lt;0.001 failed');
    execFileSync('xmllint', ['--noout', '--schema', JUNIT_XSD, result.reports.junit], { stdio: 'pipe' });
    expect(await readFile(result.reports.markdown, 'utf8')).toContain('| ❌ | http_req_duration | `p(95)<0.001` |');
  });

  it('catches a 50 ms delay injected in students/api, against a stored baseline and against the target branch', async () => {
    const record = await loadtest(['main', ...LOAD, '--record-baseline']);
    expect(record.code, record.stderr).toBe(0);
    const recorded = (record.json as LoadtestResult).baselineRecorded!;
    expect(recorded).toBe(path.join(reports, 'baselines/students.json'));
    expect(Object.keys(JSON.parse(await readFile(recorded, 'utf8')).metrics.endpoints)).toEqual([
      'grades/web GET /healthz',
      'students/api GET /api/students',
    ]);

    // the delayed back: its container's env changes, so `env up` of the second branch runs it with DELAY_MS=50
    const configFile = path.join(example.dir, 'slipway.config.ts');
    const config = await readFile(configFile, 'utf8');
    const at = config.indexOf("context: 'students/api'");
    await writeFile(configFile, config.slice(0, at) + config.slice(at).replace("DELAY_MS: '0'", "DELAY_MS: '50'"));
    const up = await runCli(['env', 'up', 'slow'], { cwd: example.dir, env });
    expect(up.code, up.stderr).toBe(0);

    const stored = await loadtest(['slow', ...LOAD, '--baseline', '.slipway/loadtest/baselines/students.json']);
    expect(stored.code, stored.stderr).toBe(1);
    const result = stored.json as LoadtestResult;
    expect(result.comparison!.baseline).toMatchObject({ kind: 'file', environment: 'main', script: 'students' });
    const delayed = result.comparison!.regressions.filter((r) => r.scope === 'students/api GET /api/students');
    expect(delayed.map((r) => r.metric)).toContain('p95');
    // every request to the delayed back waits 50 ms, so its p95 cannot be below that, whatever the machine's noise
    expect(delayed.find((r) => r.metric === 'p95')!.current).toBeGreaterThanOrEqual(50);
    expect(result.failures.join('\n')).toMatch(/regression: p95 of students\/api GET \/api\/students: /);
    expect(stored.stderr).toContain('p95 of students/api GET /api/students');
    expect(await readFile(result.reports.markdown, 'utf8')).toMatch(
      /\| ❌ \| students\/api GET \/api\/students \| p95 \|/,
    );
    execFileSync('xmllint', ['--noout', '--schema', JUNIT_XSD, result.reports.junit], { stdio: 'pipe' });

    // the same script run on the target branch's environment first, then on the delayed one
    const live = await loadtest(['slow', ...LOAD, '--baseline', 'main']);
    expect(live.code, live.stderr).toBe(1);
    const liveResult = live.json as LoadtestResult;
    expect(liveResult.comparison!.baseline).toMatchObject({ kind: 'environment', name: 'main' });
    expect(
      liveResult
        .comparison!.regressions.filter((r) => r.scope === 'students/api GET /api/students')
        .map((r) => r.metric),
    ).toContain('p95');
    expect(existsSync(path.join(reports, 'k6-baseline.log'))).toBe(true);
  });

  it('answers no-baseline (exit 0) while the baseline file does not exist yet', async () => {
    const run = await loadtest(['main', '--duration', '1s', '--baseline', '.slipway/loadtest/baselines/none.json']);
    expect(run.code, run.stderr).toBe(0);
    expect((run.json as LoadtestResult).verdict).toBe('no-baseline');
    expect(run.stderr).toContain('no baseline at');
  });

  describe('bad input', () => {
    it('refuses an environment that does not exist, leaving no report of an older run', async () => {
      expect(existsSync(path.join(reports, 'report.json'))).toBe(true);
      const run = await loadtest(['no-such-branch']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error ENV_NOT_FOUND: no environment for "no-such-branch"');
      expect((run.json as { error: { fix: string } }).error.fix).toContain('slipway env ls');
      expectNoReports();
    });

    it('reports a script with a syntax error with the message k6 gives, exit 2', async () => {
      await writeFile(path.join(example.dir, 'loadtest/broken.js'), 'export default function () {\n  http.get( ;\n}\n');
      const run = await loadtest(['main', '--script', 'loadtest/broken.js']);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(
        /error LOADTEST_SCRIPT_INVALID: k6 could not run the script: .*broken\.js.*Unexpected token/,
      );
      expectNoReports();
      const missing = await loadtest(['main', '--script', 'loadtest/none.js']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('the k6 script');
    });

    it('says how to install k6 when it is missing, exit 3', async () => {
      await writeFile(path.join(example.dir, 'lt-nok6.config.ts'), loadtestConfig(`{ k6: './bin/no-such-k6' }`));
      const run = await loadtest(['main'], 'lt-nok6.config.ts');
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(
        `error TOOL_MISSING: k6 is not installed at ${path.join(example.dir, 'bin/no-such-k6')}`,
      );
      expect(run.stderr).toContain('go install go.k6.io/k6@v1.8.1');
      expectNoReports();
    });

    it('reports a k6 that dies in the middle of the run (killed, as by the OOM killer), exit 3', async () => {
      const dying = path.join(example.dir, 'bin/dying-k6');
      await mkdir(path.dirname(dying), { recursive: true });
      // the real k6, killed with SIGKILL a second into `run` (`version` answers normally)
      await writeFile(
        dying,
        `#!/bin/sh\n[ "$1" = run ] || exec ${JSON.stringify(k6)} "$@"\n${JSON.stringify(k6)} "$@" &\npid=$!\nsleep 1\nkill -KILL $pid\nwait $pid\n`,
      );
      await chmod(dying, 0o755);
      await writeFile(
        path.join(example.dir, 'lt-dying.config.ts'),
        loadtestConfig(`{ k6: './bin/dying-k6', duration: '5s' }`),
      );
      const run = await loadtest(['main'], 'lt-dying.config.ts');
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toContain('error TOOL_FAILED: k6 crashed: it exited with 137 and wrote no summary');
      expect(run.stderr).toContain('k6.log');
      expectNoReports();
    });

    it('reports a target that refuses connections, exit 3', async () => {
      await writeFile(
        path.join(example.dir, 'loadtest/refused.js'),
        "import http from 'k6/http';\nexport default function () { http.get('http://127.0.0.1:1/'); }\n",
      );
      const run = await loadtest(['main', '--script', 'loadtest/refused.js', '--duration', '1s']);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(
        /error TARGET_UNREACHABLE: every request of the load test was refused \(\d+ connections refused\)/,
      );
      expectNoReports();

      // the router itself down: found before k6 starts
      await docker.getContainer(ROUTER).stop({ t: 0 });
      try {
        const down = await loadtest(['main']);
        expect(down.code).toBe(3);
        expect(down.stderr).toContain(
          `error TARGET_UNREACHABLE: main is not reachable: 127.0.0.1:${ROUTER_PORT} refuses connections`,
        );
        expectNoReports();
      } finally {
        await docker.getContainer(ROUTER).start();
      }
    });

    it('refuses an environment that is not ready (its last env up failed), exit 2', async () => {
      const broken = await makeProject({
        'slipway.config.ts': `import { defineConfig } from 'slipway';
export default defineConfig({
  project: '__PROJECT__',
  registry: { url: '127.0.0.1:5000' },
  router: { port: ${ROUTER_PORT}, adminPort: ${ADMIN_PORT} },
  preview: { readyTimeoutSeconds: 3, drainSeconds: 0 },
  modules: { shop: { components: { api: { kind: 'back', context: 'api', port: 8080 } } } },
});
`,
        'api/Dockerfile':
          'FROM node:20-bookworm-slim\nWORKDIR /app\nCOPY server.mjs .\nUSER node\nCMD ["node", "server.mjs"]\n',
        // never healthy
        'api/server.mjs':
          "import http from 'node:http';\nhttp.createServer((req, res) => { res.writeHead(503); res.end(); }).listen(Number(process.env.PORT));\n",
      });
      try {
        expect((await runCli(['build'], { cwd: broken.dir, env })).code).toBe(0);
        const up = await runCli(['env', 'up', 'main', '--keep-failed'], { cwd: broken.dir, env });
        expect(up.code).not.toBe(0);
        const run = await runCli(['loadtest', 'main', '--json'], { cwd: broken.dir, env });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain('error ENV_NOT_READY: environment main is not ready (status failed)');
        expect(run.stderr).toContain('slipway env up main');
      } finally {
        await runCli(['env', 'down', 'main'], { cwd: broken.dir, env });
        await removeProjectImages(broken.project);
        await broken.cleanup();
      }
    });
  });
});

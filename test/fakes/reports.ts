// What earlier pipeline steps write, in the shapes slipway's commands print (gate --json, loadtest report.json,
// build manifest, env up --json), for the merge-request report's tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadtestResult } from '../../loadtest/result.js';
import type { GateSummary } from '../../pipelines/mr-report.js';

/** A failed gate: `failedLines` uncovered new lines, every other line of `src/file<n>.ts` (one range each). */
export function gateSample(options: { failedLines?: number; verdict?: GateSummary['verdict'] } = {}): GateSummary {
  const failedLines = options.failedLines ?? 3;
  const perFile = 40;
  const locations = [];
  for (let i = 0; i < failedLines; i += perFile) {
    const count = Math.min(perFile, failedLines - i);
    locations.push({
      path: `src/file${i / perFile}.ts`,
      lines: Array.from({ length: count }, (_, k) => 2 * k + 1),
      message: 'new lines not covered by any test',
    });
  }
  const verdict = options.verdict ?? (failedLines > 0 ? 'failed' : 'passed');
  return {
    verdict,
    base: 'main',
    mergeBase: '1'.repeat(40),
    head: '2'.repeat(40),
    baseline: { branch: 'main', commit: '3'.repeat(40), recordedAt: '2024-05-01T09:00:00.000Z' },
    conditions: [
      {
        id: 'new_coverage',
        scope: 'new',
        title: 'Coverage of new lines',
        value: failedLines > 0 ? 42.5 : 100,
        threshold: '>= 80',
        passed: failedLines === 0,
        judged: true,
        note: 'covered lines',
        locations: failedLines > 0 ? locations : [],
      },
      {
        id: 'new_issues',
        scope: 'new',
        title: 'New issues of severity major or above',
        value: 0,
        threshold: '<= 0',
        passed: true,
        judged: true,
        locations: [],
      },
    ],
    errors: [],
    newCode: { files: 3, lines: 120, binaryFiles: [], deletedFiles: [] },
    metrics: { 'coverage.lines': { value: 81.2, better: 'higher' } },
  };
}

const endpoint = { requests: 80, avg: 4, p95: 6, p99: 9, max: 20, errorRate: 0, throughput: 40 };

export function loadtestSample(verdict: 'passed' | 'failed' = 'passed'): LoadtestResult {
  const regressed = verdict === 'failed';
  const row = {
    scope: 'students/api GET /api/students',
    metric: 'p95' as const,
    baseline: 6,
    current: regressed ? 58 : 6.5,
    allowed: 5,
    worse: regressed ? 52 : 0.5,
    judged: true,
    regressed,
  };
  return {
    verdict,
    environment: { name: 'feature-login', branch: 'feature/login' },
    script: { kind: 'smoke', key: 'smoke', file: null },
    k6: { version: 'v1.8.1', exitCode: regressed ? 99 : 0 },
    load: { vus: 2, duration: '10s', rate: null },
    metrics: {
      durationSeconds: 10,
      overall: { ...endpoint, p95: row.current },
      endpoints: { 'students/api GET /api/students': { ...endpoint, p95: row.current } },
    },
    thresholds: [{ metric: 'http_req_failed', expression: 'rate<0.01', passed: true, source: 'config', value: 0 }],
    comparison: {
      baseline: {
        kind: 'file',
        name: 'baselines/smoke.json',
        recordedAt: '2024-04-30T10:00:00Z',
        environment: 'main',
        script: 'smoke',
      },
      rows: [row],
      regressions: regressed ? [row] : [],
      onlyInBaseline: [],
      onlyInCurrent: [],
    },
    missingBaseline: null,
    baselineRecorded: null,
    failures: regressed ? ['regression: p95 of students/api GET /api/students: 6.0 ms -> 58.0 ms'] : [],
    conditions: [
      {
        id: 'loadtest:students/api GET /api/students:p95',
        scope: 'overall',
        title: 'p95 of students/api GET /api/students against the baseline',
        value: row.current,
        threshold: '<= 11.0 ms (baseline 6.0 ms)',
        passed: !regressed,
        judged: true,
        locations: [],
      },
    ],
    reports: {
      json: '.slipway/loadtest/report.json',
      markdown: '.slipway/loadtest/report.md',
      junit: '.slipway/loadtest/junit.xml',
      log: '.slipway/loadtest/k6.log',
    },
  };
}

export function manifestSample() {
  const digest = 'd'.repeat(64);
  return {
    version: 1,
    project: 'relfix',
    commit: '2'.repeat(40),
    ref: 'feature/login',
    createdAt: '2024-05-01T10:00:00.000Z',
    pushed: true,
    components: {
      'students/api': {
        kind: 'back',
        image: `127.0.0.1:5000/relfix/students-api@sha256:${digest}`,
        repository: '127.0.0.1:5000/relfix/students-api',
        tag: 'in-aaaaaaaaaaaa',
        inputDigest: `sha256:${'a'.repeat(64)}`,
        digest: `sha256:${digest}`,
        imageId: `sha256:${'e'.repeat(64)}`,
        size: 1000,
        built: true,
        reason: 'students/api/index.js changed',
      },
      'students/web': {
        kind: 'front',
        image: `127.0.0.1:5000/relfix/students-web@sha256:${'f'.repeat(64)}`,
        repository: '127.0.0.1:5000/relfix/students-web',
        tag: 'in-bbbbbbbbbbbb',
        inputDigest: `sha256:${'b'.repeat(64)}`,
        digest: `sha256:${'f'.repeat(64)}`,
        imageId: `sha256:${'9'.repeat(64)}`,
        size: 900,
        built: false,
        reason: 'image in-bbbbbbb… exists in the registry',
      },
    },
  };
}

/** What `slipway env up feature/login --json` prints. */
export function previewSample(branch = 'feature/login', name = 'feature-login') {
  const web = `http://web-students--${name}.localhost:8080`;
  const api = `http://api-students--${name}.localhost:8080`;
  return {
    name,
    slug: name,
    branch,
    urls: { 'students/web': web, 'students/api': api },
    expiresAt: '2024-05-04T10:00:00.000Z',
    components: [
      {
        id: 'students/api',
        kind: 'back',
        version: 'in-aaaaaaaaaaaa',
        image: 'x',
        container: 'c1',
        hostname: 'students-api',
        url: api,
      },
      {
        id: 'students/web',
        kind: 'front',
        version: 'in-bbbbbbbbbbbb',
        image: 'y',
        container: 'c2',
        hostname: 'students-web',
        url: web,
      },
    ],
  };
}

function write(dir: string, file: string, value: unknown): void {
  const target = path.join(dir, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes every step's output where `slipway mr report` looks by default. */
export function writeStepOutputs(
  dir: string,
  options: { gate?: GateSummary; loadtest?: LoadtestResult; build?: unknown; preview?: unknown } = {},
): void {
  write(dir, '.slipway/gate/gate.json', options.gate ?? gateSample());
  write(dir, '.slipway/loadtest/report.json', options.loadtest ?? loadtestSample());
  write(dir, '.slipway/build.json', options.build ?? manifestSample());
  write(dir, '.slipway/preview.json', options.preview ?? previewSample());
}

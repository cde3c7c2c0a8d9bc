// End to end: a fixture repository whose .slipway/loadtest/report.json (judged from a real k6 summary by the
// load test's own code) joins the gate's verdict: a load-test regression fails the gate and shows in every report.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns } from '../../loadtest/compare.js';
import { DEFAULT_TOLERANCE } from '../../loadtest/config.js';
import {
  failureLines,
  judgeThresholds,
  loadtestConditions,
  verdictOf,
  type LoadtestResult,
} from '../../loadtest/result.js';
import { overallMetrics, parseK6Summary, type RunMetrics } from '../../loadtest/summary.js';
import type { Condition, GateResult } from '../../quality/types.js';
import { createGitRepo, runSlipway, SLIPWAY_ROOT, type GitRepo } from '../helpers/git-repo.js';
import { codeClimateErrors, junitErrors, sarifErrors } from './schemas.js';

type GateJson = Omit<GateResult, 'issues'>;

const REPORT = '.slipway/loadtest/report.json';
const FIXTURES = path.join(SLIPWAY_ROOT, 'loadtest', 'fixtures');

let repo: GitRepo;

/**
 * report.json as `slipway loadtest feat-x --baseline <file>` writes it (loadtest/run.ts): the fixture's real k6 run,
 * without the threshold its script declares to fail, compared with a baseline `slowdown` times faster.
 */
function loadtestReport(slowdown: number): string {
  const real = parseK6Summary(readFileSync(path.join(FIXTURES, 'summary-export.json'), 'utf8'));
  const summary = { ...real, thresholds: real.thresholds.filter((t) => t.expression !== 'p(99)<0.001') };
  const metrics = overallMetrics(summary);
  const { overall } = metrics;
  const baseline: RunMetrics = {
    ...metrics,
    overall: { ...overall, p95: overall.p95 / slowdown, p99: overall.p99 / slowdown },
  };
  const source = {
    kind: 'file' as const,
    name: 'base.json',
    recordedAt: undefined,
    environment: 'main',
    script: 'api',
  };
  const comparison = compareRuns(baseline, metrics, source, DEFAULT_TOLERANCE, 10);
  const thresholds = judgeThresholds(summary, {});
  const failures = failureLines(thresholds, comparison, false);
  const result: LoadtestResult = {
    verdict: verdictOf(failures, null),
    environment: { name: 'feat-x', branch: 'feat/x' },
    script: { kind: 'file', key: 'api', file: path.join(repo.dir, 'load', 'api.js') },
    k6: { version: 'v1.8.1', exitCode: failures.length > 0 ? 99 : 0 },
    load: { vus: 2, duration: null, rate: null },
    metrics,
    thresholds,
    comparison,
    missingBaseline: null,
    baselineRecorded: null,
    failures,
    conditions: loadtestConditions(thresholds, comparison),
    reports: { json: path.join(repo.dir, REPORT), markdown: '', junit: '', log: '' },
  };
  return `${JSON.stringify(result, null, 2)}\n`;
}

async function onBranch(name: string, report: string | undefined, args: string[] = []) {
  await repo.git('checkout', '--quiet', 'main');
  await repo.git('checkout', '--quiet', '-b', name);
  repo.write('src/a.ts', `export const branch = '${name}';\n`);
  await repo.commit(name);
  if (report === undefined) rmSync(path.join(repo.dir, REPORT), { force: true });
  else repo.write(REPORT, report);
  return runSlipway(['gate', '--base', 'main', '--json', ...args], repo.dir);
}

function loadtestConditionsOf(result: GateJson): Condition[] {
  return result.conditions.filter((c) => c.id.startsWith('loadtest:'));
}

beforeAll(async () => {
  repo = await createGitRepo({ prefix: 'slipway-gate-loadtest-' });
  repo.write('.gitignore', '.slipway/\n');
  repo.write('src/a.ts', "export const branch = 'main';\n");
  repo.write('load/api.js', readFileSync(path.join(FIXTURES, 'summaries.k6.js'), 'utf8'));
  await repo.commit('base');
});

afterAll(() => repo?.cleanup());

describe('slipway gate with a load-test report', () => {
  it('given a failing load-test report on the target branch, when --record runs, then the baseline ignores it', async () => {
    repo.write(REPORT, loadtestReport(3));
    const run = await runSlipway(['gate', '--record', '--json'], repo.dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('loadtest: skipped, load-test numbers are not part of the baseline');
    const metrics = run.json<{ recorded: { metrics: Record<string, unknown> } }>().recorded.metrics;
    expect(Object.keys(metrics).some((m) => m.includes('loadtest'))).toBe(false);
  });

  it('given a run slower than its baseline, when judged, then the gate fails naming the metric in every report', async () => {
    const reports = ['codeclimate', 'sarif', 'junit', 'markdown'].flatMap((f) => [`--${f}`, `reports/gate.${f}`]);
    const run = await onBranch('slower', loadtestReport(3), reports);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`loadtest: reading load-test report (${REPORT})`);
    const result = run.json<GateJson>();
    expect(result.verdict).toBe('failed');
    const failed = loadtestConditionsOf(result).filter((c) => c.judged && !c.passed);
    expect(failed.map((c) => c.id)).toEqual(['loadtest:overall:p95', 'loadtest:overall:p99']);
    expect(failed[0]).toMatchObject({
      title: 'p95 of overall against the baseline',
      threshold: expect.stringMatching(/^<= \d+\.\d ms \(baseline \d+\.\d ms\)$/),
      note: expect.stringMatching(/^load test of feat-x \(branch feat\/x\) at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      locations: [{ path: 'load/api.js', lines: [], message: expect.stringMatching(/^p95 of overall: .* worse/) }],
    });

    const read = (format: string) => readFileSync(path.join(repo.dir, 'reports', `gate.${format}`), 'utf8');
    expect(codeClimateErrors(read('codeclimate'))).toEqual([]);
    expect(sarifErrors(read('sarif'))).toEqual([]);
    expect(junitErrors(read('junit'))).toEqual([]);
    expect(JSON.parse(read('codeclimate'))).toContainEqual(
      expect.objectContaining({
        check_name: 'slipway/loadtest:overall:p95',
        location: { path: 'load/api.js', lines: { begin: 1, end: 1 } },
      }),
    );
    expect(read('sarif')).toContain('"ruleId": "loadtest:overall:p99"');
    expect(read('junit')).toContain(
      '<failure type="loadtest:overall:p95" message="p95 of overall against the baseline:',
    );
    const markdown = read('markdown');
    expect(markdown).toContain('## ❌ Quality gate failed');
    expect(markdown).toMatch(/- \*\*loadtest:overall:p95\*\* `load\/api.js`: p95 of overall: /);
  });

  it('given a run as fast as its baseline, when judged, then the gate passes with the load test judged', async () => {
    const run = await onBranch('steady', loadtestReport(1));
    expect(run.code, run.stderr).toBe(0);
    const result = run.json<GateJson>();
    expect(result.verdict).toBe('passed');
    const judged = loadtestConditionsOf(result).filter((c) => c.judged);
    expect(judged.map((c) => c.id)).toEqual(
      expect.arrayContaining(['loadtest:http_req_duration p(95)<10000', 'loadtest:overall:p95']),
    );
    expect(judged.every((c) => c.passed)).toBe(true);
  });

  it('given no load-test report, when judged, then the load test is skipped, not failed', async () => {
    const run = await onBranch('no-loadtest', undefined);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`loadtest: skipped, no load-test report at ${REPORT}`);
    expect(loadtestConditionsOf(run.json<GateJson>())).toEqual([]);
  });

  it('given a truncated report, when judged, then the verdict is error with exit 3', async () => {
    const run = await onBranch('truncated', loadtestReport(1).slice(0, 300));
    expect(run.code).toBe(3);
    const result = run.json<GateJson>();
    expect(result.verdict).toBe('error');
    expect(result.errors).toEqual([
      expect.objectContaining({
        collector: 'loadtest',
        code: 'REPORT_INVALID',
        message: expect.stringContaining('slipway loadtest report is unusable: not JSON'),
      }),
    ]);
  });
});

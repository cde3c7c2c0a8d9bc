// Given report.json as `slipway loadtest` writes it (judged from a real k6 summary by loadtest/result.ts), when the
// gate reads it, then its thresholds and baseline comparison become gate conditions that fail the verdict and
// reach every report, naming the metric and endpoint responsible.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../loadtest/compare.js';
import { DEFAULT_TOLERANCE } from '../../loadtest/config.js';
import {
  failureLines,
  judgeThresholds,
  loadtestConditions,
  verdictOf as loadtestVerdictOf,
  type LoadtestResult,
} from '../../loadtest/result.js';
import { overallMetrics, parseK6Summary, type K6Summary, type RunMetrics } from '../../loadtest/summary.js';
import { parseGateConfig } from '../config.js';
import { planGate, type ProjectFacts } from '../plan.js';
import { renderCodeClimate } from '../reporters/codeclimate.js';
import { renderJunit } from '../reporters/junit.js';
import { renderMarkdown } from '../reporters/markdown.js';
import { renderSarif } from '../reporters/sarif.js';
import type { Condition } from '../types.js';
import { exitCodeFor, judge } from '../verdict.js';
import { loadtestCollector, loadtestGateConditions, parseLoadtestReport, type ReportOrigin } from './loadtest.js';
import type { CollectContext } from './types.js';

const SLIPWAY_ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(SLIPWAY_ROOT, 'loadtest', 'fixtures');
/** A real k6 run (fixtures/produce.sh): its script declares `p(99)<0.001` so that one threshold fails. */
const SUMMARY_TEXT = readFileSync(path.join(FIXTURES, 'summary-export.json'), 'utf8');
const SUMMARY = parseK6Summary(SUMMARY_TEXT);
const IMPOSSIBLE = 'p(99)<0.001';

/** The run's overall numbers, plus its requests named `slow` as an endpoint (k6's own submetric for them). */
function measured(summary: K6Summary): RunMetrics {
  const slow = summary.metrics['http_req_duration{name:slow}']!;
  const iterations = summary.metrics.iterations!;
  const metrics = overallMetrics(summary);
  metrics.endpoints['fixture GET slow'] = {
    requests: iterations.count!,
    avg: slow.avg!,
    p95: slow['p(95)']!,
    p99: slow['p(99)']!,
    max: slow.max!,
    errorRate: 0,
    throughput: iterations.rate!,
  };
  return metrics;
}

/** The same run with its latencies scaled: a baseline the run is `factor` times slower than. */
function faster(metrics: RunMetrics, factor: number): RunMetrics {
  const scale = (m: RunMetrics['overall']) => ({ ...m, avg: m.avg / factor, p95: m.p95 / factor, p99: m.p99 / factor });
  return {
    ...metrics,
    overall: scale(metrics.overall),
    endpoints: Object.fromEntries(Object.entries(metrics.endpoints).map(([k, m]) => [k, scale(m)])),
  };
}

interface RunOptions {
  /** Drop the threshold the fixture's script declares to fail. */
  passingThresholds?: boolean;
  baseline?: RunMetrics;
  missingBaseline?: string;
  /** The script called test.fail(). */
  marked?: boolean;
  scriptFile?: string | null;
}

/** What runLoadtest (loadtest/run.ts) assembles and writes as report.json, from the fixture's summary. */
function reportJson(options: RunOptions = {}): string {
  const summary = options.passingThresholds
    ? { ...SUMMARY, thresholds: SUMMARY.thresholds.filter((t) => t.expression !== IMPOSSIBLE) }
    : SUMMARY;
  const metrics = measured(summary);
  const comparison = options.baseline
    ? compareRuns(
        options.baseline,
        metrics,
        { kind: 'file', name: 'base.json', recordedAt: undefined, environment: 'main', script: 'api' },
        DEFAULT_TOLERANCE,
        10,
      )
    : null;
  const thresholds = judgeThresholds(summary, {});
  const failures = failureLines(thresholds, comparison, options.marked ?? false);
  const result: LoadtestResult = {
    verdict: loadtestVerdictOf(failures, options.missingBaseline ?? null),
    environment: { name: 'feat-x', branch: 'feat/x' },
    script: { kind: 'file', key: 'api', file: options.scriptFile ?? null },
    k6: { version: 'v1.8.1', exitCode: failures.length > 0 ? 99 : 0 },
    load: { vus: 2, duration: null, rate: null },
    metrics,
    thresholds,
    comparison,
    missingBaseline: options.missingBaseline ?? null,
    baselineRecorded: null,
    failures,
    conditions: loadtestConditions(thresholds, comparison),
    reports: { json: 'report.json', markdown: 'report.md', junit: 'junit.xml', log: 'k6.log' },
  };
  return `${JSON.stringify(result, null, 2)}\n`;
}

const origin: ReportOrigin = {
  report: '.slipway/loadtest/report.json',
  repoRoot: SLIPWAY_ROOT,
  writtenAt: new Date('2026-05-01T10:00:00.000Z'),
};

function conditionsOf(options: RunOptions): Condition[] {
  return loadtestGateConditions(parseLoadtestReport(reportJson(options)), origin);
}

function find(conditions: Condition[], id: string): Condition {
  const found = conditions.find((c) => c.id === id);
  if (!found) throw new Error(`no condition ${id} in ${conditions.map((c) => c.id).join(', ')}`);
  return found;
}

function failedIds(conditions: Condition[]): string[] {
  return conditions.filter((c) => c.judged && !c.passed).map((c) => c.id);
}

describe('the load-test report as gate conditions', () => {
  it('given a run whose threshold failed, then that condition fails with its value and names the metric', () => {
    const conditions = conditionsOf({});
    expect(failedIds(conditions)).toEqual([`loadtest:http_req_duration ${IMPOSSIBLE}`]);
    const p99 = Number(SUMMARY.metrics.http_req_duration!['p(99)']!.toPrecision(4));
    expect(find(conditions, `loadtest:http_req_duration ${IMPOSSIBLE}`)).toEqual({
      id: `loadtest:http_req_duration ${IMPOSSIBLE}`,
      scope: 'overall',
      title: `k6 threshold http_req_duration ${IMPOSSIBLE} (script)`,
      value: p99,
      threshold: IMPOSSIBLE,
      passed: false,
      judged: true,
      note: 'load test of feat-x (branch feat/x) at 2026-05-01T10:00:00Z',
      locations: [
        {
          path: '.slipway/loadtest/report.json',
          lines: [],
          message: `threshold http_req_duration ${IMPOSSIBLE} failed (${p99})`,
        },
      ],
    });
    expect(find(conditions, 'loadtest:http_req_failed rate<0.5')).toMatchObject({ passed: true, locations: [] });
  });

  it('given a run slower than its baseline, then the regressed metrics fail naming the endpoint responsible', () => {
    const baseline = faster(measured(SUMMARY), 3);
    const conditions = conditionsOf({ passingThresholds: true, baseline });
    expect(failedIds(conditions)).toEqual([
      'loadtest:overall:p95',
      'loadtest:overall:p99',
      'loadtest:fixture GET slow:p95',
      'loadtest:fixture GET slow:p99',
    ]);
    const slow = find(conditions, 'loadtest:fixture GET slow:p95');
    expect(slow).toMatchObject({
      title: 'p95 of fixture GET slow against the baseline',
      threshold: expect.stringMatching(/^<= \d+\.\d ms \(baseline \d+\.\d ms\)$/),
      passed: false,
    });
    expect(slow.locations[0]!.message).toMatch(
      /^p95 of fixture GET slow: \d+\.\d ms -> \d+\.\d ms \(.* worse, .* allowed\)$/,
    );
    expect(find(conditions, 'loadtest:overall:errorRate')).toMatchObject({ passed: true, judged: true });
  });

  it('given a run as fast as its baseline and thresholds that hold, then every condition passes', () => {
    const conditions = conditionsOf({ passingThresholds: true, baseline: measured(SUMMARY) });
    expect(conditions.length).toBeGreaterThan(8);
    expect(failedIds(conditions)).toEqual([]);
  });

  it('given a run the script marked failed, then a loadtest:run condition fails with the reason', () => {
    const conditions = conditionsOf({ passingThresholds: true, marked: true });
    expect(find(conditions, 'loadtest:run')).toMatchObject({
      passed: false,
      judged: true,
      locations: [
        {
          path: '.slipway/loadtest/report.json',
          lines: [],
          message: 'the script marked the run as failed (test.abort() or test.fail())',
        },
      ],
    });
  });

  it('given a baseline not recorded yet, then the comparison shows as not judged, never passed', () => {
    const conditions = conditionsOf({
      passingThresholds: true,
      missingBaseline: '.slipway/loadtest/baselines/api.json',
    });
    expect(find(conditions, 'loadtest:baseline')).toMatchObject({
      judged: false,
      passed: true,
      note: expect.stringContaining('not judged: no baseline at .slipway/loadtest/baselines/api.json yet'),
    });
  });

  it('given a script file inside the repository, then failures point at the script', () => {
    const scriptFile = path.join(FIXTURES, 'summaries.k6.js');
    const conditions = conditionsOf({ scriptFile });
    expect(find(conditions, `loadtest:http_req_duration ${IMPOSSIBLE}`).locations[0]!.path).toBe(
      'loadtest/fixtures/summaries.k6.js',
    );
  });

  it.each([
    ['an empty file', '', 'slipway loadtest report is unusable: it is empty'],
    ['truncated JSON', reportJson().slice(0, 200), 'slipway loadtest report is unusable: not JSON'],
    [
      'a k6 summary instead of the report',
      SUMMARY_TEXT,
      'slipway loadtest report is unusable: it is not the report.json slipway loadtest writes (verdict:',
    ],
    [
      'a condition without its verdict',
      reportJson().replace('"passed": false,\n      "judged": true', '"judged": true'),
      'conditions.2.passed',
    ],
  ])('given %s, then it is REPORT_INVALID naming the problem', (_kind, text, message) => {
    expect(() => parseLoadtestReport(text)).toThrow(expect.objectContaining({ code: 'REPORT_INVALID' }));
    expect(() => parseLoadtestReport(text)).toThrow(message);
  });
});

describe('the gate verdict and reports with the load test', () => {
  const config = parseGateConfig(undefined, '/repo');

  function gate(loadtest: Condition[]) {
    return judge({
      newCode: { base: 'main', mergeBase: 'a'.repeat(40), head: 'b'.repeat(40), files: [] },
      metrics: { issues: [], loadtest },
      baseline: undefined,
      config: { ...config, overall: { ...config.overall, enabled: false } },
      failures: [],
      fileLines: new Map(),
    });
  }

  it('given a regression, then the gate fails (exit 1) and every report names the metric', () => {
    const result = gate(conditionsOf({ passingThresholds: true, baseline: faster(measured(SUMMARY), 3) }));
    expect(result.verdict).toBe('failed');
    expect(exitCodeFor(result.verdict)).toBe(1);
    const codeclimate = JSON.parse(renderCodeClimate(result)) as { check_name: string; description: string }[];
    expect(codeclimate).toContainEqual(
      expect.objectContaining({
        check_name: 'slipway/loadtest:overall:p95',
        description: expect.stringContaining('p95 of overall:'),
      }),
    );
    const sarif = JSON.parse(renderSarif(result)) as { runs: { results: { ruleId: string }[] }[] };
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toContain('loadtest:fixture GET slow:p99');
    expect(renderJunit(result)).toContain('<failure type="loadtest:overall:p95" message="p95 of overall against');
    expect(renderMarkdown(result)).toMatch(
      /- \*\*loadtest:fixture GET slow:p95\*\* `.slipway\/loadtest\/report.json`: p95 of fixture GET slow: /,
    );
  });

  it('given a run that held, then the gate passes', () => {
    const result = gate(conditionsOf({ passingThresholds: true, baseline: measured(SUMMARY) }));
    expect(result.verdict).toBe('passed');
  });
});

describe('the load-test step of the gate plan', () => {
  const facts: ProjectFacts = {
    projectDir: '/repo',
    repoRoot: '/repo',
    dependencies: [],
    files: [],
    bins: [],
    eslintMajor: undefined,
    bundledJscpd: undefined,
    node: '/usr/bin/node',
  };

  function plan(gate: unknown, loadtestReportExists: boolean, mode: 'check' | 'record' = 'check') {
    const planned = planGate({
      facts,
      config: parseGateConfig(gate, '/repo'),
      mode,
      changed: [],
      workDir: '/tmp/w',
      manifestExists: false,
      loadtestReportExists,
    });
    return {
      step: planned.steps.find((s) => s.collector === 'loadtest'),
      skipped: planned.skipped.find((s) => s.collector === 'loadtest')?.reason,
    };
  }

  it('given report.json, when checking, then the gate reads it; without it, the collector is skipped', () => {
    expect(plan(undefined, true).step).toMatchObject({
      report: { kind: 'file', path: '/repo/.slipway/loadtest/report.json' },
    });
    expect(plan(undefined, true).step?.command).toBeUndefined();
    expect(plan(undefined, false).skipped).toBe('no load-test report at .slipway/loadtest/report.json');
  });

  it('given a configured report path, then it is read even when absent (the collector shows it as not judged)', () => {
    expect(plan({ loadtest: { report: 'out/load.json' } }, false).step).toMatchObject({
      report: { kind: 'file', path: '/repo/out/load.json' },
    });
    expect(plan({ loadtest: { report: 'out/load.json' } }, false).step?.missing).toBeUndefined();
  });

  it('given a configured report that is absent, when collected, then the load test is not judged, never failed', async () => {
    const step = plan({ loadtest: { report: 'out/load.json' } }, false).step!;
    const context = { env: {}, projectDir: '/repo', repoRoot: '/repo' } as unknown as CollectContext;
    expect(await loadtestCollector.collect(step, context)).toEqual({
      unavailable: [
        {
          collector: 'loadtest',
          title: 'Load test',
          reason: 'no load-test report at out/load.json (run `slipway loadtest <env>` before the gate)',
        },
      ],
    });
  });

  it('given enabled: true and no report, then the step is missing (exit 3) with how to produce the report', () => {
    expect(plan({ loadtest: { enabled: true } }, false).step?.missing).toEqual({
      message: 'gate.loadtest.enabled is true but there is no load-test report at .slipway/loadtest/report.json',
      fix: 'run `slipway loadtest <env>` before the gate, or hand its report.json to this job as an artifact',
    });
  });

  it('given a command, then it runs and a failed load test (exit 1) is not a crash', () => {
    const step = plan({ loadtest: { command: ['npx', 'slipway', 'loadtest', 'feat-x'] } }, false).step;
    expect(step).toMatchObject({
      command: { file: 'npx', args: ['slipway', 'loadtest', 'feat-x'], cwd: '/repo' },
      report: { kind: 'first-file', paths: ['/repo/.slipway/loadtest/report.json'] },
      okExitCodes: [0, 1],
    });
  });

  it('given --record or enabled: false, then it is skipped: the load test keeps its own baselines', () => {
    expect(plan({ loadtest: { enabled: true } }, true, 'record').skipped).toBe(
      'load-test numbers are not part of the baseline (slipway loadtest --record-baseline)',
    );
    expect(plan({ loadtest: { enabled: false } }, true).skipped).toBe('turned off in the gate config');
  });
});

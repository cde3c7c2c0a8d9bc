// Given a judged run (thresholds from a real k6 summary, a comparison with a regression), when reported, then the
// JUnit file is valid against junit.xsd with one case per threshold, and the Markdown names what failed.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBaseline, baselinePath } from './baseline.js';
import { compareRuns } from './compare.js';
import { DEFAULT_TOLERANCE } from './config.js';
import { renderJunit, renderMarkdown } from './reports.js';
import {
  exitCodeOfVerdict,
  failureLines,
  judgeThresholds,
  loadtestConditions,
  thresholdAggregation,
  verdictOf,
  type LoadtestResult,
} from './result.js';
import { overallMetrics, parseK6Summary, type RunMetrics } from './summary.js';

const JUNIT_XSD = path.resolve(import.meta.dirname, '../../shared/schemas/junit.xsd');
const fixture = (name: string) => readFile(path.join(import.meta.dirname, 'fixtures', name), 'utf8');

async function judged(withBaseline: boolean): Promise<LoadtestResult> {
  const summary = parseK6Summary(await fixture('summary-export.json'));
  const metrics: RunMetrics = {
    ...overallMetrics(summary),
    endpoints: {
      'students/api GET /api/students': {
        requests: 80,
        avg: 55,
        p95: 58,
        p99: 61,
        max: 70,
        errorRate: 0,
        throughput: 40,
      },
    },
  };
  const baseline: RunMetrics = {
    ...metrics,
    endpoints: {
      'students/api GET /api/students': { requests: 80, avg: 4, p95: 6, p99: 9, max: 20, errorRate: 0, throughput: 40 },
    },
  };
  const comparison = withBaseline
    ? compareRuns(
        baseline,
        metrics,
        { kind: 'file', name: 'baseline.json', recordedAt: '2026-01-01T00:00:00Z', environment: 'main', script: 'api' },
        DEFAULT_TOLERANCE,
        10,
      )
    : null;
  const thresholds = judgeThresholds(summary, { http_req_duration: ['p(99)<0.001'] });
  const failures = failureLines(thresholds, comparison, false);
  return {
    verdict: verdictOf(failures, null),
    environment: { name: 'feat-x', branch: 'feat/x' },
    script: { kind: 'file', key: 'api', file: '/repo/load/api.js' },
    k6: { version: 'v1.8.1', exitCode: 99 },
    load: { vus: 5, duration: '6s', rate: 40 },
    metrics,
    thresholds,
    comparison,
    missingBaseline: null,
    baselineRecorded: null,
    failures,
    conditions: loadtestConditions(thresholds, comparison),
    reports: { json: 'r.json', markdown: 'r.md', junit: 'junit.xml', log: 'k6.log' },
  };
}

describe('load test results and reports', () => {
  let dir: string | undefined;
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('judges the thresholds of a real summary, marking which came from the config', async () => {
    const result = await judged(false);
    expect(result.thresholds.map((t) => [t.metric, t.expression, t.passed, t.source])).toEqual([
      ['checks', 'rate>0.99', true, 'script'],
      ['http_req_duration', 'p(95)<10000', true, 'script'],
      ['http_req_duration', 'p(99)<0.001', false, 'config'],
      ['http_req_duration{name:slow}', 'max<10000', true, 'script'],
      ['http_req_failed', 'rate<0.5', true, 'script'],
    ]);
    expect(result.thresholds[2]!.value).toBe(result.metrics.overall.p99);
    expect(result.verdict).toBe('failed');
    expect(exitCodeOfVerdict(result.verdict)).toBe(1);
    expect(thresholdAggregation('p(99.9) < 5')).toBe('p(99.9)');
    expect(thresholdAggregation('count>=1')).toBe('count');
  });

  it('names each failure: the threshold and the regressed metric with its endpoint', async () => {
    const result = await judged(true);
    expect(result.failures[0]).toMatch(/^threshold http_req_duration p\(99\)<0.001 failed \(\d/);
    expect(result.failures).toContain(
      'regression: p95 of students/api GET /api/students: 6.0 ms -> 58.0 ms (52.0 ms worse, 5.0 ms allowed)',
    );
  });

  it('gives the quality gate conditions it can judge', async () => {
    const conditions = (await judged(true)).conditions;
    const failed = conditions.filter((c) => c.judged && !c.passed).map((c) => c.id);
    expect(failed).toEqual([
      'loadtest:http_req_duration p(99)<0.001',
      'loadtest:students/api GET /api/students:p95',
      'loadtest:students/api GET /api/students:p99',
    ]);
    expect(conditions.find((c) => c.id === 'loadtest:students/api GET /api/students:p95')).toMatchObject({
      scope: 'overall',
      value: 58,
      threshold: '<= 11.0 ms (baseline 6.0 ms)',
    });
  });

  it('writes JUnit valid against junit.xsd, one case per threshold and per compared metric', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-loadtest-junit-'));
    for (const withBaseline of [false, true]) {
      const result = await judged(withBaseline);
      const xml = renderJunit(result);
      const file = path.join(dir, `junit-${withBaseline}.xml`);
      await writeFile(file, xml);
      execFileSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { stdio: 'pipe' });
      expect(xml.match(/classname="slipway.loadtest.thresholds"/g)).toHaveLength(5);
      expect(xml).toContain(
        '<testcase name="http_req_duration p(99)&lt;0.001" classname="slipway.loadtest.thresholds">\n      <failure type="threshold"',
      );
      expect((xml.match(/classname="slipway.loadtest.baseline"/g) ?? []).length).toBe(withBaseline ? 8 : 0);
    }
  });

  it('writes the Markdown comment: verdict, failures, thresholds, the comparison table', async () => {
    const markdown = renderMarkdown(await judged(true));
    expect(markdown).toMatch(/^## ❌ Load test failed: `feat-x`\n/);
    expect(markdown).toContain('40 requests/s for 6s (up to 5 VUs)');
    expect(markdown).toContain('| ❌ | http_req_duration | `p(99)<0.001` |');
    expect(markdown).toContain('Baseline: `baseline.json` (recorded 2026-01-01T00:00:00Z on `main`).');
    expect(markdown).toContain('| ❌ | students/api GET /api/students | p95 | 6.0 ms | 58.0 ms | +52.0 ms | 5.0 ms |');
    expect(markdown).toContain(
      '| students/api GET /api/students | 80 | 40.0/s | 0.00% | 55.0 ms | 58.0 ms | 61.0 ms |',
    );
  });
});

describe('stored baselines', () => {
  it("reads slipway's own record, and k6 summaries of either shape", async () => {
    const metrics = overallMetrics(parseK6Summary(await fixture('summary-export.json')));
    const record = JSON.stringify({
      kind: 'slipway-loadtest-baseline',
      version: 1,
      script: 'smoke',
      environment: 'main',
      branch: 'main',
      recordedAt: '2026-01-01T00:00:00Z',
      load: { vus: 2, duration: '10s', rate: null },
      metrics,
    });
    expect(parseBaseline(record, 'b.json')).toEqual({
      metrics,
      source: {
        kind: 'file',
        name: 'b.json',
        recordedAt: '2026-01-01T00:00:00Z',
        environment: 'main',
        script: 'smoke',
      },
    });
    expect(parseBaseline(await fixture('summary-export.json'), 'e.json').metrics.overall).toEqual(metrics.overall);
    expect(parseBaseline(await fixture('handle-summary.json'), 'h.json').metrics.overall).toEqual(metrics.overall);
  });

  it('refuses a file that is neither, saying how to make one', () => {
    expect(() => parseBaseline('[]', 'b.json')).toThrow(
      'baseline b.json is unusable: neither a slipway baseline nor a k6 summary',
    );
    expect(() => parseBaseline('{"kind":"slipway-loadtest-baseline","version":1,"metrics":{}}', 'b.json')).toThrow(
      /metrics are incomplete/,
    );
    expect(() => parseBaseline('nope', 'b.json')).toThrow(/not JSON/);
  });

  it('names the file after the script', () => {
    expect(baselinePath('/r/.slipway/loadtest/baselines/{script}.json', 'api v2')).toBe(
      '/r/.slipway/loadtest/baselines/api_v2.json',
    );
  });
});

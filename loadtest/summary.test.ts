// Given k6 summaries written by a real k6 v1.8.1 run (fixtures/produce.sh), when parsed, then both JSON shapes give
// the same verdicts although their threshold flags mean opposite things.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  endpointKey,
  overallMetrics,
  parseHandleSummary,
  parseK6Summary,
  parseSummaryExport,
  percentile,
  readBreakdown,
} from './summary.js';

const fixture = (name: string) => readFile(path.join(import.meta.dirname, 'fixtures', name), 'utf8');
const verdicts = (thresholds: { metric: string; expression: string; passed: boolean }[]) =>
  Object.fromEntries(thresholds.map((t) => [`${t.metric} ${t.expression}`, t.passed]));

const EXPECTED = {
  'checks rate>0.99': true,
  'http_req_duration p(95)<10000': true,
  'http_req_duration p(99)<0.001': false,
  'http_req_duration{name:slow} max<10000': true,
  'http_req_failed rate<0.5': true,
};

describe('k6 summaries', () => {
  it('reads --summary-export, where `true` means the threshold failed', async () => {
    const summary = parseSummaryExport(JSON.parse(await fixture('summary-export.json')));
    expect(summary.format).toBe('summary-export');
    expect(verdicts(summary.thresholds)).toEqual(EXPECTED);
    // the export names a rate metric's rate `value`; thresholds call it `rate`
    expect(summary.metrics.http_req_failed!.rate).toBeCloseTo(1 / 3);
  });

  it('reads handleSummary data, where `ok: true` means the threshold passed', async () => {
    const summary = parseHandleSummary(JSON.parse(await fixture('handle-summary.json')));
    expect(summary.format).toBe('handle-summary');
    expect(verdicts(summary.thresholds)).toEqual(EXPECTED);
    expect(summary.durationMs).toBeGreaterThan(0);
  });

  it('tells the two shapes apart on its own', async () => {
    expect(parseK6Summary(await fixture('summary-export.json')).format).toBe('summary-export');
    expect(parseK6Summary(await fixture('handle-summary.json')).format).toBe('handle-summary');
  });

  it('gives the same overall numbers from both shapes', async () => {
    const a = overallMetrics(parseK6Summary(await fixture('summary-export.json')));
    const b = overallMetrics(parseK6Summary(await fixture('handle-summary.json')));
    expect(a.overall.requests).toBe(120);
    expect(a.overall.errorRate).toBeCloseTo(1 / 3);
    expect(a.overall.p99).toBeGreaterThan(a.overall.p95);
    expect(a.overall).toEqual(b.overall);
    expect(a.durationSeconds).toBeCloseTo(b.durationSeconds, 1);
  });

  it('refuses what is not a summary, saying why', () => {
    expect(() => parseK6Summary('{"metrics":', 'x.json')).toThrow(/x.json is unusable: not JSON/);
    expect(() => parseK6Summary('{}', 'x.json')).toThrow(/no metrics/);
    expect(() => parseSummaryExport({ metrics: { checks: { thresholds: { 'rate>1': 'yes' } } } })).toThrow(
      /not a boolean/,
    );
    expect(() => parseHandleSummary({ metrics: { checks: { values: {}, thresholds: { 'rate>1': {} } } } })).toThrow(
      /no ok flag/,
    );
  });
});

describe('per-endpoint breakdown', () => {
  let dir: string;
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('interpolates percentiles the way k6 does', () => {
    expect(percentile([1, 2, 3, 4, 5], 0.95)).toBeCloseTo(4.8);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBe(0);
  });

  it('keys requests by component, method and path, the same in every environment', () => {
    const hosts = { 'api-students--main.localhost:8080': 'students/api' };
    const url = 'http://api-students--main.localhost:8080/api/students?limit=5';
    expect(endpointKey({ url, name: url, method: 'GET' }, hosts)).toBe('students/api GET /api/students');
    // a named request loses its URL (k6 sets url to the name): the component tag says where it went
    expect(endpointKey({ url: '/healthz', name: '/healthz', method: 'GET', component: 'grades/web' }, hosts)).toBe(
      'grades/web GET /healthz',
    );
    expect(endpointKey({ url: 'list', name: 'list', method: 'POST' }, hosts)).toBe('POST list');
    expect(endpointKey({ url: 'http://other:9/x', name: 'http://other:9/x', method: 'GET' }, hosts)).toBe(
      'other:9 GET /x',
    );
  });

  it("sums k6's JSON output up per endpoint, counting refused connections", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-breakdown-'));
    const file = path.join(dir, 'samples.json');
    const url = 'http://api-students--main.localhost:8080/api/students';
    // the line shapes of k6 v1.8.1's `--out json`
    const point = (metric: string, value: number, tags: Record<string, string>) =>
      JSON.stringify({ metric, type: 'Point', data: { time: '2026-01-01T00:00:00Z', value, tags } });
    const lines = [
      JSON.stringify({
        type: 'Metric',
        data: { name: 'http_req_duration', type: 'trend' },
        metric: 'http_req_duration',
      }),
    ];
    for (let i = 1; i <= 10; i++) {
      const tags = { url, name: url, method: 'GET', status: '200' };
      lines.push(point('http_reqs', 1, tags), point('http_req_duration', i, tags), point('http_req_failed', 0, tags));
    }
    const refused = { url: 'http://127.0.0.1:1/', name: 'http://127.0.0.1:1/', method: 'GET', error_code: '1212' };
    lines.push(point('http_req_duration', 0, refused), point('http_req_failed', 1, refused));
    await writeFile(file, `${lines.join('\n')}\n`);
    const breakdown = await readBreakdown(file, { 'api-students--main.localhost:8080': 'students/api' }, 2);
    expect(breakdown.requests).toBe(11);
    expect(breakdown.refused).toBe(1);
    expect(breakdown.endpoints['students/api GET /api/students']).toEqual({
      requests: 10,
      avg: 5.5,
      p95: percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95),
      p99: percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99),
      max: 10,
      errorRate: 0,
      throughput: 5,
    });
    expect(breakdown.endpoints['127.0.0.1:1 GET /']!.errorRate).toBe(1);
  });
});

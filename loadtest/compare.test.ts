// Given two runs' metrics, when compared with tolerances, then only what got worse beyond its tolerance regresses.
import { describe, expect, it } from 'vitest';
import { compareMetric, compareRuns, describeRow, type BaselineSource } from './compare.js';
import { DEFAULT_TOLERANCE } from './config.js';
import type { EndpointMetrics, RunMetrics } from './summary.js';

function metrics(overrides: Partial<EndpointMetrics> = {}): EndpointMetrics {
  return { requests: 500, avg: 3, p95: 8, p99: 12, max: 40, errorRate: 0, throughput: 100, ...overrides };
}

function run(overall: Partial<EndpointMetrics>, endpoints: Record<string, Partial<EndpointMetrics>> = {}): RunMetrics {
  return {
    durationSeconds: 5,
    overall: metrics(overall),
    endpoints: Object.fromEntries(Object.entries(endpoints).map(([k, v]) => [k, metrics(v)])),
  };
}

const SOURCE: BaselineSource = {
  kind: 'file',
  name: 'baseline.json',
  recordedAt: undefined,
  environment: 'main',
  script: 'smoke',
};

describe('comparison with a baseline', () => {
  it('allows the larger of the absolute and relative tolerance', () => {
    const tolerance = { relative: 0.2, absolute: 5 };
    // 8 ms -> 12 ms: 4 ms worse, 5 ms allowed (20% of 8 is only 1.6)
    expect(compareMetric('overall', 'p95', metrics(), metrics({ p95: 12 }), tolerance, 10).regressed).toBe(false);
    expect(compareMetric('overall', 'p95', metrics(), metrics({ p95: 13.5 }), tolerance, 10).regressed).toBe(true);
    // 100 ms -> 118 ms: 18 worse, 20 allowed (20% of 100)
    const slow = metrics({ p95: 100 });
    expect(compareMetric('overall', 'p95', slow, metrics({ p95: 118 }), tolerance, 10).allowed).toBe(20);
    expect(compareMetric('overall', 'p95', slow, metrics({ p95: 118 }), tolerance, 10).regressed).toBe(false);
  });

  it('counts lower throughput as worse, and higher as better', () => {
    const tolerance = DEFAULT_TOLERANCE.throughput;
    const dropped = compareMetric('overall', 'throughput', metrics(), metrics({ throughput: 70 }), tolerance, 10);
    expect(dropped).toMatchObject({ worse: 30, allowed: 20, regressed: true });
    const faster = compareMetric('overall', 'throughput', metrics(), metrics({ throughput: 200 }), tolerance, 10);
    expect(faster).toMatchObject({ worse: -100, regressed: false });
    expect(describeRow(faster)).toBe('throughput of overall: 100.0/s -> 200.0/s (100.0/s better, 20.0/s allowed)');
  });

  it('judges the error rate in absolute points', () => {
    const row = compareMetric(
      'overall',
      'errorRate',
      metrics(),
      metrics({ errorRate: 0.05 }),
      DEFAULT_TOLERANCE.errorRate,
      10,
    );
    expect(row.regressed).toBe(true);
    expect(describeRow(row)).toBe('error rate of overall: 0.00% -> 5.00% (5.00% worse, 1.00% allowed)');
  });

  it('does not judge an endpoint with too few requests', () => {
    const row = compareMetric('x', 'p95', metrics({ requests: 3 }), metrics({ p95: 900 }), DEFAULT_TOLERANCE.p95, 10);
    expect(row).toMatchObject({ judged: false, regressed: false, note: 'fewer than 10 requests' });
  });

  it('compares overall and each endpoint both runs have, naming the regressed one', () => {
    const baseline = run({ p95: 9 }, { 'students/api GET /api/students': { p95: 6, p99: 9 }, 'old GET /': {} });
    const current = run(
      { p95: 40, p99: 70 },
      { 'students/api GET /api/students': { p95: 58, p99: 75 }, 'new GET /': {} },
    );
    const comparison = compareRuns(baseline, current, SOURCE, DEFAULT_TOLERANCE, 10);
    expect(comparison.rows).toHaveLength(8);
    expect(comparison.regressions.map((r) => `${r.scope} ${r.metric}`)).toEqual([
      'overall p95',
      'overall p99',
      'students/api GET /api/students p95',
      'students/api GET /api/students p99',
    ]);
    expect(comparison.onlyInBaseline).toEqual(['old GET /']);
    expect(comparison.onlyInCurrent).toEqual(['new GET /']);
    expect(describeRow(comparison.regressions[2]!)).toBe(
      'p95 of students/api GET /api/students: 6.0 ms -> 58.0 ms (52.0 ms worse, 5.0 ms allowed)',
    );
  });

  it('finds nothing when nothing changed', () => {
    const same = run({}, { 'a GET /': {} });
    expect(compareRuns(same, same, SOURCE, DEFAULT_TOLERANCE, 10).regressions).toEqual([]);
  });
});

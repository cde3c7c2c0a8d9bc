// Compares a run with a baseline metric by metric (p95, p99, error rate, throughput), overall and per endpoint.
import { COMPARED_METRICS, type ComparedMetric, type Tolerance } from './config.js';
import type { EndpointMetrics, RunMetrics } from './summary.js';

export interface BaselineSource {
  /** `file` (a recorded baseline or a k6 summary) or `environment` (the same script run just before). */
  kind: 'file' | 'environment';
  /** The file's path, or the environment's name. */
  name: string;
  recordedAt: string | undefined;
  environment: string | undefined;
  script: string | undefined;
}

export interface ComparisonRow {
  /** `overall`, or an endpoint key such as `students/api GET /api/students`. */
  scope: string;
  metric: ComparedMetric;
  baseline: number;
  current: number;
  /** How much worse it may get, in the metric's unit (the larger of the absolute and relative tolerance). */
  allowed: number;
  /** How much worse it got: positive is worse, whichever way the metric improves. */
  worse: number;
  judged: boolean;
  regressed: boolean;
  note?: string;
}

export interface Comparison {
  baseline: BaselineSource;
  rows: ComparisonRow[];
  regressions: ComparisonRow[];
  /** Endpoints in only one of the two runs: shown, not judged. */
  onlyInBaseline: string[];
  onlyInCurrent: string[];
}

const HIGHER_IS_WORSE: Record<ComparedMetric, boolean> = { p95: true, p99: true, errorRate: true, throughput: false };

export const METRIC_LABEL: Record<ComparedMetric, string> = {
  p95: 'p95',
  p99: 'p99',
  errorRate: 'error rate',
  throughput: 'throughput',
};

export function compareMetric(
  scope: string,
  metric: ComparedMetric,
  baseline: EndpointMetrics,
  current: EndpointMetrics,
  tolerance: Tolerance,
  minRequests: number,
): ComparisonRow {
  const before = baseline[metric];
  const after = current[metric];
  const worse = HIGHER_IS_WORSE[metric] ? after - before : before - after;
  const allowed = Math.max(tolerance.absolute, tolerance.relative * Math.abs(before));
  const judged = baseline.requests >= minRequests && current.requests >= minRequests;
  return {
    scope,
    metric,
    baseline: before,
    current: after,
    allowed,
    worse,
    judged,
    // a tiny epsilon: floating-point noise on equal values is not a regression
    regressed: judged && worse > allowed + 1e-9,
    ...(judged ? {} : { note: `fewer than ${minRequests} requests` }),
  };
}

export function compareRuns(
  baseline: RunMetrics,
  current: RunMetrics,
  source: BaselineSource,
  tolerance: Record<ComparedMetric, Tolerance>,
  minRequests: number,
): Comparison {
  const rows: ComparisonRow[] = [];
  const scopes: [string, EndpointMetrics, EndpointMetrics][] = [['overall', baseline.overall, current.overall]];
  for (const [key, metrics] of Object.entries(current.endpoints)) {
    const before = baseline.endpoints[key];
    if (before) scopes.push([key, before, metrics]);
  }
  for (const [scope, before, after] of scopes) {
    for (const metric of COMPARED_METRICS) {
      rows.push(compareMetric(scope, metric, before, after, tolerance[metric], minRequests));
    }
  }
  return {
    baseline: source,
    rows,
    regressions: rows.filter((r) => r.regressed),
    onlyInBaseline: Object.keys(baseline.endpoints).filter((k) => !current.endpoints[k]),
    onlyInCurrent: Object.keys(current.endpoints).filter((k) => !baseline.endpoints[k]),
  };
}

export function formatMetric(metric: ComparedMetric, value: number): string {
  if (metric === 'errorRate') return `${(value * 100).toFixed(2)}%`;
  if (metric === 'throughput') return `${value.toFixed(1)}/s`;
  return `${value.toFixed(1)} ms`;
}

/** `p95 of students/api GET /api/students: 3.1 ms -> 55.2 ms (52.1 worse, 5.0 allowed)`. */
export function describeRow(row: ComparisonRow): string {
  const of = row.scope === 'overall' ? 'overall' : row.scope;
  const by = formatMetric(row.metric, Math.abs(row.worse));
  return `${METRIC_LABEL[row.metric]} of ${of}: ${formatMetric(row.metric, row.baseline)} -> ${formatMetric(row.metric, row.current)} (${by} ${row.worse >= 0 ? 'worse' : 'better'}, ${formatMetric(row.metric, row.allowed)} allowed)`;
}

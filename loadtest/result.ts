// The typed outcome of a load test: verdict, metrics, thresholds, comparison, and the same as quality-gate conditions.
import type { Condition } from '../quality/types.js';
import { describeRow, formatMetric, METRIC_LABEL, type Comparison } from './compare.js';
import type { K6Threshold } from './config.js';
import type { K6Summary, RunMetrics, ThresholdResult } from './summary.js';

/** `no-baseline`: the run passed, and the baseline it was to be compared with does not exist yet. */
export type LoadtestVerdict = 'passed' | 'failed' | 'no-baseline';

export interface JudgedThreshold extends ThresholdResult {
  /** `config` when slipway.config.ts declares it (whether or not the script does too), else `script`. */
  source: 'script' | 'config';
  /** The value the expression tested (`p(95)` of the metric...), when the summary holds it. */
  value: number | null;
}

export interface LoadtestResult {
  verdict: LoadtestVerdict;
  environment: { name: string; branch: string };
  script: { kind: 'smoke' | 'file'; key: string; file: string | null };
  k6: { version: string; exitCode: number };
  /** What the command line or config asked for; null where the script's own options decided. */
  load: { vus: number | null; duration: string | null; rate: number | null };
  metrics: RunMetrics;
  thresholds: JudgedThreshold[];
  comparison: Comparison | null;
  /** The baseline that was asked for but does not exist yet. */
  missingBaseline: string | null;
  /** Where --record-baseline wrote this run. */
  baselineRecorded: string | null;
  /** One line per failed threshold or regression (and the script marking the run failed). */
  failures: string[];
  /** The same judgement in the quality gate's shape, so the gate's verdict can include the load test. */
  conditions: Condition[];
  reports: { json: string; markdown: string; junit: string; log: string };
}

/** `p(95)<500` -> `p(95)`; `rate<0.01` -> `rate`. */
export function thresholdAggregation(expression: string): string | undefined {
  return /^\s*([a-z]+(\(\d+(\.\d+)?\))?)\s*(<=|>=|<|>|===|==|!=)/.exec(expression)?.[1];
}

function configExpressions(config: Record<string, K6Threshold[]>, metric: string): string[] {
  return (config[metric] ?? []).map((t) => (typeof t === 'string' ? t : t.threshold));
}

/** Each threshold k6 judged, with where it came from and the value it tested. */
export function judgeThresholds(summary: K6Summary, config: Record<string, K6Threshold[]>): JudgedThreshold[] {
  return summary.thresholds
    .map((t): JudgedThreshold => {
      const aggregation = thresholdAggregation(t.expression);
      const value = aggregation === undefined ? undefined : summary.metrics[t.metric]?.[aggregation];
      return {
        ...t,
        source: configExpressions(config, t.metric).includes(t.expression) ? 'config' : 'script',
        value: value ?? null,
      };
    })
    .sort((a, b) => (a.metric === b.metric ? (a.expression < b.expression ? -1 : 1) : a.metric < b.metric ? -1 : 1));
}

export function failureLines(thresholds: JudgedThreshold[], comparison: Comparison | null, marked: boolean): string[] {
  return [
    ...thresholds
      .filter((t) => !t.passed)
      .map((t) => `threshold ${t.metric} ${t.expression} failed${t.value === null ? '' : ` (${t.value})`}`),
    ...(comparison?.regressions ?? []).map((r) => `regression: ${describeRow(r)}`),
    ...(marked ? ['the script marked the run as failed (test.abort() or test.fail())'] : []),
  ];
}

export function verdictOf(failures: string[], missingBaseline: string | null): LoadtestVerdict {
  if (failures.length > 0) return 'failed';
  return missingBaseline ? 'no-baseline' : 'passed';
}

export function exitCodeOfVerdict(verdict: LoadtestVerdict): 0 | 1 {
  return verdict === 'failed' ? 1 : 0;
}

/** Thresholds and comparison rows as quality-gate conditions (scope `overall`: a load test judges the whole app). */
export function loadtestConditions(thresholds: JudgedThreshold[], comparison: Comparison | null): Condition[] {
  const conditions: Condition[] = thresholds.map((t) => ({
    id: `loadtest:${t.metric} ${t.expression}`,
    scope: 'overall',
    title: `k6 threshold ${t.metric} ${t.expression} (${t.source})`,
    value: t.value,
    threshold: t.expression,
    passed: t.passed,
    judged: true,
    locations: [],
  }));
  for (const row of comparison?.rows ?? []) {
    const limit = row.metric === 'throughput' ? row.baseline - row.allowed : row.baseline + row.allowed;
    conditions.push({
      id: `loadtest:${row.scope}:${row.metric}`,
      scope: 'overall',
      title: `${METRIC_LABEL[row.metric]} of ${row.scope} against the baseline`,
      value: row.current,
      threshold: `${row.metric === 'throughput' ? '>=' : '<='} ${formatMetric(row.metric, limit)} (baseline ${formatMetric(row.metric, row.baseline)})`,
      passed: !row.regressed,
      judged: row.judged,
      ...(row.note ? { note: row.note } : {}),
      locations: [],
    });
  }
  return conditions;
}

// Reads what k6 wrote: its end-of-test summary (both JSON shapes, whose threshold flags mean opposite things) and
// its JSON sample output, from which the per-endpoint breakdown is computed.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { SlipwayError } from '../core/errors.js';

export interface ThresholdResult {
  /** The metric or submetric, e.g. `http_req_duration` or `http_req_duration{name:/api/students}`. */
  metric: string;
  expression: string;
  passed: boolean;
}

export interface K6Summary {
  format: 'summary-export' | 'handle-summary';
  /** How long the run took: handleSummary data says, the export does not. */
  durationMs: number | undefined;
  /** Each metric's values as k6 names them: `avg`, `p(95)`, `count`, `rate`, `value`, `passes`, `fails`... */
  metrics: Record<string, Record<string, number>>;
  thresholds: ThresholdResult[];
}

export interface EndpointMetrics {
  requests: number;
  /** Latencies (http_req_duration) in ms. */
  avg: number;
  p95: number;
  p99: number;
  max: number;
  /** Failed requests (http_req_failed) as a fraction, 0-1. */
  errorRate: number;
  /** Requests per second over the run. */
  throughput: number;
}

export interface RunMetrics {
  durationSeconds: number;
  overall: EndpointMetrics;
  /** By `<component> <METHOD> <path or request name>`; empty without the breakdown. */
  endpoints: Record<string, EndpointMetrics>;
}

function invalid(where: string, problem: string): SlipwayError {
  return new SlipwayError('REPORT_INVALID', `k6 summary ${where} is unusable: ${problem}`, {
    fix: 'rerun the load test; an interrupted k6 leaves no or a partial summary',
  });
}

function numbers(source: Record<string, unknown>): Record<string, number> {
  const values = Object.fromEntries(
    Object.entries(source).filter((e): e is [string, number] => typeof e[1] === 'number'),
  );
  // the export gives a rate metric's rate as `value`; thresholds and handleSummary call it `rate`
  if (values.rate === undefined && values.passes !== undefined && values.value !== undefined)
    values.rate = values.value;
  return values;
}

/**
 * `k6 run --summary-export`: values sit beside a `thresholds` map of expression -> boolean where `true` means the
 * threshold FAILED (k6 reports "was it crossed").
 */
export function parseSummaryExport(json: unknown, where = ''): K6Summary {
  const metrics = (json as { metrics?: unknown } | null)?.metrics;
  if (!metrics || typeof metrics !== 'object') throw invalid(where, 'no metrics');
  const result: K6Summary = { format: 'summary-export', durationMs: undefined, metrics: {}, thresholds: [] };
  for (const [name, raw] of Object.entries(metrics as Record<string, Record<string, unknown>>)) {
    result.metrics[name] = numbers(raw);
    for (const [expression, crossed] of Object.entries((raw.thresholds ?? {}) as Record<string, unknown>)) {
      if (typeof crossed !== 'boolean') throw invalid(where, `threshold ${name} ${expression} is not a boolean`);
      result.thresholds.push({ metric: name, expression, passed: !crossed });
    }
  }
  return result;
}

/** `handleSummary(data)`: values under `values`, and each threshold as `{ ok: boolean }` where `ok: true` means it PASSED. */
export function parseHandleSummary(json: unknown, where = ''): K6Summary {
  const metrics = (json as { metrics?: unknown } | null)?.metrics;
  if (!metrics || typeof metrics !== 'object') throw invalid(where, 'no metrics');
  const durationMs = (json as { state?: { testRunDurationMs?: unknown } }).state?.testRunDurationMs;
  const result: K6Summary = {
    format: 'handle-summary',
    durationMs: typeof durationMs === 'number' ? durationMs : undefined,
    metrics: {},
    thresholds: [],
  };
  for (const [name, raw] of Object.entries(metrics as Record<string, { values?: Record<string, unknown> }>)) {
    result.metrics[name] = numbers(raw.values ?? {});
    const thresholds = ((raw as { thresholds?: unknown }).thresholds ?? {}) as Record<string, { ok?: unknown }>;
    for (const [expression, state] of Object.entries(thresholds)) {
      if (typeof state?.ok !== 'boolean') throw invalid(where, `threshold ${name} ${expression} has no ok flag`);
      result.thresholds.push({ metric: name, expression, passed: state.ok });
    }
  }
  return result;
}

/** Either shape, told apart by handleSummary's `values` objects (and its `state`/`options` keys). */
export function parseK6Summary(text: string, where = ''): K6Summary {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(where, `not JSON (${(error as Error).message})`);
  }
  const metrics = (json as { metrics?: Record<string, unknown> } | null)?.metrics;
  const handle =
    Boolean((json as Record<string, unknown>).state) ||
    Object.values(metrics ?? {}).some((m) => m !== null && typeof m === 'object' && 'values' in m);
  return handle ? parseHandleSummary(json, where) : parseSummaryExport(json, where);
}

/** The overall numbers of a run, from the summary alone. */
export function overallMetrics(summary: K6Summary): RunMetrics {
  const duration = summary.metrics.http_req_duration ?? {};
  const reqs = summary.metrics.http_reqs ?? {};
  const failed = summary.metrics.http_req_failed ?? {};
  const count = reqs.count ?? 0;
  const rate = reqs.rate ?? 0;
  return {
    // the export does not say how long the run took, but count / rate is the same thing
    durationSeconds: summary.durationMs !== undefined ? summary.durationMs / 1000 : rate > 0 ? count / rate : 0,
    overall: {
      requests: count,
      avg: duration.avg ?? 0,
      p95: duration['p(95)'] ?? 0,
      p99: duration['p(99)'] ?? 0,
      max: duration.max ?? 0,
      errorRate: failed.rate ?? failed.value ?? 0,
      throughput: rate,
    },
    endpoints: {},
  };
}

/** k6's percentile: linear interpolation between the closest ranks (TrendSink.P), so numbers match its summary. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return 0;
  if (sorted.length === 1) return sorted[0]!;
  const i = p * (sorted.length - 1);
  const low = sorted[Math.floor(i)]!;
  const high = sorted[Math.ceil(i)]!;
  return low + (high - low) * (i - Math.floor(i));
}

/** The component a request went to, by its URL's host; other hosts stay as they are. */
export type HostMap = Record<string, string>;

/**
 * `<component> <METHOD> <path>`: the URL's host becomes the component, so keys match across environments. A request
 * given a `name` tag loses its URL (k6 sets `url` to the name too): a `component` tag then says where it went.
 */
export function endpointKey(tags: Record<string, string>, hosts: HostMap): string {
  let component = tags.component;
  let label = tags.name || tags.url || '?';
  try {
    const url = new URL(label);
    component ??= hosts[url.host] ?? url.host;
    label = url.pathname;
  } catch {
    // a request name such as `/healthz` or `list students`
  }
  return [component, tags.method ?? 'GET', label].filter(Boolean).join(' ');
}

interface Accumulator {
  durations: number[];
  failed: number;
  refused: number;
}

export interface Breakdown {
  endpoints: Record<string, EndpointMetrics>;
  /** Requests that failed because the target refused the connection (k6 error code 1212). */
  refused: number;
  requests: number;
}

/** Streams k6's `--out json` file; only http_req_duration and http_req_failed points are parsed. */
export async function readBreakdown(file: string, hosts: HostMap, durationSeconds: number): Promise<Breakdown> {
  const byKey = new Map<string, Accumulator>();
  const entry = (key: string) => {
    let acc = byKey.get(key);
    if (!acc) byKey.set(key, (acc = { durations: [], failed: 0, refused: 0 }));
    return acc;
  };
  let refused = 0;
  let requests = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    // a cheap test first: a request writes about ten lines, and only two of them matter here
    if (!line.includes('"http_req_duration"') && !line.includes('"http_req_failed"')) continue;
    const point = JSON.parse(line) as {
      metric: string;
      type: string;
      data: { value: number; tags?: Record<string, string> };
    };
    const duration = point.metric === 'http_req_duration';
    if (point.type !== 'Point' || (!duration && point.metric !== 'http_req_failed')) continue;
    const tags = point.data.tags ?? {};
    const acc = entry(endpointKey(tags, hosts));
    if (duration) acc.durations.push(point.data.value);
    else {
      requests++;
      if (point.data.value) acc.failed++;
      if (tags.error_code === '1212') {
        acc.refused++;
        refused++;
      }
    }
  }
  const endpoints: Record<string, EndpointMetrics> = {};
  for (const [key, acc] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sorted = Float64Array.from(acc.durations).sort();
    const count = sorted.length;
    endpoints[key] = {
      requests: count,
      avg: count === 0 ? 0 : sorted.reduce((sum, v) => sum + v, 0) / count,
      p95: percentile(sorted, 0.95),
      p99: percentile(sorted, 0.99),
      max: count === 0 ? 0 : sorted[count - 1]!,
      errorRate: count === 0 ? 0 : acc.failed / count,
      throughput: durationSeconds > 0 ? count / durationSeconds : 0,
    };
  }
  return { endpoints, refused, requests };
}

// Stored load-test baselines: one JSON file per script (a CI cache or artifact), or any k6 summary JSON.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../core/errors.js';
import type { BaselineSource } from './compare.js';
import { overallMetrics, parseK6Summary, type EndpointMetrics, type RunMetrics } from './summary.js';

export interface LoadtestBaseline {
  kind: 'slipway-loadtest-baseline';
  version: 1;
  /** `smoke` for the built-in script, else the script file's name without extension. */
  script: string;
  environment: string;
  branch: string;
  recordedAt: string;
  load: { vus: number | null; duration: string | null; rate: number | null };
  metrics: RunMetrics;
}

export function baselinePath(template: string, scriptKey: string): string {
  return template.replaceAll('{script}', scriptKey.replace(/[^A-Za-z0-9._-]/g, '_'));
}

function invalid(file: string, problem: string): SlipwayError {
  return new SlipwayError('BASELINE_INVALID', `baseline ${file} is unusable: ${problem}`, {
    fix: 'record it again with `slipway loadtest <env> --record-baseline`, or pass a k6 summary JSON',
  });
}

function isEndpointMetrics(value: unknown): value is EndpointMetrics {
  const m = value as Record<string, unknown> | null;
  return (
    !!m &&
    ['requests', 'avg', 'p95', 'p99', 'max', 'errorRate', 'throughput'].every((key) => typeof m[key] === 'number')
  );
}

/**
 * A baseline from a file: slipway's own record (overall and per endpoint), or a k6 summary, either
 * `--summary-export` or `handleSummary` JSON (overall only: k6 summaries hold no per-endpoint numbers).
 */
export function parseBaseline(text: string, file: string): { metrics: RunMetrics; source: BaselineSource } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(file, `not JSON (${(error as Error).message})`);
  }
  const record = json as Partial<LoadtestBaseline> | null;
  if (record?.kind === 'slipway-loadtest-baseline') {
    if (record.version !== 1) throw invalid(file, `version ${String(record.version)} is not supported`);
    const metrics = record.metrics;
    if (!metrics || !isEndpointMetrics(metrics.overall) || typeof metrics.endpoints !== 'object') {
      throw invalid(file, 'its metrics are incomplete');
    }
    for (const [key, value] of Object.entries(metrics.endpoints)) {
      if (!isEndpointMetrics(value)) throw invalid(file, `the metrics of ${key} are incomplete`);
    }
    return {
      metrics,
      source: {
        kind: 'file',
        name: file,
        recordedAt: record.recordedAt,
        environment: record.environment,
        script: record.script,
      },
    };
  }
  if (!json || typeof json !== 'object' || !('metrics' in json)) {
    throw invalid(file, 'neither a slipway baseline nor a k6 summary');
  }
  const summary = parseK6Summary(text, file);
  return {
    metrics: overallMetrics(summary),
    source: { kind: 'file', name: file, recordedAt: undefined, environment: undefined, script: undefined },
  };
}

/** Undefined when the file does not exist: the first run of a branch has nothing to compare with. */
export async function readBaselineFile(
  file: string,
): Promise<{ metrics: RunMetrics; source: BaselineSource } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalid(file, (error as Error).message);
  }
  return parseBaseline(text, file);
}

/** Written to a temporary name and renamed, so a reader never sees half a baseline. */
export async function writeBaselineFile(file: string, baseline: LoadtestBaseline): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(baseline, null, 2)}\n`);
  await rename(temp, file);
}

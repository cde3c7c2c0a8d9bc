// The `loadtest` block of slipway.config.ts resolved: defaults filled, paths absolute, tolerances as numbers.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { findConfigFile, loadConfig, loadRawConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { SlipwayError } from '../core/errors.js';
import { k6ThresholdSchema, loadtestConfigSchema, toleranceSchema } from './schema.js';

export { K6_DURATION, k6DurationSchema, k6ThresholdSchema, loadtestConfigSchema, toleranceSchema } from './schema.js';

export type LoadtestConfigInput = z.input<typeof loadtestConfigSchema>;

export type ComparedMetric = 'p95' | 'p99' | 'errorRate' | 'throughput';
export const COMPARED_METRICS: readonly ComparedMetric[] = ['p95', 'p99', 'errorRate', 'throughput'];

export interface Tolerance {
  /** Fraction of the baseline value, e.g. 0.2 for "20%". */
  relative: number;
  /** In the metric's own unit. */
  absolute: number;
}

export type K6Threshold = z.output<typeof k6ThresholdSchema>;

export interface LoadtestConfig {
  /** The config file's folder; relative paths are resolved against it. */
  root: string;
  k6: string | undefined;
  script: string | undefined;
  vus: number;
  duration: string;
  timeoutMs: number;
  thresholds: Record<string, K6Threshold[]>;
  tolerance: Record<ComparedMetric, Tolerance>;
  minRequests: number;
  breakdown: boolean;
  /** Absolute path template with `{script}`. */
  baselineFile: string;
  reportsDir: string;
}

/** Latency tolerances have a floor in ms: a 20% swing of a 2 ms answer is noise, not a regression. */
export const DEFAULT_TOLERANCE: Record<ComparedMetric, Tolerance> = {
  p95: { relative: 0.2, absolute: 5 },
  p99: { relative: 0.3, absolute: 10 },
  errorRate: { relative: 0, absolute: 0.01 },
  throughput: { relative: 0.2, absolute: 0 },
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function k6DurationMs(text: string): number {
  let total = 0;
  for (const [, amount, , unit] of text.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

function tolerance(value: z.output<typeof toleranceSchema> | undefined, fallback: Tolerance): Tolerance {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return { relative: 0, absolute: value };
  if (typeof value === 'string') return { relative: Number(value.slice(0, -1)) / 100, absolute: 0 };
  return {
    relative: value.relative === undefined ? 0 : Number(value.relative.slice(0, -1)) / 100,
    absolute: value.absolute ?? 0,
  };
}

export function resolveLoadtestConfig(parsed: z.output<typeof loadtestConfigSchema>, root: string): LoadtestConfig {
  const inRoot = (file: string) => path.resolve(root, file);
  return {
    root,
    k6: parsed.k6 && (parsed.k6.includes('/') ? inRoot(parsed.k6) : parsed.k6),
    script: parsed.script && inRoot(parsed.script),
    vus: parsed.vus ?? 2,
    duration: parsed.duration ?? '10s',
    timeoutMs: k6DurationMs(parsed.timeout ?? '15m'),
    thresholds: parsed.thresholds ?? {},
    tolerance: {
      p95: tolerance(parsed.tolerance?.p95, DEFAULT_TOLERANCE.p95),
      p99: tolerance(parsed.tolerance?.p99, DEFAULT_TOLERANCE.p99),
      errorRate: tolerance(parsed.tolerance?.errorRate, DEFAULT_TOLERANCE.errorRate),
      throughput: tolerance(parsed.tolerance?.throughput, DEFAULT_TOLERANCE.throughput),
    },
    minRequests: parsed.minRequests ?? 10,
    breakdown: parsed.breakdown ?? true,
    baselineFile: inRoot(parsed.baseline?.file ?? '.slipway/loadtest/baselines/{script}.json'),
    reportsDir: inRoot(parsed.reports?.dir ?? '.slipway/loadtest'),
  };
}

/** Validates a raw `loadtest` block; every problem is listed with its path. */
export function parseLoadtestConfig(raw: unknown, root: string, configFile?: string): LoadtestConfig {
  const result = loadtestConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    const details = result.error.issues.map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
      return `${['loadtest', ...issue.path.map(String)].join('.')}: ${issue.message}${keys}`;
    });
    throw new SlipwayError('CONFIG_INVALID', `the loadtest block of ${configFile ?? 'the config'} is invalid`, {
      fix: 'correct the fields listed below',
      details,
    });
  }
  return resolveLoadtestConfig(result.data, root);
}

/**
 * Reads slipway.config.ts once: the `loadtest` block through this schema, the rest through the main one. The
 * block is taken out before the main validation, so the command works whether or not the main schema knows it.
 */
export async function loadLoadtestConfig(options: {
  cwd: string;
  configFile?: string;
}): Promise<{ config: ResolvedConfig; loadtest: LoadtestConfig }> {
  const file = options.configFile ? path.resolve(options.cwd, options.configFile) : findConfigFile(options.cwd);
  if (!file || !existsSync(file)) {
    // no config file: loadConfig says so (CONFIG_NOT_FOUND) in the words every command uses
    return { config: await loadConfig(options), loadtest: parseLoadtestConfig(undefined, options.cwd) };
  }
  const raw = await loadRawConfig(file);
  const { loadtest, ...rest } = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const { resolveConfig } = await import('../config/resolve.js');
  const config = resolveConfig(rest, file);
  return { config, loadtest: parseLoadtestConfig(loadtest, config.root, file) };
}

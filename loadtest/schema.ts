// The zod schema of the `loadtest` block of slipway.config.ts (zod only, so the main config schema can embed it).
import { z } from 'zod';

/** k6's duration syntax: `500ms`, `10s`, `1m30s`, `2h`. */
export const K6_DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

export const k6DurationSchema = z.string().regex(K6_DURATION, {
  error: (issue) => `expected a k6 duration such as 30s, 1m30s or 500ms, got ${JSON.stringify(issue.input)}`,
});

/** A k6 threshold: `p(95)<500`, or the object form with `abortOnFail`. */
export const k6ThresholdSchema = z.union([
  z.string().min(1),
  z.strictObject({
    threshold: z.string().min(1),
    abortOnFail: z.boolean().optional(),
    delayAbortEval: k6DurationSchema.optional(),
  }),
]);

const percentSchema = z.string().regex(/^\d+(\.\d+)?%$/, { error: 'expected a percentage such as "20%"' });

/**
 * How much worse a metric may get before it counts as a regression: an absolute amount (ms for p95 and p99,
 * a fraction for errorRate, requests/s for throughput), a percentage of the baseline, or both (the larger wins).
 */
export const toleranceSchema = z.union([
  z.number().min(0),
  percentSchema,
  z.strictObject({ relative: percentSchema.optional(), absolute: z.number().min(0).optional() }),
]);

export const loadtestConfigSchema = z.strictObject({
  /** The k6 binary: a path (relative to the config) or a name on PATH. Default: `k6` on PATH, then the machine's install dir. */
  k6: z.string().min(1).optional(),
  /** The script run without --script, relative to the config. Default: the built-in smoke test of every health path. */
  script: z.string().min(1).optional(),
  /** Load when neither the command line nor the script sets one. */
  vus: z.number().int().min(1).max(10_000).optional(),
  duration: k6DurationSchema.optional(),
  /** k6 is stopped after this long and the run fails: loads stay bounded even when a script sets no end. */
  timeout: k6DurationSchema.optional(),
  /** k6 thresholds added to the script's own, e.g. `{ http_req_duration: ['p(95)<300'] }`. */
  thresholds: z.record(z.string().min(1), z.array(k6ThresholdSchema).min(1)).optional(),
  /** Regression tolerances against the baseline, per compared metric. */
  tolerance: z
    .strictObject({
      p95: toleranceSchema.optional(),
      p99: toleranceSchema.optional(),
      errorRate: toleranceSchema.optional(),
      throughput: toleranceSchema.optional(),
    })
    .optional(),
  /** Endpoints with fewer requests than this (in the run or the baseline) are shown but not judged. */
  minRequests: z.number().int().min(1).optional(),
  /** Per-endpoint metrics from k6's JSON output (about 2.5 kB of disk per request while k6 runs; deleted after). */
  breakdown: z.boolean().optional(),
  /** Where `--record-baseline` writes and a bare script name is looked up; `{script}` is the script's name. */
  baseline: z.strictObject({ file: z.string().min(1).optional() }).optional(),
  /** Folder of the reports and k6's log, relative to the config. */
  reports: z.strictObject({ dir: z.string().min(1).optional() }).optional(),
});

// The load test's judgement from the report `slipway loadtest` writes (.slipway/loadtest/report.json): its
// thresholds and baseline comparison join the gate's verdict, so a load-test regression fails the merge request.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { describeRow } from '../../loadtest/compare.js';
import { COMPARED_METRICS, type ComparedMetric } from '../../loadtest/config.js';
import type { Condition } from '../types.js';
import { invalidReport, parseJson, readReport, runStep, toRepoPath, type Collector } from './types.js';

const TOOL = 'slipway loadtest';
const FIX = 'rerun `slipway loadtest <env>`; the gate reads the report.json it writes';

const locationSchema = z.object({ path: z.string(), lines: z.array(z.number()), message: z.string().optional() });

/** The gate's Condition, as `loadtestConditions` (loadtest/result.ts) writes it. */
const conditionSchema = z.object({
  id: z.string().min(1),
  scope: z.enum(['new', 'overall']),
  title: z.string(),
  value: z.number().nullable(),
  threshold: z.string(),
  passed: z.boolean(),
  judged: z.boolean(),
  note: z.string().optional(),
  module: z.string().optional(),
  locations: z.array(locationSchema),
});

const rowSchema = z.object({
  scope: z.string(),
  metric: z.custom<ComparedMetric>((v) => COMPARED_METRICS.includes(v as ComparedMetric), {
    error: `expected one of ${COMPARED_METRICS.join(', ')}`,
  }),
  baseline: z.number(),
  current: z.number(),
  allowed: z.number(),
  worse: z.number(),
  judged: z.boolean(),
  regressed: z.boolean(),
  note: z.string().optional(),
});

/** The parts of a LoadtestResult the gate reads; the rest of the report is left alone. */
const reportSchema = z.object({
  verdict: z.enum(['passed', 'failed', 'no-baseline']),
  environment: z.object({ name: z.string(), branch: z.string() }),
  script: z.object({ file: z.string().nullable() }),
  thresholds: z.array(z.object({ metric: z.string(), expression: z.string(), value: z.number().nullable() })),
  comparison: z.object({ rows: z.array(rowSchema) }).nullable(),
  missingBaseline: z.string().nullable(),
  failures: z.array(z.string()),
  conditions: z.array(conditionSchema),
});

export type LoadtestReport = z.output<typeof reportSchema>;

/** Parses report.json, naming the first fields that are missing or of the wrong type. */
export function parseLoadtestReport(text: string): LoadtestReport {
  const parsed = reportSchema.safeParse(parseJson(TOOL, text));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`);
  throw invalidReport(TOOL, `it is not the report.json slipway loadtest writes (${problems.join('; ')})`, FIX);
}

export interface ReportOrigin {
  /** Where findings point: the k6 script when it is in the repository, else this (the report's path). */
  report: string;
  repoRoot: string;
  /** The file's modification time: the report itself records no time or commit. */
  writtenAt: Date | undefined;
}

/** k6 values carry float noise (26.676744470000006): four significant digits are plenty to read. */
function shown(value: number | null): number | null {
  return value === null ? null : Number(value.toPrecision(4));
}

/** `load test of feat-x (branch feat/x) at 2026-05-01T10:00:00Z`: which run, so a stale report is recognised. */
function provenance(report: LoadtestReport, origin: ReportOrigin): string {
  const branch = report.environment.branch ? ` (branch ${report.environment.branch})` : '';
  const at = origin.writtenAt ? ` at ${origin.writtenAt.toISOString().replace(/\.\d+Z$/, 'Z')}` : '';
  return `load test of ${report.environment.name}${branch}${at}`;
}

function placeOf(report: LoadtestReport, origin: ReportOrigin): string {
  const script = report.script.file;
  if (script && path.isAbsolute(script)) {
    const inRepo = toRepoPath(script, origin.repoRoot, origin.repoRoot);
    if (!inRepo.startsWith('../') && existsSync(path.join(origin.repoRoot, inRepo))) return inRepo;
  }
  return origin.report;
}

/**
 * What made a condition fail, with the metric and endpoint responsible, as the load test words it:
 * `threshold http_req_duration p(99)<0.001 failed (26.68)`, `p95 of students/api GET /api/students: 6.0 ms -> ...`.
 */
function causeOf(condition: Condition, report: LoadtestReport): string {
  for (const t of report.thresholds) {
    if (condition.id === `loadtest:${t.metric} ${t.expression}`) {
      return `threshold ${t.metric} ${t.expression} failed${t.value === null ? '' : ` (${shown(t.value)})`}`;
    }
  }
  for (const row of report.comparison?.rows ?? []) {
    if (condition.id === `loadtest:${row.scope}:${row.metric}`) return describeRow(row);
  }
  return condition.title;
}

/**
 * The report's conditions with the origin in each note and, for a failed one, the place and cause the reports list.
 * Adds a failed `loadtest:run` when the load test failed without a failed condition (the script called
 * `test.fail()`), and a not-judged `loadtest:baseline` when the baseline it was to be compared with is missing.
 */
export function loadtestGateConditions(report: LoadtestReport, origin: ReportOrigin): Condition[] {
  const from = provenance(report, origin);
  const place = placeOf(report, origin);
  const conditions: Condition[] = report.conditions.map((c) => {
    const failed = c.judged && !c.passed;
    return {
      ...c,
      value: shown(c.value),
      note: c.note ? `${c.note}; ${from}` : from,
      locations: failed ? [{ path: place, lines: [], message: causeOf(c, report) }] : [],
    };
  });
  if (report.verdict === 'failed' && !conditions.some((c) => c.judged && !c.passed)) {
    conditions.push({
      id: 'loadtest:run',
      scope: 'overall',
      title: 'Load test run',
      value: null,
      threshold: 'passed',
      passed: false,
      judged: true,
      note: from,
      locations: report.failures.map((message) => ({ path: place, lines: [], message })),
    });
  }
  if (report.missingBaseline) {
    conditions.push({
      id: 'loadtest:baseline',
      scope: 'overall',
      title: 'Load test against its baseline',
      value: null,
      threshold: '-',
      passed: true,
      judged: false,
      note: `not judged: no baseline at ${report.missingBaseline} yet (slipway loadtest <env> --record-baseline on the target branch); ${from}`,
      locations: [],
    });
  }
  if (conditions.length === 0) {
    conditions.push({
      id: 'loadtest',
      scope: 'overall',
      title: 'Load test',
      value: null,
      threshold: '-',
      passed: true,
      judged: false,
      note: `not judged: the load test set no threshold and had no baseline to compare with; ${from}`,
      locations: [],
    });
  }
  return conditions;
}

export const loadtestCollector: Collector = {
  id: 'loadtest',
  async collect(step, context) {
    const stdout = await runStep(step, context.env);
    const source = step.report;
    const file =
      source.kind === 'file'
        ? source.path
        : source.kind === 'first-file'
          ? (source.paths.find((p) => existsSync(p)) ?? source.paths[0])
          : undefined;
    const relative = file && toRepoPath(file, context.projectDir, context.repoRoot);
    // only a configured path gets here without a file (the plan skips the default one): shown, never a failure
    if (file && !step.command && !existsSync(file)) {
      return {
        unavailable: [
          {
            collector: 'loadtest',
            title: 'Load test',
            reason: `no load-test report at ${relative} (run \`slipway loadtest <env>\` before the gate)`,
          },
        ],
      };
    }
    const report = parseLoadtestReport(await readReport(step, stdout));
    const writtenAt = file && existsSync(file) ? (await stat(file)).mtime : undefined;
    return {
      loadtest: loadtestGateConditions(report, {
        report: relative ?? 'slipway loadtest',
        repoRoot: context.repoRoot,
        writtenAt,
      }),
    };
  },
};

// Reads what earlier pipeline steps wrote (gate, load test, build, preview) for the merge-request report, and checks
// each file is what it claims to be. A default file that is absent means the step did not run in this pipeline.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { SlipwayError } from '../core/errors.js';
import type { LoadtestResult } from '../loadtest/result.js';
import type { BuiltComponent, GateSummary, Input, PreviewEnvironment, StepError } from './mr-report.js';

export type InputKind = 'gate' | 'loadtest' | 'build' | 'env';

/**
 * Where each step's result is looked for, relative to the project root: what `slipway pipeline generate` writes
 * (`.slipway/build.json`, `.slipway/preview.json`, the load test's `report.json`), plus `.slipway/gate/gate.json`
 * for `slipway gate … --json > .slipway/gate/gate.json`.
 */
export const DEFAULT_INPUTS: Record<InputKind, string[]> = {
  gate: ['.slipway/gate/gate.json', '.slipway/gate.json'],
  loadtest: ['.slipway/loadtest/report.json'],
  build: ['.slipway/build.json'],
  env: ['.slipway/preview.json', '.slipway/env.json'],
};

const PRODUCER: Record<InputKind, string> = {
  gate: 'slipway gate --json',
  loadtest: 'slipway loadtest (its report.json)',
  build: 'slipway build (.slipway/build.json, or its --json output)',
  env: 'slipway env up --json (or env ls --json)',
};

const FLAG: Record<InputKind, string> = { gate: '--gate', loadtest: '--loadtest', build: '--build', env: '--env' };

const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), fix: z.string() }) });

const locationSchema = z.object({ path: z.string(), lines: z.array(z.number()), message: z.string().optional() });
const conditionSchema = z.object({
  id: z.string(),
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

const gateSchema = z.looseObject({
  verdict: z.enum(['passed', 'failed', 'error', 'no-baseline']),
  base: z.string(),
  mergeBase: z.string(),
  head: z.string(),
  baseline: z.object({ branch: z.string(), commit: z.string(), recordedAt: z.string() }).nullable(),
  conditions: z.array(conditionSchema),
  errors: z.array(
    z.object({
      collector: z.string(),
      code: z.string(),
      message: z.string(),
      fix: z.string(),
      details: z.array(z.string()),
    }),
  ),
  newCode: z.object({
    files: z.number(),
    lines: z.number(),
    binaryFiles: z.array(z.string()),
    deletedFiles: z.array(z.string()),
  }),
});

const endpointSchema = z.looseObject({
  requests: z.number(),
  throughput: z.number(),
  errorRate: z.number(),
  avg: z.number(),
  p95: z.number(),
  p99: z.number(),
});

/** The fields of a LoadtestResult the report renders. */
const loadtestSchema = z.looseObject({
  verdict: z.enum(['passed', 'failed', 'no-baseline']),
  environment: z.object({ name: z.string(), branch: z.string() }),
  script: z.looseObject({ kind: z.enum(['smoke', 'file']), key: z.string() }),
  k6: z.looseObject({ version: z.string() }),
  load: z.object({ vus: z.number().nullable(), duration: z.string().nullable(), rate: z.number().nullable() }),
  metrics: z.looseObject({ overall: endpointSchema, endpoints: z.record(z.string(), endpointSchema) }),
  thresholds: z.array(
    z.looseObject({
      metric: z.string(),
      expression: z.string(),
      passed: z.boolean(),
      source: z.string(),
      value: z.number().nullable(),
    }),
  ),
  comparison: z
    .looseObject({
      baseline: z.looseObject({ kind: z.string(), name: z.string() }),
      rows: z.array(z.looseObject({ scope: z.string(), metric: z.string(), regressed: z.boolean() })),
      regressions: z.array(z.looseObject({ scope: z.string() })),
      onlyInBaseline: z.array(z.string()),
      onlyInCurrent: z.array(z.string()),
    })
    .nullable(),
  missingBaseline: z.string().nullable(),
  failures: z.array(z.string()),
  conditions: z.array(conditionSchema),
});

const buildEntrySchema = z.object({ kind: z.string(), image: z.string(), built: z.boolean(), reason: z.string() });
/** `.slipway/build.json`, the build manifest. */
const manifestSchema = z.object({ version: z.literal(1), components: z.record(z.string(), buildEntrySchema) });
/** `slipway build --json`. */
const buildOutputSchema = z.object({ components: z.array(buildEntrySchema.extend({ id: z.string() })) });

const envComponentSchema = z.looseObject({ id: z.string(), kind: z.string().optional(), url: z.string().nullish() });
const environmentSchema = z.looseObject({
  name: z.string(),
  slug: z.string().optional(),
  branch: z.string(),
  urls: z.record(z.string(), z.string()),
  components: z.array(envComponentSchema).optional(),
});
const envListSchema = z.object({ environments: z.array(environmentSchema) });

function invalid(kind: InputKind, source: string, error: z.ZodError | string): SlipwayError {
  const details =
    typeof error === 'string'
      ? [error]
      : error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
  return new SlipwayError('REPORT_INVALID', `${source} is not the output of ${PRODUCER[kind]}`, {
    fix: `pass ${FLAG[kind]} the file ${PRODUCER[kind]} wrote, or remove ${source}`,
    details,
  });
}

function stepError(json: unknown): StepError | undefined {
  const parsed = errorSchema.safeParse(json);
  return parsed.success ? parsed.data.error : undefined;
}

export function parseGate(json: unknown, source: string): Input<GateSummary> {
  const error = stepError(json);
  if (error) return { kind: 'error', error, source };
  const parsed = gateSchema.safeParse(json);
  if (!parsed.success) throw invalid('gate', source, parsed.error);
  const { issues: _issues, ...summary } = json as GateSummary & { issues?: unknown };
  return { kind: 'ok', value: summary, source };
}

export function parseLoadtest(json: unknown, source: string): Input<LoadtestResult> {
  const error = stepError(json);
  if (error) return { kind: 'error', error, source };
  const parsed = loadtestSchema.safeParse(json);
  if (!parsed.success) throw invalid('loadtest', source, parsed.error);
  return { kind: 'ok', value: json as LoadtestResult, source };
}

export function parseBuild(json: unknown, source: string): Input<BuiltComponent[]> {
  const error = stepError(json);
  if (error) return { kind: 'error', error, source };
  const manifest = manifestSchema.safeParse(json);
  if (manifest.success) {
    const components = Object.entries(manifest.data.components).map(([id, c]) => ({
      id,
      kind: c.kind,
      image: c.image,
      built: c.built,
      reason: c.reason,
    }));
    return { kind: 'ok', value: components, source };
  }
  const output = buildOutputSchema.safeParse(json);
  if (output.success) {
    const components = output.data.components.map(({ id, kind, image, built, reason }) => ({
      id,
      kind,
      image,
      built,
      reason,
    }));
    return { kind: 'ok', value: components, source };
  }
  throw invalid('build', source, manifest.error);
}

function entryUrl(env: z.output<typeof environmentSchema>): string | undefined {
  const components = env.components ?? [];
  for (const kind of ['front', 'back']) {
    const found = components.find((c) => c.kind === kind && (c.url ?? env.urls[c.id]));
    if (found) return found.url ?? env.urls[found.id];
  }
  return Object.values(env.urls)[0];
}

function preview(env: z.output<typeof environmentSchema>): PreviewEnvironment {
  return {
    name: env.name,
    slug: env.slug ?? env.name,
    branch: env.branch,
    urls: env.urls,
    entryUrl: entryUrl(env),
  };
}

export function parseEnvironments(json: unknown, source: string): Input<PreviewEnvironment[]> {
  const error = stepError(json);
  if (error) return { kind: 'error', error, source };
  const one = environmentSchema.safeParse(json);
  if (one.success) return { kind: 'ok', value: [preview(one.data)], source };
  const list = envListSchema.safeParse(json);
  if (list.success) return { kind: 'ok', value: list.data.environments.map(preview), source };
  throw invalid('env', source, one.error);
}

async function readJson(kind: InputKind, file: string, display: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalid(kind, display, `not JSON: ${(error as Error).message}`);
  }
}

export interface MrInputFiles {
  gate?: string;
  loadtest?: string;
  build?: string;
  env?: string[];
}

export interface ReadInputs {
  gate: Input<GateSummary>;
  loadtest: Input<LoadtestResult>;
  build: Input<BuiltComponent[]>;
  environments: Input<PreviewEnvironment[]>;
}

async function readOne<T>(
  kind: InputKind,
  root: string,
  cwd: string,
  explicit: string | undefined,
  parse: (json: unknown, source: string) => Input<T>,
): Promise<Input<T>> {
  if (explicit !== undefined) {
    const file = path.resolve(cwd, explicit);
    const json = await readJson(kind, file, explicit);
    if (json === undefined) {
      throw new SlipwayError('USAGE', `${FLAG[kind]} ${explicit}: no such file`, {
        fix: `pass the file ${PRODUCER[kind]} wrote, or leave ${FLAG[kind]} out`,
      });
    }
    return parse(json, explicit);
  }
  for (const relative of DEFAULT_INPUTS[kind]) {
    const json = await readJson(kind, path.join(root, relative), relative);
    if (json !== undefined) return parse(json, relative);
  }
  return { kind: 'absent', looked: DEFAULT_INPUTS[kind] };
}

/** Explicit files are relative to `cwd` and must exist; defaults are relative to the project root. */
export async function readMrInputs(root: string, cwd: string, files: MrInputFiles): Promise<ReadInputs> {
  const [gate, loadtest, build] = await Promise.all([
    readOne('gate', root, cwd, files.gate, parseGate),
    readOne('loadtest', root, cwd, files.loadtest, parseLoadtest),
    readOne('build', root, cwd, files.build, parseBuild),
  ]);
  let environments: Input<PreviewEnvironment[]>;
  if (files.env && files.env.length > 0) {
    const parts = await Promise.all(files.env.map((f) => readOne('env', root, cwd, f, parseEnvironments)));
    const failed = parts.find((p) => p.kind === 'error');
    environments =
      failed ??
      ({
        kind: 'ok',
        value: parts.flatMap((p) => (p.kind === 'ok' ? p.value : [])),
        source: files.env.join(', '),
      } as const);
  } else environments = await readOne('env', root, cwd, undefined, parseEnvironments);
  return { gate, loadtest, build, environments };
}

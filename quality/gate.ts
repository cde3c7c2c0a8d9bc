// Runs the gate: new code, plan, collectors, baseline, verdict, reports; or records the target branch's baseline.
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { SlipwayError, toSlipwayError } from '../core/errors.js';
import { run } from '../core/exec.js';
import { branchName, readBaseline, writeBaseline } from './baseline.js';
import { COLLECTORS, type AnalysisScope, type CollectContext } from './collectors/index.js';
import { loadGateConfig, type GateConfig } from './config.js';
import { collectNewCode } from './diff.js';
import { buildBaseline } from './metrics.js';
import {
  FACT_FILES,
  loadtestReportPath,
  planGate,
  type GatePlan,
  type PlannedStep,
  type ProjectFacts,
} from './plan.js';
import { REPORTERS, type ReportFormat } from './reporters/index.js';
import type { Baseline, CollectorFailure, GateResult, Metrics, NewCode } from './types.js';
import { judge } from './verdict.js';

export interface GateOptions {
  cwd: string;
  configFile?: string;
  /** Target branch (check mode). */
  base?: string;
  record: boolean;
  push: boolean;
  /** Branch a recorded baseline belongs to (default: the current branch). */
  branch?: string;
  /** Read and write the baseline in this JSON file instead of the git ref. */
  baselineFile?: string;
  dryRun: boolean;
  /** An existing lcov or istanbul JSON report to read instead of running the tests (the CI test job's). */
  coverageReport?: string;
  /** Report paths from the command line; they win over the config's. */
  reports: Partial<Record<ReportFormat, string>>;
  env: NodeJS.ProcessEnv;
  info(line: string): void;
  warn(line: string): void;
}

export type GateOutcome =
  | { kind: 'plan'; plan: GatePlan; newCode: NewCode | undefined }
  | { kind: 'result'; result: GateResult; reports: Partial<Record<ReportFormat, string>> }
  | { kind: 'recorded'; baseline: Baseline; where: string; pushed: boolean }
  | { kind: 'record-failed'; errors: CollectorFailure[] };

async function gitRoot(dir: string): Promise<string> {
  const found = await run({ file: 'git', args: ['rev-parse', '--show-toplevel'], cwd: dir });
  if (found.code !== 0) {
    throw new SlipwayError('USAGE', `${dir} is not inside a git repository`, {
      fix: 'run slipway gate in a git checkout of the project',
    });
  }
  return realpathSync(found.stdout.trim());
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function bundledJscpd(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('jscpd/package.json');
    const script = path.join(path.dirname(manifest), 'run-jscpd.js');
    return existsSync(script) ? script : undefined;
  } catch {
    return undefined;
  }
}

export async function gatherFacts(projectDir: string, repoRoot: string): Promise<ProjectFacts> {
  const pkg = await readJson(path.join(projectDir, 'package.json'));
  const names = (key: string) => Object.keys((pkg?.[key] as Record<string, string> | undefined) ?? {});
  const present = new Set(await listDir(projectDir));
  const eslint = await readJson(path.join(projectDir, 'node_modules', 'eslint', 'package.json'));
  return {
    projectDir,
    repoRoot,
    dependencies: [...names('dependencies'), ...names('devDependencies')],
    files: FACT_FILES.filter((f) => present.has(f)),
    bins: await listDir(path.join(projectDir, 'node_modules', '.bin')),
    eslintMajor: typeof eslint?.version === 'string' ? Number(eslint.version.split('.')[0]) : undefined,
    bundledJscpd: bundledJscpd(),
    node: process.execPath,
  };
}

/** The branch or merge request being analysed, from GitLab's or GitHub's CI variables, else git. */
export async function analysisScope(
  env: NodeJS.ProcessEnv,
  repoRoot: string,
  base: string | undefined,
): Promise<AnalysisScope> {
  if (env.CI_MERGE_REQUEST_IID) {
    return {
      kind: 'pull-request',
      key: env.CI_MERGE_REQUEST_IID,
      branch: env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME ?? '',
      base: env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME ?? base ?? '',
    };
  }
  const pull = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '');
  if (pull && env.GITHUB_HEAD_REF) {
    return {
      kind: 'pull-request',
      key: pull[1]!,
      branch: env.GITHUB_HEAD_REF,
      base: env.GITHUB_BASE_REF ?? base ?? '',
    };
  }
  const fromCi = env.CI_COMMIT_BRANCH ?? env.CI_COMMIT_REF_NAME ?? env.GITHUB_REF_NAME;
  if (fromCi) return { kind: 'branch', branch: fromCi };
  const current = await run({ file: 'git', args: ['rev-parse', '--abbrev-ref', 'HEAD'], cwd: repoRoot });
  return { kind: 'branch', branch: current.code === 0 ? current.stdout.trim() : 'HEAD' };
}

function failureOf(collector: PlannedStep['collector'], error: unknown): CollectorFailure {
  const e = toSlipwayError(error);
  return { collector, code: e.code, message: e.message, fix: e.fix, details: e.details };
}

function merge(into: Metrics, part: Partial<Metrics>): void {
  const { issues, unavailable, ...rest } = part;
  Object.assign(into, rest);
  if (issues) into.issues.push(...issues);
  if (unavailable) into.unavailable = [...(into.unavailable ?? []), ...unavailable];
}

async function runSteps(
  plan: GatePlan,
  context: CollectContext,
): Promise<{ metrics: Metrics; failures: CollectorFailure[] }> {
  const metrics: Metrics = { issues: [] };
  const failures: CollectorFailure[] = [];
  async function runOne(step: PlannedStep): Promise<void> {
    const started = Date.now();
    context.info(
      `${step.collector}: ${step.command ? `running ${step.tool}` : `reading ${step.tool}`} (${step.reason})`,
    );
    try {
      merge(metrics, await COLLECTORS[step.collector].collect(step, context));
      context.info(`${step.collector}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      const failure = failureOf(step.collector, error);
      context.info(`${step.collector}: FAILED ${failure.message}`);
      failures.push(failure);
    }
  }
  // tests first (they use every core), then the analysers side by side, then SonarQube, which may upload coverage
  const tests = plan.steps.filter((s) => s.collector === 'coverage');
  const analysers = plan.steps.filter((s) => s.collector !== 'coverage' && s.collector !== 'sonar');
  const sonar = plan.steps.filter((s) => s.collector === 'sonar');
  for (const step of tests) await runOne(step);
  const coverageStep = tests[0];
  if (coverageStep?.report.kind === 'file') context.coverageReport = coverageStep.report.path;
  await Promise.all(analysers.map(runOne));
  for (const step of sonar) await runOne(step);
  return { metrics, failures };
}

async function linesOf(file: string): Promise<string[] | undefined> {
  try {
    return (await readFile(file, 'utf8')).split('\n');
  } catch {
    return undefined;
  }
}

/** Adds each issue's source line, which the report fingerprints use instead of the line number. */
async function addSnippets(metrics: Metrics, repoRoot: string): Promise<void> {
  const cache = new Map<string, string[] | undefined>();
  for (const group of metrics.issues) {
    for (const issue of group.list) {
      if (!cache.has(issue.path)) cache.set(issue.path, await linesOf(path.join(repoRoot, issue.path)));
      const text = cache.get(issue.path)?.[issue.line - 1];
      if (text !== undefined) issue.snippet = text.trim();
    }
  }
}

async function changedFileLines(newCode: NewCode, repoRoot: string): Promise<Map<string, string[]>> {
  const lines = new Map<string, string[]>();
  for (const file of newCode.files) {
    if (file.status === 'deleted' || file.binary) continue;
    const text = await linesOf(path.join(repoRoot, file.path));
    if (text) lines.set(file.path, text);
  }
  return lines;
}

async function writeReports(
  result: GateResult,
  paths: Partial<Record<ReportFormat, string>>,
  projectDir: string,
): Promise<Partial<Record<ReportFormat, string>>> {
  const written: Partial<Record<ReportFormat, string>> = {};
  for (const [format, file] of Object.entries(paths) as [ReportFormat, string][]) {
    const target = path.resolve(projectDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, REPORTERS[format].render(result));
    written[format] = target;
  }
  return written;
}

function storeOf(config: GateConfig, baselineFile: string | undefined): GateConfig['baseline'] {
  return baselineFile ? { ...config.baseline, storage: 'file', file: baselineFile } : config.baseline;
}

async function recordBranch(options: GateOptions, repoRoot: string): Promise<string> {
  if (options.branch) return branchName(options.branch);
  const scope = await analysisScope(options.env, repoRoot, undefined);
  if (scope.kind === 'branch' && scope.branch !== 'HEAD') return scope.branch;
  throw new SlipwayError('USAGE', 'cannot tell which branch this baseline belongs to (detached HEAD)', {
    fix: 'pass --branch <target-branch>',
  });
}

export async function runGate(options: GateOptions): Promise<GateOutcome> {
  if (!options.record && !options.base) {
    throw new SlipwayError('USAGE', 'slipway gate needs the target branch', {
      fix: 'pass --base <branch> (e.g. --base main), or --record on the target branch',
    });
  }
  const loaded = await loadGateConfig({
    cwd: options.cwd,
    ...(options.configFile ? { configFile: options.configFile } : {}),
  });
  const config: GateConfig = options.coverageReport
    ? {
        ...loaded,
        coverage: { ...loaded.coverage, command: undefined, report: path.resolve(options.cwd, options.coverageReport) },
      }
    : loaded;
  const projectDir = realpathSync(config.projectDir);
  const repoRoot = await gitRoot(projectDir);
  const newCode = options.record ? undefined : await collectNewCode(repoRoot, options.base!);
  if (newCode) {
    options.info(
      `new code: ${newCode.files.length} files changed since ${newCode.mergeBase.slice(0, 12)} (merge-base with ${newCode.base})`,
    );
  }
  const facts = await gatherFacts(projectDir, repoRoot);
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'slipway-gate-'));
  try {
    const plan = planGate({
      facts,
      config,
      mode: options.record ? 'record' : 'check',
      changed: newCode?.files ?? [],
      workDir,
      manifestExists: existsSync(path.resolve(projectDir, config.images.manifest)),
      loadtestReportExists: existsSync(loadtestReportPath(config.loadtest, projectDir)),
    });
    if (options.dryRun) return { kind: 'plan', plan, newCode };
    for (const skip of plan.skipped) options.info(`${skip.collector}: skipped, ${skip.reason}`);
    const context: CollectContext = {
      repoRoot,
      projectDir,
      config,
      env: options.env,
      newCode,
      scope: await analysisScope(options.env, repoRoot, options.base && branchName(options.base)),
      info: options.info,
    };
    const { metrics, failures } = await runSteps(plan, context);
    const store = storeOf(config, options.baselineFile);
    if (options.record) {
      if (failures.length > 0) return { kind: 'record-failed', errors: failures };
      const head = (await run({ file: 'git', args: ['rev-parse', 'HEAD'], cwd: repoRoot })).stdout.trim();
      const baseline = buildBaseline({
        branch: await recordBranch(options, repoRoot),
        commit: head,
        metrics,
        now: new Date(),
      });
      const where = await writeBaseline(repoRoot, projectDir, store, baseline, {
        push: options.push,
        warn: options.warn,
      });
      return { kind: 'recorded', baseline, where, pushed: options.push };
    }
    await addSnippets(metrics, repoRoot);
    const baseline = await readBaseline(repoRoot, projectDir, store, branchName(options.base!), options.warn);
    if (!baseline) options.info(`baseline: none recorded for ${branchName(options.base!)} yet`);
    const result = judge({
      newCode: newCode!,
      metrics,
      baseline,
      config,
      failures,
      fileLines: await changedFileLines(newCode!, repoRoot),
    });
    const reports = await writeReports(result, { ...config.reports, ...options.reports }, projectDir);
    return { kind: 'result', result, reports };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

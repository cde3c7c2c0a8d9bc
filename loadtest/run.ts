// `slipway loadtest`'s executor: finds the environment, plans, runs k6 with live progress and a log file, reads its
// summary, compares with the baseline, and writes the reports, all or none (a failed run leaves no stale report).
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve.js';
import { SlipwayError } from '../core/errors.js';
import { run, type CommandResult } from '../core/exec.js';
import type { EnvironmentState } from '../engines/docker/environments.js';
import { findEnvironment } from '../environments/environments.js';
import { baselinePath, readBaselineFile, writeBaselineFile } from './baseline.js';
import { compareRuns, type BaselineSource, type Comparison } from './compare.js';
import { loadLoadtestConfig, type LoadtestConfig } from './config.js';
import { classifyExit, findK6, k6ErrorLines, k6Version, type K6Outcome } from './k6.js';
import { planLoadtest, type LoadRequest, type LoadtestPlan } from './plan.js';
import { renderJunit, renderMarkdown } from './reports.js';
import {
  exitCodeOfVerdict,
  failureLines,
  judgeThresholds,
  loadtestConditions,
  verdictOf,
  type LoadtestResult,
} from './result.js';
import { overallMetrics, parseK6Summary, readBreakdown, type K6Summary, type RunMetrics } from './summary.js';

export interface LoadtestOptions {
  cwd: string;
  configFile?: string;
  env: NodeJS.ProcessEnv;
  /** Branch or environment name, as `slipway env down` takes it. */
  environment: string;
  script?: string;
  load: LoadRequest;
  /** A baseline file, or an environment to run the same script on first. */
  baseline?: string;
  recordBaseline: boolean;
  dryRun: boolean;
  /** The environments of a project, from the engine (the CLI passes the Docker engine's). */
  listEnvironments(project: string): Promise<EnvironmentState[]>;
  info(line: string): void;
  warn(line: string): void;
}

export type LoadtestOutcome =
  | { kind: 'plan'; plans: LoadtestPlan[]; baselineFile: string | null }
  | { kind: 'result'; result: LoadtestResult; exitCode: 0 | 1 };

export interface K6Run {
  version: string;
  exitCode: number;
  outcome: K6Outcome;
  summary: K6Summary;
  metrics: RunMetrics;
}

function lookup(environments: EnvironmentState[], name: string, project: string): EnvironmentState {
  const environment = findEnvironment(environments, name);
  if (!environment) {
    throw new SlipwayError('ENV_NOT_FOUND', `no environment for ${JSON.stringify(name)} in project ${project}`, {
      fix: 'see `slipway env ls` for the environments that exist, or `slipway env up <branch>` to create it',
    });
  }
  return environment;
}

/** A port nobody listens on, for k6's REST API (read for progress). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function accepts(address: string): Promise<true | string> {
  const index = address.lastIndexOf(':');
  const host = address.slice(0, index).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(index + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(3000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('no answer within 3 s');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Before k6 starts: every address the targets resolve to must accept a connection. */
async function checkReachable(plan: LoadtestPlan): Promise<void> {
  for (const address of plan.addresses) {
    const answer = await accepts(address);
    if (answer === true) continue;
    const urls = plan.targets.filter((t) => {
      const url = new URL(t.url);
      return address.endsWith(`:${url.port || '80'}`);
    });
    throw new SlipwayError(
      'TARGET_UNREACHABLE',
      `${plan.environment.name} is not reachable: ${address} ${answer === 'ECONNREFUSED' ? 'refuses connections' : `fails (${answer})`}`,
      {
        fix: 'check that the preview router runs (`slipway env ls`, `docker ps --filter name=slipway-router`) and that `env up` finished',
        details: urls.map((t) => `${t.id}: ${t.url}`),
      },
    );
  }
}

interface Progress {
  requests: number;
  errors: number;
}

async function readProgress(port: number): Promise<Progress | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v1/metrics`, { signal: AbortSignal.timeout(1500) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as {
      data?: { id: string; attributes?: { sample?: Record<string, number> } }[];
    };
    const sample = (id: string) => body.data?.find((m) => m.id === id)?.attributes?.sample ?? {};
    const requests = sample('http_reqs').count ?? 0;
    return { requests, errors: Math.round((sample('http_req_failed').rate ?? 0) * requests) };
  } catch {
    return undefined;
  }
}

function tail(text: string, lines: number): string[] {
  return text.trim().split('\n').filter(Boolean).slice(-lines);
}

/** Runs k6 once for a plan: live progress every 2 s, everything k6 prints appended to the plan's log file. */
async function runK6Process(
  plan: LoadtestPlan,
  env: NodeJS.ProcessEnv,
  info: (line: string) => void,
): Promise<{ result: CommandResult; port: number }> {
  const port = await freePort();
  const log = createWriteStream(plan.files.log, { flags: 'a' });
  log.write(`$ ${[plan.command.file, ...plan.command.args, '--address', `127.0.0.1:${port}`].join(' ')}\n`);
  const started = Date.now();
  const timer = setInterval(() => {
    void readProgress(port).then((p) => {
      if (!p) return;
      const seconds = Math.round((Date.now() - started) / 1000);
      info(`  ${plan.environment.name}: ${seconds} s, ${p.requests} requests, ${p.errors} errors`);
    });
  }, 2000);
  try {
    const result = await run(
      {
        ...plan.command,
        args: [...plan.command.args, '--address', `127.0.0.1:${port}`],
        env: { ...env, K6_NO_USAGE_REPORT: 'true' },
      },
      {
        onStdout: (chunk) => log.write(chunk),
        onStderr: (chunk) => log.write(chunk),
        signal: AbortSignal.timeout(plan.timeoutMs),
        maxBuffer: 1024 * 1024,
      },
    );
    return { result, port };
  } catch (error) {
    if ((error as Error).name === 'AbortError') {
      throw new SlipwayError(
        'LOADTEST_TIMEOUT',
        `k6 ran longer than ${Math.round(plan.timeoutMs / 1000)} s against ${plan.environment.name} and was stopped`,
        { fix: `shorten the script's load, or raise loadtest.timeout; k6's output is in ${plan.files.log}` },
      );
    }
    throw error;
  } finally {
    clearInterval(timer);
    await new Promise((resolve) => log.end(resolve));
  }
}

/** Applies one plan: writes the entry script, runs k6, and reads what it measured. */
export async function executePlan(
  plan: LoadtestPlan,
  env: NodeJS.ProcessEnv,
  info: (line: string) => void,
): Promise<K6Run> {
  if (plan.script.file && !existsSync(plan.script.file)) {
    throw new SlipwayError('LOADTEST_SCRIPT_INVALID', `the k6 script ${plan.script.file} does not exist`, {
      fix: 'pass an existing file to --script (relative to the current directory), or set loadtest.script',
    });
  }
  const version = await k6Version(plan.command.file);
  await rm(plan.files.workDir, { recursive: true, force: true });
  await mkdir(plan.files.workDir, { recursive: true });
  await rm(plan.files.log, { force: true });
  await writeFile(plan.files.wrapper, plan.wrapper);
  if (plan.files.smoke && plan.smoke) await writeFile(plan.files.smoke, plan.smoke);
  await checkReachable(plan);
  info(
    `running k6 ${version} (${plan.script.kind === 'smoke' ? 'built-in smoke script' : plan.script.file}) against ${plan.environment.name}; k6's output: ${plan.files.log}`,
  );
  let { result } = await runK6Process(plan, env, info);
  // 106: the REST API port was taken between choosing and binding it; one more try with another
  if (result.code === 106) ({ result } = await runK6Process(plan, env, info));
  const outcome = classifyExit(result.code, result.signal);
  const output = `${result.stdout}\n${result.stderr}`;
  if (outcome === 'script-invalid') {
    const [first, ...rest] = k6ErrorLines(output);
    throw new SlipwayError(
      'LOADTEST_SCRIPT_INVALID',
      `k6 could not run the script: ${first ?? `k6 exited with ${result.code}`}`,
      {
        fix: `fix the script${plan.script.file ? ` ${plan.script.file}` : ''} (k6's full output: ${plan.files.log})`,
        details: rest.slice(0, 5),
      },
    );
  }
  if (outcome === 'crashed' || !existsSync(plan.files.summary)) {
    const errors = k6ErrorLines(output);
    throw new SlipwayError(
      'TOOL_FAILED',
      `k6 crashed: it exited with ${result.signal ?? result.code}${existsSync(plan.files.summary) ? '' : ' and wrote no summary'}`,
      {
        fix: `see k6's output in ${plan.files.log}; rerun, and report a k6 bug if it persists`,
        details: errors.length > 0 ? errors.slice(0, 5) : tail(output, 5),
      },
    );
  }
  const summary = parseK6Summary(await readFile(plan.files.summary, 'utf8'), plan.files.summary);
  const metrics = overallMetrics(summary);
  let refused = 0;
  if (plan.files.samples && existsSync(plan.files.samples)) {
    const breakdown = await readBreakdown(plan.files.samples, plan.components, metrics.durationSeconds);
    metrics.endpoints = breakdown.endpoints;
    refused = breakdown.refused;
    // the samples hold every request: gone once summed up, they would fill the disk run after run
    await rm(plan.files.samples, { force: true });
  } else if (metrics.overall.errorRate === 1 && /connection refused/.test(output)) {
    refused = metrics.overall.requests;
  }
  if (metrics.overall.requests > 0 && refused === metrics.overall.requests) {
    throw new SlipwayError(
      'TARGET_UNREACHABLE',
      `every request of the load test was refused (${refused} connections refused)`,
      {
        fix: `check the URLs the script calls against \`slipway env ls\`; k6's output: ${plan.files.log}`,
        details: k6ErrorLines(output).slice(0, 3),
      },
    );
  }
  return { version, exitCode: result.code, outcome, summary, metrics };
}

/** The report files, removed before a run so that a run that fails to finish leaves none from an older run. */
export function reportFiles(loadtest: LoadtestConfig): LoadtestResult['reports'] {
  return {
    json: path.join(loadtest.reportsDir, 'report.json'),
    markdown: path.join(loadtest.reportsDir, 'report.md'),
    junit: path.join(loadtest.reportsDir, 'junit.xml'),
    log: path.join(loadtest.reportsDir, 'k6.log'),
  };
}

async function writeReports(result: LoadtestResult): Promise<void> {
  await writeFile(result.reports.json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(result.reports.markdown, renderMarkdown(result));
  await writeFile(result.reports.junit, renderJunit(result));
}

/** An existing file, or a name ending in .json (a baseline not recorded yet); anything else names an environment. */
function isBaselineFile(value: string, cwd: string): boolean {
  return existsSync(path.resolve(cwd, value)) || value.endsWith('.json');
}

function plans(
  options: LoadtestOptions,
  config: ResolvedConfig,
  loadtest: LoadtestConfig,
  environments: EnvironmentState[],
): { plans: LoadtestPlan[]; baselineFile: string | null } {
  const k6 = findK6(loadtest.k6, options.env);
  const script = options.script ? path.resolve(options.cwd, options.script) : undefined;
  const plan = (environment: EnvironmentState, role: 'target' | 'baseline') =>
    planLoadtest({ config, loadtest, environment, role, script, load: options.load, k6 });
  const target = plan(lookup(environments, options.environment, config.project), 'target');
  if (options.baseline === undefined) return { plans: [target], baselineFile: null };
  if (isBaselineFile(options.baseline, options.cwd)) {
    return { plans: [target], baselineFile: path.resolve(options.cwd, options.baseline) };
  }
  return {
    plans: [plan(lookup(environments, options.baseline, config.project), 'baseline'), target],
    baselineFile: null,
  };
}

export async function runLoadtest(options: LoadtestOptions): Promise<LoadtestOutcome> {
  const { config, loadtest } = await loadLoadtestConfig({
    cwd: options.cwd,
    ...(options.configFile ? { configFile: options.configFile } : {}),
  });
  const reports = reportFiles(loadtest);
  if (!options.dryRun) {
    // before anything else can fail: whatever happens next, no report of an older run is left to be mistaken for this one
    const stale = [
      reports.json,
      reports.markdown,
      reports.junit,
      reports.log,
      path.join(loadtest.reportsDir, 'k6-baseline.log'),
    ];
    await Promise.all(stale.map((file) => rm(file, { force: true })));
  }
  const planned = plans(options, config, loadtest, await options.listEnvironments(config.project));
  if (options.dryRun) return { kind: 'plan', ...planned };
  const { baselineFile } = planned;
  const target = planned.plans.at(-1)!;
  await mkdir(loadtest.reportsDir, { recursive: true });

  let comparison: Comparison | null = null;
  let missingBaseline: string | null = null;
  let baseline: { metrics: RunMetrics; source: BaselineSource } | undefined;
  if (baselineFile) {
    baseline = await readBaselineFile(baselineFile);
    if (!baseline) {
      missingBaseline = baselineFile;
      options.warn(`no baseline at ${baselineFile} yet: the run is not compared`);
    }
  } else if (planned.plans.length > 1) {
    const first = planned.plans[0]!;
    options.info(`baseline: the same script on ${first.environment.name} first`);
    const measured = await executePlan(first, options.env, options.info);
    baseline = {
      metrics: measured.metrics,
      source: {
        kind: 'environment',
        name: first.environment.name,
        recordedAt: new Date().toISOString(),
        environment: first.environment.name,
        script: first.script.key,
      },
    };
  }

  const measured = await executePlan(target, options.env, options.info);
  if (baseline) {
    comparison = compareRuns(
      baseline.metrics,
      measured.metrics,
      baseline.source,
      loadtest.tolerance,
      loadtest.minRequests,
    );
  }
  const thresholds = judgeThresholds(measured.summary, loadtest.thresholds);
  const failures = failureLines(thresholds, comparison, measured.outcome === 'marked-failed');
  let baselineRecorded: string | null = null;
  if (options.recordBaseline) {
    baselineRecorded = baselinePath(loadtest.baselineFile, target.script.key);
    await writeBaselineFile(baselineRecorded, {
      kind: 'slipway-loadtest-baseline',
      version: 1,
      script: target.script.key,
      environment: target.environment.name,
      branch: target.environment.branch,
      recordedAt: new Date().toISOString(),
      load: target.load,
      metrics: measured.metrics,
    });
  }
  const verdict = verdictOf(failures, missingBaseline);
  const result: LoadtestResult = {
    verdict,
    environment: target.environment,
    script: target.script,
    k6: { version: measured.version, exitCode: measured.exitCode },
    load: target.load,
    metrics: measured.metrics,
    thresholds,
    comparison,
    missingBaseline,
    baselineRecorded,
    failures,
    conditions: loadtestConditions(thresholds, comparison),
    reports,
  };
  await writeReports(result);
  return { kind: 'result', result, exitCode: exitCodeOfVerdict(verdict) };
}

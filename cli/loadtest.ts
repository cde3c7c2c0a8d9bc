// `slipway loadtest <env>`: k6 against a preview environment, judged by thresholds and a baseline, with reports.
import type { Output } from '../core/output.js';
import type { EnvironmentState } from '../engines/docker/environments.js';
import type { LoadtestPlan } from '../loadtest/plan.js';
import type { LoadtestResult } from '../loadtest/result.js';
import type { CliCommand, CommandContext } from './command.js';

/** The environments of a project, read from the Docker engine's labels (as `slipway env ls` does). */
async function dockerEnvironments(): Promise<(project: string) => Promise<EnvironmentState[]>> {
  const [{ createDockerRuntime }, { createDockerEnvironments }, { createRouter }] = await Promise.all([
    import('../engines/docker/containers.js'),
    import('../engines/docker/environments.js'),
    import('../engines/docker/router.js'),
  ]);
  // listing reads container labels only; the router object is never asked to do anything here
  const engine = createDockerEnvironments(createDockerRuntime(), createRouter());
  return (project) => engine.listEnvironments(project);
}

async function usage(message: string): Promise<never> {
  const { SlipwayError } = await import('../core/errors.js');
  throw new SlipwayError('USAGE', message, { fix: 'see `slipway loadtest --help`' });
}

async function loadFlags(flags: CommandContext['flags']): Promise<{ vus?: number; duration?: string; rate?: number }> {
  const load: { vus?: number; duration?: string; rate?: number } = {};
  if (typeof flags.vus === 'string') {
    if (!/^[1-9]\d*$/.test(flags.vus))
      await usage(`--vus expects a positive whole number, got ${JSON.stringify(flags.vus)}`);
    load.vus = Number(flags.vus);
  }
  if (typeof flags.duration === 'string') {
    const { K6_DURATION } = await import('../loadtest/schema.js');
    if (!K6_DURATION.test(flags.duration))
      await usage(`--duration expects a k6 duration such as 30s or 1m30s, got ${JSON.stringify(flags.duration)}`);
    load.duration = flags.duration;
  }
  if (typeof flags.rate === 'string') {
    if (!/^\d+(\.\d+)?$/.test(flags.rate) || Number(flags.rate) <= 0)
      await usage(`--rate expects requests per second above 0, got ${JSON.stringify(flags.rate)}`);
    load.rate = Number(flags.rate);
  }
  return load;
}

function describePlan(plan: LoadtestPlan): string[] {
  return [
    `${plan.role === 'baseline' ? 'baseline run' : 'run'} against ${plan.environment.name} (branch ${JSON.stringify(plan.environment.branch)}):`,
    `  script   ${plan.script.kind === 'smoke' ? 'built-in smoke test of every health path' : plan.script.file}`,
    ...plan.targets.map((t) => `  target   ${t.id.padEnd(20)} ${t.url}`),
    ...Object.entries(plan.hosts).map(([host, address]) => `  hosts    ${host} -> ${address}`),
    `  command  ${[plan.command.file, ...plan.command.args].join(' ')}`,
  ];
}

function humanResult(result: LoadtestResult): string {
  const { overall } = result.metrics;
  const lines = [
    `loadtest ${result.environment.name}: ${result.verdict}`,
    `  ${overall.requests} requests (${overall.throughput.toFixed(1)}/s), errors ${(overall.errorRate * 100).toFixed(2)}%, p95 ${overall.p95.toFixed(1)} ms, p99 ${overall.p99.toFixed(1)} ms`,
  ];
  if (result.thresholds.length > 0) lines.push('thresholds:');
  for (const t of result.thresholds) {
    lines.push(
      `  ${t.passed ? 'ok  ' : 'FAIL'} ${t.metric} ${t.expression}${t.value === null ? '' : ` (${Number(t.value.toFixed(3))})`} [${t.source}]`,
    );
  }
  if (result.comparison) {
    const judged = result.comparison.rows.filter((r) => r.judged).length;
    lines.push(
      `compared with ${result.comparison.baseline.name}: ${result.comparison.regressions.length} regressions in ${judged} judged metrics`,
    );
  }
  if (result.missingBaseline) lines.push(`no baseline at ${result.missingBaseline} yet`);
  for (const failure of result.failures) lines.push(`  FAIL ${failure}`);
  if (result.baselineRecorded) lines.push(`baseline recorded in ${result.baselineRecorded}`);
  lines.push(
    `reports: ${result.reports.json}, ${result.reports.markdown}, ${result.reports.junit}; k6 output: ${result.reports.log}`,
  );
  return lines.join('\n');
}

function printPlans(out: Output, plans: LoadtestPlan[], baselineFile: string | null): void {
  out.result(
    {
      dryRun: true,
      baselineFile,
      plans: plans.map((p) => ({
        role: p.role,
        environment: p.environment,
        script: p.script,
        load: p.load,
        targets: p.targets,
        variables: p.variables,
        hosts: p.hosts,
        command: [p.command.file, ...p.command.args],
      })),
    },
    () => [...plans.flatMap(describePlan), ...(baselineFile ? [`baseline file ${baselineFile}`] : [])].join('\n'),
  );
}

export const loadtestCommand: CliCommand = {
  name: 'loadtest',
  summary: 'k6 load test of a preview environment, judged by thresholds and against a baseline',
  usage:
    'slipway loadtest <env> [--script <file>] [--vus n] [--duration d] [--rate r] [--baseline <file|env>] [--record-baseline] [--dry-run] [--json]',
  description: [
    'Runs k6 against the environment (a branch or environment name, as `slipway env ls` shows). The script gets',
    'each preview URL as SLIPWAY_URL_<MODULE>_<COMPONENT> (and all of them as SLIPWAY_TARGETS); preview hosts',
    "are mapped to the router's address with k6's `hosts` option. Without --script (or loadtest.script) a",
    'built-in smoke test requests every front and back health path. Thresholds come from the script and from',
    'loadtest.thresholds. --baseline compares p95, p99, error rate and throughput, overall and per endpoint, with',
    'a recorded baseline file or with the same script run on another environment first (the target branch).',
    'Reports: report.json, report.md (the merge-request comment), junit.xml and k6.log in .slipway/loadtest/.',
    '',
    'Exit codes: 0 passed (or no baseline yet), 1 a threshold failed or a metric regressed, 2 bad input',
    '(environment missing or not ready, script error), 3 k6 missing or crashed, target unreachable.',
  ].join('\n'),
  flags: {
    script: {
      type: 'string',
      value: '<file>',
      description: 'k6 script (default: loadtest.script, else the smoke test)',
    },
    vus: { type: 'string', value: '<n>', description: 'virtual users (overrides the script)' },
    duration: { type: 'string', value: '<d>', description: 'test duration, e.g. 30s or 1m30s (overrides the script)' },
    rate: {
      type: 'string',
      value: '<r>',
      description: 'constant arrival rate: iterations of the default function per second, up to --vus VUs',
    },
    baseline: {
      type: 'string',
      value: '<file|env>',
      description: 'compare with a baseline file (or k6 summary JSON), or with a run on this environment first',
    },
    'record-baseline': {
      type: 'boolean',
      description:
        'store this run as the baseline (loadtest.baseline.file, default .slipway/loadtest/baselines/<script>.json)',
    },
    'dry-run': { type: 'boolean', description: 'print the plan (targets, hosts, k6 command) without running k6' },
  },
  async run(command) {
    const [environment] = command.positionals;
    if (!environment || command.positionals.length > 1) {
      await usage('loadtest takes exactly one environment (a branch or environment name)');
    }
    const load = await loadFlags(command.flags);
    const { runLoadtest } = await import('../loadtest/run.js');
    const outcome = await runLoadtest({
      cwd: command.cwd,
      ...(typeof command.flags.config === 'string' ? { configFile: command.flags.config } : {}),
      env: command.env,
      environment: environment!,
      ...(typeof command.flags.script === 'string' ? { script: command.flags.script } : {}),
      load,
      ...(typeof command.flags.baseline === 'string' ? { baseline: command.flags.baseline } : {}),
      recordBaseline: command.flags['record-baseline'] === true,
      dryRun: command.flags['dry-run'] === true,
      listEnvironments: await dockerEnvironments(),
      info: (line) => command.out.info(line),
      warn: (line) => command.out.warn(line),
    });
    if (outcome.kind === 'plan') {
      printPlans(command.out, outcome.plans, outcome.baselineFile);
      return 0;
    }
    const { result, exitCode } = outcome;
    command.out.result(result, () => humanResult(result));
    if (exitCode !== 0) command.out.info(`load test failed: ${result.failures.join('; ')}`);
    return exitCode;
  },
};

// `slipway gate` judges a merge request's new code and the overall code against the target branch's baseline.
// The quality pillar (and zod with it) loads only when the gate runs, so other commands start fast.
import type { ReportFormat } from '../quality/reporters/index.js';
import type { CliCommand } from './command.js';

const REPORT_FLAGS: ReportFormat[] = ['codeclimate', 'sarif', 'junit', 'markdown'];

export const gateCommand: CliCommand = {
  name: 'gate',
  summary: 'quality gate: new code never makes quality worse than the target branch',
  usage:
    'slipway gate --base <target-branch> [--json] [--codeclimate f] [--sarif f] [--junit f] [--markdown f]\n       slipway gate --record [--branch <name>] [--push]',
  description: [
    'New code is the diff against the merge-base with --base, line by line. The gate finds the tools in',
    'package.json (vitest or jest with coverage, ESLint, tsc, npm audit) plus jscpd, runs them, and judges:',
    'coverage of new lines >= 80%, duplicated new lines <= 3%, no new issue of severity major or above',
    '(changes under 20 new lines are not judged on coverage and duplication), no failing test, and no',
    "overall metric worse than the target branch's baseline. Thresholds, modules and commands: the `gate`",
    'block of slipway.config.ts. Baselines live in refs/slipway/baselines/<branch> (see quality/README.md).',
    '',
    'Verdicts: passed (0), failed (1), no-baseline (0: new code passed, nothing to compare overall with),',
    'error (3: a tool is missing or crashed).',
  ].join('\n'),
  flags: {
    base: {
      type: 'string',
      value: '<branch>',
      description: 'target branch of the merge request (main, or origin/main)',
    },
    record: { type: 'boolean', description: 'record the baseline of the current branch instead of judging' },
    push: { type: 'boolean', description: 'with --record: push the baseline ref to the remote' },
    branch: {
      type: 'string',
      value: '<name>',
      description: 'with --record: the branch the baseline belongs to (default: current)',
    },
    'baseline-file': {
      type: 'string',
      value: '<file>',
      description: 'keep the baseline in this JSON file (a CI artifact) instead of a git ref',
    },
    codeclimate: { type: 'string', value: '<file>', description: 'write a GitLab Code Quality report' },
    sarif: { type: 'string', value: '<file>', description: 'write a SARIF 2.1.0 report' },
    junit: { type: 'string', value: '<file>', description: 'write a JUnit XML report' },
    markdown: {
      type: 'string',
      value: '<file>',
      description: 'write the Markdown summary for the merge-request comment',
    },
    coverage: {
      type: 'string',
      value: '<file>',
      description: 'read this lcov or istanbul JSON coverage report instead of running the tests',
    },
    'dry-run': { type: 'boolean', description: 'print which tools would run, and how, without running them' },
  },
  async run({ flags, out, cwd, env }) {
    const [{ runGate }, { printGateOutcome }] = await Promise.all([
      import('../quality/gate.js'),
      import('./gate-report.js'),
    ]);
    const reports: Partial<Record<ReportFormat, string>> = {};
    for (const format of REPORT_FLAGS) if (typeof flags[format] === 'string') reports[format] = flags[format];
    const outcome = await runGate({
      cwd,
      ...(typeof flags.config === 'string' ? { configFile: flags.config } : {}),
      ...(typeof flags.base === 'string' ? { base: flags.base } : {}),
      record: flags.record === true,
      push: flags.push === true,
      ...(typeof flags.branch === 'string' ? { branch: flags.branch } : {}),
      ...(typeof flags['baseline-file'] === 'string' ? { baselineFile: flags['baseline-file'] } : {}),
      dryRun: flags['dry-run'] === true,
      ...(typeof flags.coverage === 'string' ? { coverageReport: flags.coverage } : {}),
      reports,
      env,
      info: (line) => out.info(line),
      warn: (line) => out.warn(line),
    });
    return printGateOutcome(outcome, out);
  },
};

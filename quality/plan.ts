// Which collectors run and how: detected from package.json and config files, overridden by the gate config; no I/O.
import path from 'node:path';
import type { Command } from '../core/exec.js';
import type { GateConfig, ToolSettings } from './config.js';
import type { ChangedFile, CollectorId } from './types.js';

/** What slipway looked at in the project to decide (gathered by `gatherFacts`). */
export interface ProjectFacts {
  /** Absolute path of the folder holding package.json (the tools run there). */
  projectDir: string;
  /** Absolute git top-level. */
  repoRoot: string;
  /** Names in dependencies and devDependencies. */
  dependencies: string[];
  /** Names of the files present in projectDir among those plan looks for. */
  files: string[];
  /** Programs in projectDir/node_modules/.bin. */
  bins: string[];
  /** Major version of the project's ESLint, when installed. */
  eslintMajor: number | undefined;
  /** The jscpd entry script that ships with slipway. */
  bundledJscpd: string | undefined;
  /** The node binary running slipway. */
  node: string;
}

export type ReportSource =
  | { kind: 'file'; path: string }
  /** Coverage from a user command: the first of these files that exists. */
  | { kind: 'first-file'; paths: string[] }
  | { kind: 'stdout' }
  | { kind: 'none' };

export interface PlannedStep {
  collector: CollectorId;
  /** The tool behind it, e.g. `vitest`, `eslint`, `jscpd`. */
  tool: string;
  reason: string;
  /** Absent when slipway only reads an existing report. */
  command?: Command;
  report: ReportSource;
  /** vitest/jest test results (JSON), when slipway runs the tests. */
  testReport?: string;
  /** Exit codes meaning the tool worked (ESLint exits 1 when it found problems). */
  okExitCodes: number[];
  /** For ESLint: `changed` when only the changed files are linted. */
  scope: 'all' | 'changed';
  /** Files handed to the tool when scope is `changed`, relative to the repository root. */
  files: string[];
  /** Set when the step cannot run; the gate reports it as a tool failure (exit 3). */
  missing?: { message: string; fix: string };
}

export interface GatePlan {
  mode: 'check' | 'record';
  steps: PlannedStep[];
  skipped: { collector: CollectorId; reason: string }[];
}

export const LINTABLE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx', '.vue', '.svelte'];
const ESLINT_CONFIGS = [
  'eslint.config.js',
  'eslint.config.mjs',
  'eslint.config.cjs',
  'eslint.config.ts',
  'eslint.config.mts',
  'eslint.config.cts',
  '.eslintrc.js',
  '.eslintrc.cjs',
  '.eslintrc.json',
  '.eslintrc.yml',
  '.eslintrc.yaml',
  '.eslintrc',
];
/** Files whose change can change every file's lint result: then ESLint runs on everything. */
const LINT_WIDE_FILES = [...ESLINT_CONFIGS, 'package.json', 'package-lock.json', 'tsconfig.json'];
export const FACT_FILES = [...ESLINT_CONFIGS, 'tsconfig.json', 'package-lock.json', 'package.json'];
const DUPLICATION_FORMATS = [
  'javascript',
  'typescript',
  'jsx',
  'tsx',
  'vue',
  'svelte',
  'css',
  'scss',
  'less',
  'python',
  'java',
  'kotlin',
  'go',
  'rust',
  'csharp',
  'php',
  'ruby',
  'c',
  'cpp',
  'swift',
];
export const DUPLICATION_IGNORES = [
  '**/node_modules/**',
  '**/dist/**',
  '**/build/**',
  '**/coverage/**',
  '**/.slipway/**',
  '**/*.test.*',
  '**/*.spec.*',
  '**/__tests__/**',
  '**/*.d.ts',
  '**/fixtures/**',
];

interface PlanInput {
  facts: ProjectFacts;
  config: GateConfig;
  mode: 'check' | 'record';
  /** The merge request's files (check mode); ESLint's `changed` scope lints these. */
  changed: ChangedFile[];
  /** Scratch folder for the reports slipway's own commands write. */
  workDir: string;
}

function bin(facts: ProjectFacts, name: string): string {
  return path.join(facts.projectDir, 'node_modules', '.bin', name);
}

function has(facts: ProjectFacts, dependency: string): boolean {
  return facts.dependencies.includes(dependency);
}

function notInstalled(facts: ProjectFacts, name: string): PlannedStep['missing'] {
  return facts.bins.includes(name)
    ? undefined
    : {
        message: `${name} is in package.json but not installed in ${facts.projectDir}`,
        fix: 'install the dependencies first (npm ci)',
      };
}

/** A user's own command or report, which replaces detection. */
function overridden(
  collector: CollectorId,
  tool: string,
  settings: ToolSettings,
  facts: ProjectFacts,
  fallbackReports: string[],
): PlannedStep | undefined {
  const resolve = (p: string) => path.resolve(facts.projectDir, p);
  const base = { collector, tool, okExitCodes: [0], scope: 'all' as const, files: [] };
  if (settings.command) {
    const [file, ...args] = settings.command;
    const report: ReportSource = settings.report
      ? { kind: 'file', path: resolve(settings.report) }
      : fallbackReports.length > 0
        ? { kind: 'first-file', paths: fallbackReports.map(resolve) }
        : { kind: 'stdout' };
    return {
      ...base,
      reason: 'command from the gate config',
      command: { file: file!, args, cwd: facts.projectDir },
      report,
      // a user's lint or type-check command exits non-zero when it finds problems; its report says the rest
      okExitCodes: collector === 'coverage' ? [0] : [0, 1, 2],
    };
  }
  if (settings.report) {
    return {
      ...base,
      reason: 'existing report from the gate config',
      report: { kind: 'file', path: resolve(settings.report) },
    };
  }
  return undefined;
}

function coverageStep(input: PlanInput): PlannedStep | string {
  const { facts, config, workDir } = input;
  const own = overridden('coverage', 'tests', config.coverage, facts, [
    'coverage/lcov.info',
    'coverage/coverage-final.json',
  ]);
  if (own) return own;
  const reportDir = path.join(workDir, 'coverage');
  const testReport = path.join(workDir, 'tests.json');
  const common = { collector: 'coverage' as const, okExitCodes: [0, 1], scope: 'all' as const, files: [], testReport };
  if (has(facts, 'vitest')) {
    const provider = ['@vitest/coverage-v8', '@vitest/coverage-istanbul'].find((p) => has(facts, p));
    return {
      ...common,
      tool: 'vitest',
      reason: `vitest${provider ? ` with ${provider}` : ''} in package.json`,
      command: {
        file: bin(facts, 'vitest'),
        args: [
          'run',
          '--coverage.enabled=true',
          '--coverage.reporter=lcovonly',
          '--coverage.reportOnFailure=true',
          `--coverage.reportsDirectory=${reportDir}`,
          '--reporter=json',
          `--outputFile=${testReport}`,
        ],
        cwd: facts.projectDir,
      },
      report: { kind: 'file', path: path.join(reportDir, 'lcov.info') },
      missing: provider
        ? notInstalled(facts, 'vitest')
        : {
            message: 'vitest has no coverage provider in this project',
            fix: 'npm i -D @vitest/coverage-v8 (the same version as vitest)',
          },
    };
  }
  if (has(facts, 'jest')) {
    return {
      ...common,
      tool: 'jest',
      reason: 'jest in package.json',
      command: {
        file: bin(facts, 'jest'),
        args: [
          '--ci',
          '--coverage',
          '--coverageReporters=lcovonly',
          `--coverageDirectory=${reportDir}`,
          '--json',
          `--outputFile=${testReport}`,
        ],
        cwd: facts.projectDir,
      },
      report: { kind: 'file', path: path.join(reportDir, 'lcov.info') },
      missing: notInstalled(facts, 'jest'),
    };
  }
  return 'no vitest or jest in package.json';
}

function isLintable(file: string): boolean {
  return LINTABLE_EXTENSIONS.includes(path.extname(file));
}

function eslintStep(input: PlanInput): PlannedStep | string {
  const { facts, config, workDir, changed, mode } = input;
  const own = overridden('eslint', 'eslint', config.eslint, facts, []);
  if (own) return own;
  if (!has(facts, 'eslint')) return 'no eslint in package.json';
  const configFile = ESLINT_CONFIGS.find((f) => facts.files.includes(f));
  if (!configFile) return 'eslint is installed but the project has no ESLint config file';
  const output = path.join(workDir, 'eslint.json');
  const fromProject = (file: string) => path.relative(facts.projectDir, path.join(facts.repoRoot, file));
  const inProject = (file: string) => !fromProject(file).startsWith('..');
  const wide = changed.some((f) => LINT_WIDE_FILES.includes(fromProject(f.path)));
  const incremental = mode === 'check' && config.eslint.scope === 'changed' && !wide;
  const files = incremental
    ? changed
        .filter((f) => f.status !== 'deleted' && !f.binary && isLintable(f.path) && inProject(f.path))
        .map((f) => f.path)
    : [];
  const args = ['--format', 'json', '--output-file', output];
  if ((facts.eslintMajor ?? 9) >= 9) args.push('--no-warn-ignored');
  args.push(...(incremental ? files.map(fromProject) : ['.']));
  return {
    collector: 'eslint',
    tool: 'eslint',
    reason: `eslint and ${configFile}${incremental ? `; ${files.length} changed files (the baseline holds the rest)` : ''}`,
    ...(incremental && files.length === 0
      ? {}
      : { command: { file: bin(facts, 'eslint'), args, cwd: facts.projectDir } }),
    report: incremental && files.length === 0 ? { kind: 'none' } : { kind: 'file', path: output },
    okExitCodes: [0, 1],
    scope: incremental ? 'changed' : 'all',
    files,
    missing: notInstalled(facts, 'eslint'),
  };
}

function typescriptStep(input: PlanInput): PlannedStep | string {
  const { facts, config } = input;
  const own = overridden('typescript', 'tsc', config.typescript, facts, []);
  if (own) return own;
  if (!has(facts, 'typescript')) return 'no typescript in package.json';
  if (config.typescript.project === 'tsconfig.json' && !facts.files.includes('tsconfig.json'))
    return 'no tsconfig.json';
  return {
    collector: 'typescript',
    tool: 'tsc',
    reason: `typescript and ${config.typescript.project}`,
    command: {
      file: bin(facts, 'tsc'),
      args: ['--noEmit', '--pretty', 'false', '-p', config.typescript.project],
      cwd: facts.projectDir,
    },
    report: { kind: 'stdout' },
    okExitCodes: [0, 1, 2],
    scope: 'all',
    files: [],
    missing: notInstalled(facts, 'tsc'),
  };
}

function duplicationStep(input: PlanInput): PlannedStep | string {
  const { facts, config, workDir } = input;
  const own = overridden('duplication', 'jscpd', config.duplication, facts, []);
  if (own) return own;
  const outputDir = path.join(workDir, 'jscpd');
  const projectJscpd = facts.bins.includes('jscpd') ? bin(facts, 'jscpd') : undefined;
  const script = projectJscpd ?? facts.bundledJscpd;
  if (!script) return 'jscpd is not available';
  const args = [
    '--reporters',
    'json',
    '--output',
    outputDir,
    '--absolute',
    '--silent',
    '--no-tips',
    '--min-tokens',
    String(config.duplication.minTokens),
    '--min-lines',
    String(config.duplication.minLines),
    '--format',
    DUPLICATION_FORMATS.join(','),
    '--ignore',
    [...DUPLICATION_IGNORES, ...config.duplication.ignore].join(','),
    '.',
  ];
  return {
    collector: 'duplication',
    tool: 'jscpd',
    reason: projectJscpd ? "the project's jscpd" : 'jscpd bundled with slipway',
    command: projectJscpd
      ? { file: projectJscpd, args, cwd: facts.projectDir }
      : { file: facts.node, args: [script, ...args], cwd: facts.projectDir },
    report: { kind: 'file', path: path.join(outputDir, 'jscpd-report.json') },
    okExitCodes: [0],
    scope: 'all',
    files: [],
  };
}

function auditStep(input: PlanInput): PlannedStep | string {
  const { facts, config } = input;
  const own = overridden('audit', 'npm audit', config.audit, facts, []);
  if (own) return { ...own, okExitCodes: [0, 1] };
  if (!facts.files.includes('package-lock.json')) return 'no package-lock.json';
  return {
    collector: 'audit',
    tool: 'npm audit',
    reason: 'package-lock.json',
    command: { file: 'npm', args: ['audit', '--json', '--package-lock-only'], cwd: facts.projectDir },
    report: { kind: 'stdout' },
    // npm audit exits 1 when it found vulnerabilities
    okExitCodes: [0, 1],
    scope: 'all',
    files: [],
  };
}

function imagesStep(input: PlanInput, manifestExists: boolean): PlannedStep | string {
  const { facts, config } = input;
  if (!manifestExists && config.images.enabled !== true) return `no build manifest at ${config.images.manifest}`;
  return {
    collector: 'images',
    tool: 'build manifest',
    reason: config.images.manifest,
    report: { kind: 'file', path: path.resolve(facts.projectDir, config.images.manifest) },
    okExitCodes: [0],
    scope: 'all',
    files: [],
  };
}

/** Where `slipway loadtest` writes its report (its default `loadtest.reports.dir`), relative to the project. */
export const LOADTEST_REPORT = '.slipway/loadtest/report.json';

export function loadtestReportPath(settings: ToolSettings, projectDir: string): string {
  return path.resolve(projectDir, settings.report ?? LOADTEST_REPORT);
}

/**
 * Reads the load test's report; runs nothing unless `gate.loadtest.command` says so (a load test needs a preview
 * environment). Absent at the default path, the collector is skipped like images without a manifest; absent at a
 * configured path, it shows as not judged. Recording skips it: the load test keeps its own baselines.
 */
function loadtestStep(input: PlanInput, reportExists: boolean): PlannedStep | string {
  const { facts, config, mode } = input;
  const settings = config.loadtest;
  if (mode === 'record') return 'load-test numbers are not part of the baseline (slipway loadtest --record-baseline)';
  const own = overridden('loadtest', 'slipway loadtest', settings, facts, [LOADTEST_REPORT]);
  // a user's `slipway loadtest <env>` exits 1 when the load test failed; its report says why
  if (own?.command) return { ...own, okExitCodes: [0, 1] };
  const relative = settings.report ?? LOADTEST_REPORT;
  if (!reportExists && !settings.report && settings.enabled !== true) return `no load-test report at ${relative}`;
  const step: PlannedStep = own ?? {
    collector: 'loadtest',
    tool: 'load-test report',
    reason: relative,
    report: { kind: 'file', path: loadtestReportPath(settings, facts.projectDir) },
    okExitCodes: [0],
    scope: 'all',
    files: [],
  };
  if (reportExists || settings.enabled !== true) return step;
  return {
    ...step,
    missing: {
      message: `gate.loadtest.enabled is true but there is no load-test report at ${relative}`,
      fix: 'run `slipway loadtest <env>` before the gate, or hand its report.json to this job as an artifact',
    },
  };
}

function sonarStep(input: PlanInput): PlannedStep | string {
  const { facts, config } = input;
  const sonar = config.sonar;
  if (!sonar) return 'no gate.sonar in the config';
  const scan = sonar.scan;
  // the sonarqube-scanner npm package installs `sonar-scanner` in node_modules/.bin
  const scanner = Array.isArray(scan)
    ? scan
    : [facts.bins.includes('sonar-scanner') ? bin(facts, 'sonar-scanner') : 'sonar-scanner'];
  return {
    collector: 'sonar',
    tool: 'sonarqube',
    reason: `${sonar.hostUrl} project ${sonar.projectKey}`,
    ...(scan === false
      ? {}
      : {
          command: {
            file: scanner[0]!,
            args: [...scanner.slice(1), `-Dsonar.host.url=${sonar.hostUrl}`, `-Dsonar.projectKey=${sonar.projectKey}`],
            cwd: facts.projectDir,
          },
        }),
    report: { kind: 'none' },
    okExitCodes: [0],
    scope: 'all',
    files: [],
  };
}

/** Decides which collectors run and with what argv. `enabled: false` skips one; `enabled: true` requires it. */
export function planGate(input: PlanInput & { manifestExists: boolean; loadtestReportExists?: boolean }): GatePlan {
  const steps: PlannedStep[] = [];
  const skipped: GatePlan['skipped'] = [];
  const candidates: [CollectorId, () => PlannedStep | string, boolean | undefined][] = [
    ['coverage', () => coverageStep(input), input.config.coverage.enabled],
    ['eslint', () => eslintStep(input), input.config.eslint.enabled],
    ['typescript', () => typescriptStep(input), input.config.typescript.enabled],
    ['duplication', () => duplicationStep(input), input.config.duplication.enabled],
    ['audit', () => auditStep(input), input.config.audit.enabled],
    ['images', () => imagesStep(input, input.manifestExists), input.config.images.enabled],
    ['sonar', () => sonarStep(input), undefined],
    // the step itself handles `enabled: true` (a missing report) and record mode (never required there)
    [
      'loadtest',
      () => loadtestStep(input, input.loadtestReportExists ?? false),
      input.config.loadtest.enabled === false ? false : undefined,
    ],
  ];
  for (const [collector, make, enabled] of candidates) {
    if (enabled === false) {
      skipped.push({ collector, reason: 'turned off in the gate config' });
      continue;
    }
    const step = make();
    if (typeof step !== 'string') steps.push(step);
    else if (enabled === true) {
      steps.push({
        collector,
        tool: collector,
        reason: 'required by the gate config',
        report: { kind: 'none' },
        okExitCodes: [0],
        scope: 'all',
        files: [],
        missing: {
          message: `${collector} is required by the gate config but ${step}`,
          fix: `install it, or set gate.${collector}.command`,
        },
      });
    } else skipped.push({ collector, reason: step });
  }
  return { mode: input.mode, steps, skipped };
}

/** The plan as printed by `--dry-run`. */
export function describePlan(plan: GatePlan): string[] {
  const lines = plan.steps.map((step) => {
    const how = step.command
      ? [step.command.file, ...step.command.args].join(' ')
      : `read ${describeReport(step.report)}`;
    return `  ${step.collector.padEnd(12)} ${step.missing ? `MISSING: ${step.missing.message}` : how}  (${step.reason})`;
  });
  for (const skip of plan.skipped) lines.push(`  ${skip.collector.padEnd(12)} skipped: ${skip.reason}`);
  return lines;
}

function describeReport(report: ReportSource): string {
  if (report.kind === 'file') return report.path;
  if (report.kind === 'first-file') return report.paths.join(' or ');
  return report.kind;
}

// The one interface every collector implements, and the helpers they share to run a tool and read its report.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import type { GateConfig } from '../config.js';
import type { PlannedStep } from '../plan.js';
import type { CollectorId, Metrics, NewCode } from '../types.js';

export interface CollectContext {
  repoRoot: string;
  projectDir: string;
  config: GateConfig;
  env: NodeJS.ProcessEnv;
  /** The merge request's new code; undefined when recording a baseline. */
  newCode: NewCode | undefined;
  /** Branch or merge request the analysis is about (SonarQube scopes every query to it). */
  scope: AnalysisScope;
  /** The lcov file the coverage step produced, if any (handed to the SonarQube scanner). */
  coverageReport?: string;
  info(line: string): void;
}

/** What SonarQube and reports call the analysed code: a branch, or a merge/pull request. */
export type AnalysisScope =
  { kind: 'branch'; branch: string } | { kind: 'pull-request'; key: string; branch: string; base: string };

export interface Collector {
  id: CollectorId;
  /** Runs the step's command (if any) and turns the tool's output into metrics. */
  collect(step: PlannedStep, context: CollectContext): Promise<Partial<Metrics>>;
}

/** Runs the step's command; an exit code outside `okExitCodes` is a tool failure with the last lines of output. */
export async function runStep(step: PlannedStep, env: NodeJS.ProcessEnv): Promise<string> {
  if (step.missing) {
    throw new SlipwayError('TOOL_MISSING', step.missing.message, { fix: step.missing.fix });
  }
  if (!step.command) return '';
  const result = await run({ ...step.command, env: { ...env, ...step.command.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
  if (!step.okExitCodes.includes(result.code)) {
    const output = `${result.stderr}\n${result.stdout}`.trim().split('\n').filter(Boolean);
    // the error line is often above a long stack trace: keep the first error lines and the last lines
    const errors = output.filter((line) => /error/i.test(line) && !/^\s+at /.test(line)).slice(0, 3);
    const tail = [...new Set([...errors, ...output.slice(-5)])];
    throw new SlipwayError(
      'TOOL_FAILED',
      `${step.tool} crashed: ${path.basename(step.command.file)} exited with ${result.signal ?? result.code}`,
      {
        fix: `run \`${[step.command.file, ...step.command.args].join(' ')}\` in ${step.command.cwd} and fix what it reports`,
        details: tail,
      },
    );
  }
  return result.stdout;
}

/** The step's report text: a file the tool wrote, or its standard output. */
export async function readReport(step: PlannedStep, stdout: string): Promise<string> {
  const source = step.report;
  if (source.kind === 'stdout') return stdout;
  if (source.kind === 'none') return '';
  const file = source.kind === 'file' ? source.path : (source.paths.find((p) => existsSync(p)) ?? source.paths[0]!);
  if (!existsSync(file)) {
    throw new SlipwayError('REPORT_INVALID', `${step.tool} wrote no report at ${file}`, {
      fix: step.command
        ? `check that \`${[step.command.file, ...step.command.args].join(' ')}\` writes its report there`
        : 'run the tool first, or fix the report path in the gate config',
    });
  }
  return readFile(file, 'utf8');
}

export function invalidReport(tool: string, problem: string, fix: string): SlipwayError {
  return new SlipwayError('REPORT_INVALID', `${tool} report is unusable: ${problem}`, { fix });
}

/** Parses JSON or says which tool's report is corrupt. */
export function parseJson(tool: string, text: string): unknown {
  if (text.trim() === '')
    throw invalidReport(tool, 'it is empty', `rerun ${tool}; an interrupted run leaves an empty file`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidReport(
      tool,
      `not JSON (${(error as Error).message})`,
      `rerun ${tool}, or point the gate at its JSON report`,
    );
  }
}

/** A tool's path made relative to the repository root, with `/`; absolute and project-relative paths both work. */
export function toRepoPath(file: string, baseDir: string, repoRoot: string): string {
  const absolute = path.resolve(baseDir, file);
  return path.relative(repoRoot, absolute).split(path.sep).join('/');
}

// TypeScript compile errors from `tsc --noEmit --pretty false`: each one a critical issue on its line.
import { SlipwayError } from '../../core/errors.js';
import type { Issue } from '../types.js';
import { runStep, toRepoPath, type Collector } from './types.js';

const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\): (error|warning) (TS\d+): (.*)$/;
const GLOBAL_DIAGNOSTIC = /^(error|warning) (TS\d+): (.*)$/;

/** Returns located errors, and the diagnostics that have no file (a broken tsconfig). */
export function parseTscOutput(text: string, baseDir: string, repoRoot: string): { issues: Issue[]; global: string[] } {
  const issues: Issue[] = [];
  const global: string[] = [];
  for (const line of text.split('\n')) {
    const located = DIAGNOSTIC.exec(line);
    if (located) {
      issues.push({
        tool: 'typescript',
        rule: located[5]!,
        severity: located[4] === 'error' ? 'critical' : 'minor',
        path: toRepoPath(located[1]!, baseDir, repoRoot),
        line: Number(located[2]),
        column: Number(located[3]),
        message: located[6]!,
      });
      continue;
    }
    const unlocated = GLOBAL_DIAGNOSTIC.exec(line);
    if (unlocated) global.push(`${unlocated[2]}: ${unlocated[3]}`);
  }
  return { issues, global };
}

export const typescriptCollector: Collector = {
  id: 'typescript',
  async collect(step, context) {
    const stdout = await runStep(step, context.env);
    const { issues, global } = parseTscOutput(stdout, context.projectDir, context.repoRoot);
    if (global.length > 0) {
      throw new SlipwayError('TOOL_FAILED', `tsc could not check the project: ${global[0]}`, {
        fix: `fix ${step.command?.args.at(-1) ?? 'tsconfig.json'}`,
        details: global,
      });
    }
    if (issues.length === 0 && stdout.trim() !== '' && step.report.kind === 'stdout') {
      throw new SlipwayError('TOOL_FAILED', 'tsc printed something that is not a diagnostic', {
        fix: 'run tsc with --pretty false',
        details: stdout.trim().split('\n').slice(0, 5),
      });
    }
    return { issues: [{ tool: 'typescript', scope: 'all', files: [], list: issues }] };
  },
};

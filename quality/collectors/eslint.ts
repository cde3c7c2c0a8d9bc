// ESLint findings from its JSON formatter: errors are major issues, warnings minor, parse failures critical.
import type { Issue } from '../types.js';
import { invalidReport, parseJson, readReport, runStep, toRepoPath, type Collector } from './types.js';

interface EslintFileResult {
  filePath: string;
  messages: {
    ruleId: string | null;
    severity: 0 | 1 | 2;
    message: string;
    line?: number;
    column?: number;
    fatal?: boolean;
  }[];
}

export function parseEslintJson(text: string, baseDir: string, repoRoot: string): { files: string[]; issues: Issue[] } {
  const json = parseJson('eslint', text);
  if (!Array.isArray(json))
    throw invalidReport('eslint', 'expected an array of file results', 'run eslint with --format json');
  const files: string[] = [];
  const issues: Issue[] = [];
  for (const result of json as EslintFileResult[]) {
    if (typeof result?.filePath !== 'string' || !Array.isArray(result.messages)) {
      throw invalidReport('eslint', 'an entry has no filePath or messages', 'run eslint with --format json');
    }
    const path = toRepoPath(result.filePath, baseDir, repoRoot);
    files.push(path);
    for (const message of result.messages) {
      // "File ignored because ..." notices carry no rule and are not findings
      if (message.ruleId === null && !message.fatal) continue;
      issues.push({
        tool: 'eslint',
        rule: message.ruleId ?? 'parse-error',
        severity: message.fatal ? 'critical' : message.severity === 2 ? 'major' : 'minor',
        path,
        line: message.line ?? 1,
        ...(message.column ? { column: message.column } : {}),
        message: message.message.split('\n')[0]!,
      });
    }
  }
  return { files, issues };
}

export const eslintCollector: Collector = {
  id: 'eslint',
  async collect(step, context) {
    const stdout = await runStep(step, context.env);
    if (step.report.kind === 'none') return { issues: [{ tool: 'eslint', scope: step.scope, files: [], list: [] }] };
    const { files, issues } = parseEslintJson(await readReport(step, stdout), context.projectDir, context.repoRoot);
    return {
      issues: [
        { tool: 'eslint', scope: step.scope, files: step.scope === 'changed' ? step.files : files, list: issues },
      ],
    };
  },
};

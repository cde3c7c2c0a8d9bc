// What the reports list: every tool issue, plus the places behind failed conditions, with stable fingerprints.
import { createHash } from 'node:crypto';
import type { Condition, GateResult, Severity } from '../types.js';
import { describeIssue } from '../verdict.js';

export interface Finding {
  /** `eslint`, `typescript`, or `slipway` for gate conditions. */
  tool: string;
  rule: string;
  severity: Severity;
  path: string;
  line: number;
  endLine: number;
  column?: number;
  message: string;
  /** On a line the merge request adds or changes. */
  isNew: boolean;
  fingerprint: string;
}

/** Consecutive line numbers as ranges: [3,4,5,9] gives [[3,5],[9,9]]. */
export function lineRanges(lines: number[]): [number, number][] {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const line of sorted) {
    const last = ranges.at(-1);
    if (last && line === last[1] + 1) last[1] = line;
    else ranges.push([line, line]);
  }
  return ranges;
}

/** `3-5, 9` */
export function formatLines(lines: number[]): string {
  return lineRanges(lines)
    .map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`))
    .join(', ');
}

/** Conditions whose places are already listed as tool issues. */
function listedAsIssues(condition: Condition): boolean {
  const id = condition.id;
  return id.startsWith('new_issues') || id.startsWith('overall:eslint.') || id === 'overall:typescript.errors';
}

function conditionSeverity(condition: Condition): Severity {
  return condition.scope === 'new' ? 'major' : 'minor';
}

/**
 * Fingerprints hash what identifies a finding without its line number (tool, rule, file, message, source text),
 * plus how many identical findings came before it, so moving code up or down keeps them stable.
 */
function fingerprinted(parts: Omit<Finding, 'fingerprint'>[], keys: string[]): Finding[] {
  const seen = new Map<string, number>();
  return parts.map((part, i) => {
    const key = keys[i]!;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    const fingerprint = createHash('sha256').update(`${key}\u0000${occurrence}`).digest('hex');
    return { ...part, fingerprint };
  });
}

export function findingsOf(result: GateResult): Finding[] {
  const parts: Omit<Finding, 'fingerprint'>[] = [];
  const keys: string[] = [];
  const sortedIssues = [...result.issues].sort(
    (a, b) => a.path.localeCompare(b.path) || a.line - b.line || (a.column ?? 0) - (b.column ?? 0),
  );
  for (const issue of sortedIssues) {
    parts.push({
      tool: issue.tool,
      rule: issue.rule,
      severity: issue.severity,
      path: issue.path,
      line: issue.line,
      endLine: issue.line,
      ...(issue.column ? { column: issue.column } : {}),
      message: describeIssue(issue),
      isNew: issue.isNew,
    });
    keys.push([issue.tool, issue.rule, issue.path, issue.message, issue.snippet ?? ''].join('\u0000'));
  }
  for (const condition of result.conditions) {
    if (condition.passed || !condition.judged || listedAsIssues(condition)) continue;
    const rule = condition.id.replace(/@.*$/, '');
    for (const location of condition.locations) {
      const ranges = location.lines.length > 0 ? lineRanges(location.lines) : [[1, 1] as [number, number]];
      for (const [begin, end] of ranges) {
        const message = `${condition.title}: ${location.message ?? 'fails the condition'} (${condition.value ?? '-'}, threshold ${condition.threshold})`;
        parts.push({
          tool: 'slipway',
          rule,
          severity: conditionSeverity(condition),
          path: location.path,
          line: begin,
          endLine: end,
          message,
          isNew: condition.scope === 'new',
        });
        keys.push(['slipway', rule, location.path, location.message ?? '', String(end - begin)].join('\u0000'));
      }
    }
  }
  return fingerprinted(parts, keys);
}

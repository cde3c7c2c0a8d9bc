// The Markdown summary posted as the merge-request comment: verdict, conditions, and what to fix where.
import type { Condition, GateResult, Verdict } from '../types.js';
import { formatLines } from './findings.js';

const HEADLINE: Record<Verdict, string> = {
  passed: '✅ Quality gate passed',
  failed: '❌ Quality gate failed',
  error: '⚠️ Quality gate could not judge: a tool failed',
  'no-baseline': 'ℹ️ Quality gate: no baseline yet for the target branch',
};

const MAX_LOCATIONS = 50;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mark(condition: Condition): string {
  if (!condition.judged) return '➖';
  return condition.passed ? '✅' : '❌';
}

export function renderMarkdown(result: GateResult): string {
  const lines: string[] = [`## ${HEADLINE[result.verdict]}`, ''];
  const baseline = result.baseline
    ? `baseline of \`${result.baseline.branch}\` at \`${result.baseline.commit.slice(0, 8)}\` (${result.baseline.recordedAt})`
    : 'no baseline recorded yet (run `slipway gate --record` on the target branch)';
  lines.push(
    `New code: ${result.newCode.files} files, ${result.newCode.lines} new or changed lines since \`${result.mergeBase.slice(0, 8)}\` (merge-base with \`${result.base}\`); ${baseline}.`,
    '',
  );
  if (result.conditions.length > 0) {
    lines.push('| | Condition | Scope | Value | Threshold | Details |', '|---|---|---|---|---|---|');
    for (const c of result.conditions) {
      lines.push(
        `| ${mark(c)} | ${cell(c.title)} | ${c.scope} | ${c.value ?? '-'} | ${cell(c.threshold)} | ${cell(c.note ?? '')} |`,
      );
    }
    lines.push('');
  }
  const failed = result.conditions.filter((c) => c.judged && !c.passed);
  if (failed.length > 0) {
    lines.push('### What to fix', '');
    let shown = 0;
    let hidden = 0;
    for (const c of failed) {
      for (const l of c.locations) {
        if (shown >= MAX_LOCATIONS) {
          hidden++;
          continue;
        }
        shown++;
        const where = l.lines.length > 0 ? ` line${l.lines.length > 1 ? 's' : ''} ${formatLines(l.lines)}` : '';
        lines.push(`- **${c.id}** \`${l.path}\`${where}${l.message ? `: ${l.message}` : ''}`);
      }
    }
    if (hidden > 0) lines.push(`- … and ${hidden} more (see the Code Quality or SARIF report)`);
    lines.push('');
  }
  if (result.errors.length > 0) {
    lines.push('### Tool failures', '');
    for (const e of result.errors) lines.push(`- **${e.collector}** (${e.code}): ${e.message}. Fix: ${e.fix}`);
    lines.push('');
  }
  if (result.newCode.binaryFiles.length > 0) {
    lines.push(
      `Binary files changed (not judged): ${result.newCode.binaryFiles.map((f) => `\`${f}\``).join(', ')}`,
      '',
    );
  }
  return lines.join('\n');
}

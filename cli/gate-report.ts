// How `slipway gate` prints its outcome: the verdict table for people, the result object for --json.
import type { ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';
import type { GateOutcome } from '../quality/gate.js';
import { describePlan } from '../quality/plan.js';
import { formatLines } from '../quality/reporters/findings.js';
import type { ReportFormat } from '../quality/reporters/index.js';
import type { GateResult } from '../quality/types.js';
import { exitCodeFor } from '../quality/verdict.js';

function humanResult(result: GateResult, reports: Partial<Record<ReportFormat, string>>): string {
  const lines = [`verdict: ${result.verdict}`];
  for (const c of result.conditions) {
    const state = !c.judged ? 'skip' : c.passed ? 'ok  ' : 'FAIL';
    lines.push(
      `  ${state} ${c.id.padEnd(34)} ${String(c.value ?? '-').padStart(8)}  ${c.threshold.padEnd(14)} ${c.note ?? ''}`,
    );
    if (c.judged && !c.passed) {
      for (const l of c.locations.slice(0, 20)) {
        lines.push(
          `         ${l.path}${l.lines.length > 0 ? `:${formatLines(l.lines)}` : ''}${l.message ? `  ${l.message}` : ''}`,
        );
      }
      if (c.locations.length > 20) lines.push(`         … ${c.locations.length - 20} more`);
    }
  }
  for (const e of result.errors)
    lines.push(`  ERROR ${e.collector}: ${e.message} (fix: ${e.fix})`, ...e.details.map((d) => `         ${d}`));
  for (const [format, file] of Object.entries(reports)) lines.push(`${format} report: ${file}`);
  return lines.join('\n');
}

export function printGateOutcome(outcome: GateOutcome, out: Output): ExitCode {
  if (outcome.kind === 'plan') {
    out.result({ plan: outcome.plan, newCode: outcome.newCode ?? null }, () =>
      ['slipway gate would run:', ...describePlan(outcome.plan)].join('\n'),
    );
    return 0;
  }
  if (outcome.kind === 'recorded') {
    const { baseline, where, pushed } = outcome;
    out.result(
      { recorded: { branch: baseline.branch, commit: baseline.commit, where, pushed, metrics: baseline.metrics } },
      () =>
        [
          `baseline recorded for ${baseline.branch} at ${baseline.commit.slice(0, 12)} in ${where}${pushed ? ' (pushed)' : ''}`,
          ...Object.entries(baseline.metrics).map(([id, m]) => `  ${id.padEnd(28)} ${m.value}`),
        ].join('\n'),
    );
    return 0;
  }
  if (outcome.kind === 'record-failed') {
    out.result({ verdict: 'error', errors: outcome.errors }, () =>
      [
        'no baseline recorded: a tool failed',
        ...outcome.errors.map((e) => `  ${e.collector}: ${e.message} (fix: ${e.fix})`),
      ].join('\n'),
    );
    return 3;
  }
  const { result, reports } = outcome;
  const { issues: _issues, ...summary } = result;
  out.result({ ...summary, reports }, () => humanResult(result, reports));
  return exitCodeFor(result.verdict);
}

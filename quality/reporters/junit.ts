// JUnit XML: each condition a test case (failed, passed or skipped), each tool failure an error.
import type { Condition, GateResult } from '../types.js';
import { formatLines } from './findings.js';

export function escapeXml(text: string): string {
  return (
    text
      // XML 1.0 forbids most control characters, even escaped; tool messages sometimes carry ANSI escapes
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

function locationsText(condition: Condition): string {
  return condition.locations
    .map((l) => `${l.path}${l.lines.length > 0 ? `:${formatLines(l.lines)}` : ''}${l.message ? ` ${l.message}` : ''}`)
    .join('\n');
}

function testcase(condition: Condition): string {
  const open = `    <testcase name="${escapeXml(condition.id)}" classname="slipway.gate.${condition.scope}">`;
  const summary = `${condition.value ?? '-'} (threshold ${condition.threshold})`;
  if (!condition.judged)
    return `${open}\n      <skipped message="${escapeXml(condition.note ?? 'not judged')}"/>\n    </testcase>`;
  if (condition.passed) return `${open}</testcase>`;
  return [
    open,
    `      <failure type="${escapeXml(condition.id)}" message="${escapeXml(`${condition.title}: ${summary}`)}">${escapeXml(locationsText(condition))}</failure>`,
    '    </testcase>',
  ].join('\n');
}

function suite(
  name: string,
  cases: string[],
  counts: { tests: number; failures: number; errors: number; skipped: number },
): string {
  const attributes = `name="${escapeXml(name)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}"`;
  return cases.length === 0
    ? `  <testsuite ${attributes}/>`
    : `  <testsuite ${attributes}>\n${cases.join('\n')}\n  </testsuite>`;
}

export function renderJunit(result: GateResult): string {
  const suites: string[] = [];
  let totals = { tests: 0, failures: 0, errors: 0 };
  for (const scope of ['new', 'overall'] as const) {
    const conditions = result.conditions.filter((c) => c.scope === scope);
    const counts = {
      tests: conditions.length,
      failures: conditions.filter((c) => c.judged && !c.passed).length,
      errors: 0,
      skipped: conditions.filter((c) => !c.judged).length,
    };
    totals = { tests: totals.tests + counts.tests, failures: totals.failures + counts.failures, errors: totals.errors };
    suites.push(
      suite(`slipway gate: ${scope === 'new' ? 'new code' : 'overall code'}`, conditions.map(testcase), counts),
    );
  }
  if (result.errors.length > 0) {
    const cases = result.errors.map(
      (e) =>
        `    <testcase name="${escapeXml(e.collector)}" classname="slipway.gate.tools">\n      <error type="${escapeXml(e.code)}" message="${escapeXml(e.message)}">${escapeXml([`fix: ${e.fix}`, ...e.details].join('\n'))}</error>\n    </testcase>`,
    );
    suites.push(
      suite('slipway gate: tools', cases, { tests: cases.length, failures: 0, errors: cases.length, skipped: 0 }),
    );
    totals = { tests: totals.tests + cases.length, failures: totals.failures, errors: totals.errors + cases.length };
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="slipway gate" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

import { describe, expect, it } from 'vitest';
import { codeClimateErrors, junitErrors, sarifErrors } from '../../test/gate/schemas.js';
import { parseGateConfig } from '../config.js';
import type { GateResult, Issue } from '../types.js';
import { judge } from '../verdict.js';
import { renderCodeClimate } from './codeclimate.js';
import { formatLines } from './findings.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A failing result: uncovered new lines, a new lint error, a crashed tool; `shift` moves the code down. */
function failingResult(shift = 0): GateResult {
  const issue = (line: number, message: string): Issue => ({
    tool: 'eslint',
    rule: 'no-unused-vars',
    severity: 'major',
    path: 'src/a & <b>.ts',
    line: line + shift,
    message,
    snippet: `const unused${line} = 1;`,
  });
  return judge({
    newCode: {
      base: 'main',
      mergeBase: 'a'.repeat(40),
      head: 'b'.repeat(40),
      files: [{ path: 'src/a & <b>.ts', status: 'added', binary: false, addedLines: range(1 + shift, 30 + shift) }],
    },
    metrics: {
      coverage: new Map([
        ['src/a & <b>.ts', new Map(range(1 + shift, 30 + shift).map((n) => [n, n - shift > 10 ? 0 : 2]))],
      ]),
      issues: [
        {
          tool: 'eslint',
          scope: 'changed',
          files: ['src/a & <b>.ts'],
          list: [issue(3, "'a' is unused"), issue(4, "'a' is unused")],
        },
      ],
    },
    baseline: undefined,
    config: parseGateConfig(undefined, '/repo'),
    failures: [
      {
        collector: 'typescript',
        code: 'TOOL_FAILED',
        message: 'tsc crashed "hard"',
        fix: 'fix it',
        details: ['line <1>'],
      },
    ],
    fileLines: new Map([['src/a & <b>.ts', Array.from({ length: 40 }, () => 'x();')]]),
  });
}

describe('reports', () => {
  it('given a failing result, when rendered, then each report satisfies its reference schema', () => {
    const result = failingResult();
    expect(codeClimateErrors(renderCodeClimate(result))).toEqual([]);
    expect(sarifErrors(renderSarif(result))).toEqual([]);
    expect(junitErrors(renderJunit(result))).toEqual([]);
  });

  it('given the same findings moved down by 7 lines, when rendered again, then the fingerprints do not change', () => {
    const before = JSON.parse(renderCodeClimate(failingResult())) as {
      fingerprint: string;
      location: { lines: { begin: number } };
    }[];
    const after = JSON.parse(renderCodeClimate(failingResult(7))) as typeof before;
    expect(after.map((e) => e.fingerprint)).toEqual(before.map((e) => e.fingerprint));
    expect(new Set(before.map((e) => e.fingerprint)).size).toBe(before.length);
    expect(after[0]!.location.lines.begin).toBe(before[0]!.location.lines.begin + 7);
  });

  it('given a failing result, when summarised in Markdown, then it names the verdict, conditions and lines to fix', () => {
    const markdown = renderMarkdown(failingResult());
    expect(markdown).toContain('## ⚠️ Quality gate could not judge: a tool failed');
    expect(markdown).toContain('| ❌ | Coverage of new lines | new | 33.33 | >= 80 |');
    expect(markdown).toContain('- **new_coverage** `src/a & <b>.ts` lines 11-30: new lines not covered by any test');
    expect(markdown).toContain(
      "- **new_issues** `src/a & <b>.ts` line 3: eslint no-unused-vars (major): 'a' is unused",
    );
    expect(markdown).toContain('- **typescript** (TOOL_FAILED): tsc crashed "hard". Fix: fix it');
  });

  it('formats line lists as ranges', () => {
    expect(formatLines([9, 3, 4, 5, 12, 11])).toBe('3-5, 9, 11-12');
  });

  it('marks results on new lines as new in SARIF, one run per tool', () => {
    const sarif = JSON.parse(renderSarif(failingResult())) as {
      runs: { tool: { driver: { name: string } }; results: { baselineState: string; level: string }[] }[];
    };
    expect(sarif.runs.map((r) => r.tool.driver.name)).toEqual(['slipway', 'eslint']);
    expect(sarif.runs[1]!.results.every((r) => r.baselineState === 'new' && r.level === 'error')).toBe(true);
  });
});

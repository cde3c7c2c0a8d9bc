import { describe, expect, it } from 'vitest';
import { parseGateConfig } from './config.js';
import type { Baseline, Issue, Metrics, NewCode } from './types.js';
import { exitCodeFor, judge, toleranceFor, verdictOf, type VerdictInput } from './verdict.js';

const config = parseGateConfig(undefined, '/repo');

function newCode(files: NewCode['files']): NewCode {
  return { base: 'main', mergeBase: 'a'.repeat(40), head: 'b'.repeat(40), files };
}

function lines(n: number, text = 'const x = 1;'): string[] {
  return Array.from({ length: n }, () => text);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function input(overrides: Partial<VerdictInput>): VerdictInput {
  return {
    newCode: newCode([]),
    metrics: { issues: [] },
    baseline: undefined,
    config,
    failures: [],
    fileLines: new Map(),
    ...overrides,
  };
}

function issue(path: string, line: number, severity: Issue['severity'] = 'major'): Issue {
  return { tool: 'eslint', rule: 'no-unused-vars', severity, path, line, message: "'x' is unused" };
}

const baseline: Baseline = {
  version: 1,
  branch: 'main',
  commit: 'c'.repeat(40),
  recordedAt: '2026-01-01T00:00:00.000Z',
  metrics: {
    'coverage.lines': { value: 90, better: 'higher' },
    'eslint.major': { value: 2, better: 'lower' },
    'eslint.minor': { value: 0, better: 'lower' },
  },
  files: { 'src/old.ts': { issues: { 'eslint.major': 2 } } },
};

describe('new-code coverage', () => {
  it('given 30 new lines of which 10 are uncovered, when judged, then it fails naming those lines', () => {
    const coverage = new Map([['src/a.ts', new Map(range(1, 30).map((n) => [n, n <= 20 ? 1 : 0]))]]);
    const result = judge(
      input({
        newCode: newCode([{ path: 'src/a.ts', status: 'added', binary: false, addedLines: range(1, 30) }]),
        metrics: { coverage, issues: [] },
        fileLines: new Map([['src/a.ts', lines(30)]]),
      }),
    );
    const condition = result.conditions.find((c) => c.id === 'new_coverage')!;
    expect(condition).toMatchObject({ value: 66.67, passed: false, judged: true, threshold: '>= 80' });
    expect(condition.locations).toEqual([
      { path: 'src/a.ts', lines: range(21, 30), message: 'new lines not covered by any test' },
    ]);
    expect(result.verdict).toBe('failed');
  });

  it('given fewer new lines than minNewLines, when judged, then coverage is reported but not judged', () => {
    const coverage = new Map([['src/a.ts', new Map([[5, 0]])]]);
    const result = judge(
      input({
        newCode: newCode([{ path: 'src/a.ts', status: 'modified', binary: false, addedLines: [5] }]),
        metrics: { coverage, issues: [] },
        fileLines: new Map([['src/a.ts', lines(10)]]),
      }),
    );
    const condition = result.conditions.find((c) => c.id === 'new_coverage')!;
    expect(condition).toMatchObject({ value: 0, judged: false, passed: true });
    expect(condition.note).toContain('1 new lines, fewer than 20');
    expect(result.verdict).toBe('no-baseline');
  });

  it('given a changed source file absent from the report, when judged, then its code lines count as uncovered', () => {
    const text = ['// a comment', 'export function f(): number {', '  return 1;', '}', '', ...lines(20, 'call();')];
    const result = judge(
      input({
        newCode: newCode([{ path: 'src/new.ts', status: 'added', binary: false, addedLines: range(1, text.length) }]),
        metrics: { coverage: new Map([['src/other.ts', new Map([[1, 1]])]]), issues: [] },
        fileLines: new Map([['src/new.ts', text]]),
      }),
    );
    const condition = result.conditions.find((c) => c.id === 'new_coverage')!;
    expect(condition.value).toBe(0);
    expect(condition.locations[0]!.lines).toEqual([2, 3, ...range(6, 25)]);
    expect(condition.locations[0]!.message).toContain('absent from the coverage report');
  });

  it('given test files and declarations changed, when judged, then they are not judged on coverage', () => {
    const result = judge(
      input({
        newCode: newCode([
          { path: 'src/a.test.ts', status: 'added', binary: false, addedLines: range(1, 30) },
          { path: 'src/types.d.ts', status: 'added', binary: false, addedLines: range(1, 30) },
        ]),
        metrics: { coverage: new Map(), issues: [] },
        fileLines: new Map([
          ['src/a.test.ts', lines(30)],
          ['src/types.d.ts', lines(30)],
        ]),
      }),
    );
    expect(result.conditions.find((c) => c.id === 'new_coverage')).toMatchObject({ value: null, judged: false });
  });
});

describe('modules', () => {
  it('given a module with a lower threshold, when judged, then its files are judged on their own condition', () => {
    const moduleConfig = parseGateConfig({ modules: { 'packages/legacy/': { newCoverage: 50 } } }, '/repo');
    const half = new Map(range(1, 30).map((n) => [n, n <= 15 ? 1 : 0]));
    const result = judge(
      input({
        config: moduleConfig,
        newCode: newCode([
          { path: 'packages/legacy/a.ts', status: 'added', binary: false, addedLines: range(1, 30) },
          { path: 'src/b.ts', status: 'added', binary: false, addedLines: range(1, 30) },
        ]),
        metrics: {
          coverage: new Map([
            ['packages/legacy/a.ts', half],
            ['src/b.ts', half],
          ]),
          issues: [],
        },
        fileLines: new Map([
          ['packages/legacy/a.ts', lines(30)],
          ['src/b.ts', lines(30)],
        ]),
      }),
    );
    expect(result.conditions.find((c) => c.id === 'new_coverage@packages/legacy')).toMatchObject({
      value: 50,
      passed: true,
      module: 'packages/legacy',
    });
    expect(result.conditions.find((c) => c.id === 'new_coverage')).toMatchObject({ value: 50, passed: false });
  });
});

describe('new issues', () => {
  it('given issues on new and old lines, when judged, then only major-or-above issues on new lines count', () => {
    const result = judge(
      input({
        newCode: newCode([{ path: 'src/a.ts', status: 'modified', binary: false, addedLines: [3, 4] }]),
        metrics: {
          issues: [
            {
              tool: 'eslint',
              scope: 'changed',
              files: ['src/a.ts'],
              list: [issue('src/a.ts', 1), issue('src/a.ts', 3), issue('src/a.ts', 4, 'minor')],
            },
          ],
        },
        fileLines: new Map([['src/a.ts', lines(5)]]),
      }),
    );
    const condition = result.conditions.find((c) => c.id === 'new_issues')!;
    expect(condition).toMatchObject({ value: 1, passed: false, note: 'on new lines: 1 major, 1 minor' });
    expect(condition.locations).toEqual([
      { path: 'src/a.ts', lines: [3], message: "eslint no-unused-vars (major): 'x' is unused" },
    ]);
    expect(result.issues.map((i) => i.isNew)).toEqual([false, true, true]);
  });
});

describe('new duplication', () => {
  it('given new lines inside a duplicated block, when judged, then the density counts them', () => {
    const result = judge(
      input({
        newCode: newCode([{ path: 'src/a.ts', status: 'added', binary: false, addedLines: range(1, 40) }]),
        metrics: {
          issues: [],
          duplication: {
            totalLines: 100,
            duplicatedLines: 20,
            density: 20,
            blocks: [
              {
                first: { path: 'src/a.ts', start: 31, end: 40 },
                second: { path: 'src/b.ts', start: 1, end: 10 },
                lines: 10,
                tokens: 80,
              },
            ],
          },
        },
        fileLines: new Map([['src/a.ts', lines(40)]]),
      }),
    );
    expect(result.conditions.find((c) => c.id === 'new_duplicated_lines_density')).toMatchObject({
      value: 25,
      passed: false,
      locations: [{ path: 'src/a.ts', lines: range(31, 40) }],
    });
  });
});

describe('overall ratchet', () => {
  it('given ESLint ran on changed files only, when judged, then the overall count replaces those files in the baseline', () => {
    const metrics: Metrics = {
      issues: [{ tool: 'eslint', scope: 'changed', files: ['src/old.ts'], list: [issue('src/old.ts', 1)] }],
    };
    const result = judge(
      input({
        baseline,
        newCode: newCode([{ path: 'src/old.ts', status: 'modified', binary: false, addedLines: [7] }]),
        metrics,
        fileLines: new Map([['src/old.ts', lines(10)]]),
      }),
    );
    // baseline had 2 in src/old.ts; the run found 1 there: 2 - 2 + 1
    expect(result.metrics['eslint.major']).toEqual({ value: 1, better: 'lower' });
    expect(result.conditions.find((c) => c.id === 'overall:eslint.major')).toMatchObject({ passed: true, value: 1 });
    expect(result.verdict).toBe('passed');
  });

  it('given coverage lower than the baseline, when judged, then the ratchet fails naming the file', () => {
    const coverage = new Map([
      [
        'src/a.ts',
        new Map([
          [1, 1],
          [2, 0],
        ]),
      ],
    ]);
    const result = judge(
      input({
        baseline: { ...baseline, files: { 'src/a.ts': { coverage: [2, 2] } } },
        newCode: newCode([]),
        metrics: { coverage, issues: [] },
      }),
    );
    const condition = result.conditions.find((c) => c.id === 'overall:coverage.lines')!;
    expect(condition).toMatchObject({ value: 50, passed: false, threshold: '>= 89.9' });
    expect(condition.locations[0]).toMatchObject({ path: 'src/a.ts', message: 'file coverage 50% (was 100%)' });
  });

  it('resolves tolerances: exact id, then the longest prefix, percentages relative to the baseline', () => {
    const tolerance = { 'image.*': '5%', 'image.web/*': '10%', 'eslint.major': 1 };
    expect(toleranceFor('eslint.major', 3, tolerance)).toBe(1);
    expect(toleranceFor('image.api/server.bytes', 1000, tolerance)).toBe(50);
    expect(toleranceFor('image.web/front.bytes', 1000, tolerance)).toBe(100);
    expect(toleranceFor('typescript.errors', 3, tolerance)).toBe(0);
  });
});

describe('verdict', () => {
  it('orders error over failed over no-baseline over passed, and maps exit codes', () => {
    const failed = {
      id: 'x',
      scope: 'new' as const,
      title: '',
      value: 1,
      threshold: '',
      passed: false,
      judged: true,
      locations: [],
    };
    const failure = { collector: 'eslint' as const, code: 'TOOL_FAILED', message: '', fix: '', details: [] };
    expect(verdictOf([failed], [failure], true, true)).toBe('error');
    expect(verdictOf([failed], [], false, true)).toBe('failed');
    expect(verdictOf([{ ...failed, judged: false }], [], false, true)).toBe('no-baseline');
    expect(verdictOf([], [], false, false)).toBe('passed');
    expect([exitCodeFor('passed'), exitCodeFor('no-baseline'), exitCodeFor('failed'), exitCodeFor('error')]).toEqual([
      0, 0, 1, 3,
    ]);
  });

  it('given binary and deleted files, when judged, then they are listed and never judged', () => {
    const result = judge(
      input({
        newCode: newCode([
          { path: 'logo.png', status: 'added', binary: true, addedLines: [] },
          { path: 'src/gone.ts', status: 'deleted', binary: false, addedLines: [] },
        ]),
        metrics: { coverage: new Map(), issues: [] },
      }),
    );
    expect(result.newCode).toEqual({ files: 2, lines: 0, binaryFiles: ['logo.png'], deletedFiles: ['src/gone.ts'] });
    expect(result.conditions.every((c) => c.passed)).toBe(true);
  });
});

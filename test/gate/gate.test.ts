// End to end: fixture repositories with real commits, judged by real vitest coverage, ESLint, tsc and jscpd runs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Condition, GateResult } from '../../quality/types.js';
import { createGitRepo, makeNodeProject, runSlipway, type GitRepo } from '../helpers/git-repo.js';
import { codeClimateErrors, junitErrors, sarifErrors } from './schemas.js';

type GateJson = Omit<GateResult, 'issues'>;

const MATH = `export function add(a: number, b: number): number {
  return a + b;
}

export function sub(a: number, b: number): number {
  return a - b;
}
`;

const MATH_TEST = `import { expect, test } from 'vitest';
import { add, sub } from './math.js';

test('add', () => expect(add(1, 2)).toBe(3));
test('sub', () => expect(sub(3, 2)).toBe(1));
`;

/** An old file no test loads. */
function legacy(): string {
  const lines = ['export function legacyLabel(code: number): string {'];
  for (let i = 0; i < 12; i++) lines.push(`  if (code === ${i}) {`, `    return 'label-${i}';`, '  }');
  lines.push("  return 'unknown';", '}', '');
  return lines.join('\n');
}

/** A module with `grade` (tested) and `describeGrade` (untested), 30+ lines. */
const GRADE = `export function grade(score: number): string {
  if (score >= 90) {
    return 'A';
  }
  if (score >= 80) {
    return 'B';
  }
  if (score >= 70) {
    return 'C';
  }
  return 'F';
}

export function describeGrade(letter: string): string {
  const words: string[] = [];
  if (letter === 'A') {
    words.push('excellent');
  } else if (letter === 'B') {
    words.push('good');
  } else if (letter === 'C') {
    words.push('fair');
  } else {
    words.push('failing');
  }
  const sentence = words.join(' ');
  const upper = sentence.toUpperCase();
  const padded = upper.padStart(12, '.');
  return padded.trim();
}
`;

const GRADE_TEST = `import { expect, test } from 'vitest';
import { grade } from './grade.js';

test('grade', () => {
  expect(grade(95)).toBe('A');
  expect(grade(85)).toBe('B');
  expect(grade(75)).toBe('C');
  expect(grade(10)).toBe('F');
});
`;

let repo: GitRepo;

async function onBranch(name: string, change: (repo: GitRepo) => void, args: string[] = []) {
  await repo.git('checkout', '--quiet', 'main');
  await repo.git('checkout', '--quiet', '-b', name);
  change(repo);
  await repo.commit(name);
  return runSlipway(['gate', '--base', 'main', '--json', ...args], repo.dir);
}

function condition(result: GateJson, id: string): Condition {
  const found = result.conditions.find((c) => c.id === id);
  if (!found) throw new Error(`no condition ${id} in ${result.conditions.map((c) => c.id).join(', ')}`);
  return found;
}

beforeAll(async () => {
  repo = await createGitRepo({ prefix: 'slipway-gate-' });
  makeNodeProject(repo);
  repo.write('src/math.ts', MATH);
  repo.write('src/math.test.ts', MATH_TEST);
  repo.write('src/legacy.ts', legacy());
  await repo.commit('base: tested math, untested legacy');
});

afterAll(() => repo?.cleanup());

describe('slipway gate on a TypeScript app with vitest, ESLint and no slipway config', () => {
  it('given no baseline yet, when a small change is judged, then the verdict is no-baseline and exit 0', async () => {
    const run = await onBranch('small-change', (r) => r.write('src/math.ts', MATH.replace('a + b', 'b + a')));
    expect(run.code, run.stderr).toBe(0);
    const result = run.json<GateJson>();
    expect(result.verdict).toBe('no-baseline');
    expect(result.baseline).toBeNull();
    expect(run.stderr).toContain('coverage: running vitest');
    expect(run.stderr).toContain('eslint: running eslint');
  });

  it('given the target branch, when --record runs, then the baseline is stored in refs/slipway/baselines/main', async () => {
    await repo.git('checkout', '--quiet', 'main');
    const run = await runSlipway(['gate', '--record', '--json'], repo.dir);
    expect(run.code, run.stderr).toBe(0);
    const recorded = run.json<{
      recorded: { branch: string; where: string; metrics: Record<string, { value: number }> };
    }>().recorded;
    expect(recorded).toMatchObject({ branch: 'main', where: 'refs/slipway/baselines/main' });
    expect(recorded.metrics['coverage.lines']!.value).toBe(100);
    const stored = JSON.parse(await repo.git('show', 'refs/slipway/baselines/main:baseline.json')) as {
      commit: string;
    };
    expect(stored.commit).toBe(await repo.git('rev-parse', 'main'));
  });

  it('given a branch adding untested code, when judged, then it fails on new-line coverage naming the lines', async () => {
    const run = await onBranch('untested', (r) => {
      r.write('src/grade.ts', GRADE);
      r.write('src/grade.test.ts', GRADE_TEST);
    });
    expect(run.code, run.stderr).toBe(1);
    const result = run.json<GateJson>();
    expect(result.verdict).toBe('failed');
    expect(result.baseline?.branch).toBe('main');
    const coverage = condition(result, 'new_coverage');
    expect(coverage).toMatchObject({ scope: 'new', passed: false, judged: true, threshold: '>= 80' });
    expect(coverage.value).toBeLessThan(80);
    expect(coverage.locations).toHaveLength(1);
    const uncovered = coverage.locations[0]!;
    expect(uncovered.path).toBe('src/grade.ts');
    // describeGrade (lines 14-29) is never called; grade (1-12) is fully tested
    expect(uncovered.lines).toEqual(expect.arrayContaining([15, 17, 25, 28]));
    expect(uncovered.lines.every((line) => line >= 14 && line <= 29)).toBe(true);
  });

  it('given a branch adding tested code, when judged, then it passes', async () => {
    const run = await onBranch('tested', (r) => {
      r.write('src/grade.ts', GRADE);
      r.write(
        'src/grade.test.ts',
        GRADE_TEST.replace(
          "import { grade } from './grade.js';",
          "import { describeGrade, grade } from './grade.js';",
        ) +
          "\ntest('describe', () => {\n  for (const l of ['A', 'B', 'C', 'F']) expect(describeGrade(l)).toMatch(/[A-Z]/);\n});\n",
      );
    });
    expect(run.code, run.stderr).toBe(0);
    const result = run.json<GateJson>();
    expect(result.verdict).toBe('passed');
    expect(condition(result, 'new_coverage')).toMatchObject({ value: 100, passed: true, judged: true });
    expect(condition(result, 'new_issues')).toMatchObject({ value: 0, passed: true });
    expect(condition(result, 'overall:coverage.lines')).toMatchObject({ passed: true });
    expect(condition(result, 'tests')).toMatchObject({ value: 0, note: '4 of 4 tests passed' });
  });

  it('given a branch introducing a lint error, when judged, then it fails naming the rule and line', async () => {
    const run = await onBranch('lint-error', (r) =>
      r.write('src/math.ts', MATH.replace('  return a + b;', '  const unused = 42;\n  return a + b;')),
    );
    expect(run.code, run.stderr).toBe(1);
    const result = run.json<GateJson>();
    const issues = condition(result, 'new_issues');
    expect(issues).toMatchObject({ value: 1, passed: false });
    expect(issues.locations).toEqual([
      {
        path: 'src/math.ts',
        lines: [2],
        message: "eslint @typescript-eslint/no-unused-vars (major): 'unused' is assigned a value but never used.",
      },
    ]);
    expect(condition(result, 'overall:eslint.major')).toMatchObject({ value: 1, passed: false, threshold: '<= 0' });
  });

  it('given a branch touching one line of an old untested file, when judged, then the old lines are not held against it', async () => {
    const run = await onBranch('touch-legacy', (r) =>
      r.write('src/legacy.ts', legacy().replace("'label-5'", "'label-five'")),
    );
    expect(run.code, run.stderr).toBe(0);
    const result = run.json<GateJson>();
    expect(result.verdict).toBe('passed');
    expect(result.newCode.lines).toBe(1);
    const coverage = condition(result, 'new_coverage');
    expect(coverage).toMatchObject({ judged: false, passed: true });
    // only the touched line (18) is new; the file's 40 other uncovered lines are not mentioned anywhere
    const mentioned = result.conditions.flatMap((c) => c.locations).filter((l) => l.path === 'src/legacy.ts');
    expect(mentioned.flatMap((l) => l.lines).every((line) => line === 18)).toBe(true);
  });

  it('given a branch deleting a test, when judged, then the overall coverage ratchet fails naming the file', async () => {
    const run = await onBranch('drop-test', (r) =>
      r.write('src/math.test.ts', MATH_TEST.split('\n').slice(0, 4).join('\n') + '\n'),
    );
    expect(run.code, run.stderr).toBe(1);
    const result = run.json<GateJson>();
    expect(condition(result, 'new_coverage')).toMatchObject({ judged: false });
    const ratchet = condition(result, 'overall:coverage.lines');
    expect(ratchet).toMatchObject({ scope: 'overall', passed: false });
    expect(ratchet.value).toBeLessThan(100);
    expect(ratchet.locations[0]).toMatchObject({ path: 'src/math.ts', message: expect.stringContaining('(was 100%)') });
  });

  it('given reports requested, when judged twice, then all four are valid and fingerprints are stable', async () => {
    const reports = ['codeclimate', 'sarif', 'junit', 'markdown'].flatMap((f) => [`--${f}`, `reports/gate.${f}`]);
    const first = await onBranch(
      'reports',
      (r) => {
        r.write('src/grade.ts', GRADE.replace("  return 'F';", "  const unused = 1;\n  return 'F';"));
        r.write('src/grade.test.ts', GRADE_TEST);
      },
      reports,
    );
    expect(first.code, first.stderr).toBe(1);
    const read = (format: string) => readFileSync(path.join(repo.dir, 'reports', `gate.${format}`), 'utf8');
    const codeclimate = read('codeclimate');
    expect(codeClimateErrors(codeclimate)).toEqual([]);
    expect(sarifErrors(read('sarif'))).toEqual([]);
    expect(junitErrors(read('junit'))).toEqual([]);
    const entries = JSON.parse(codeclimate) as {
      check_name: string;
      fingerprint: string;
      location: { path: string; lines: { begin: number } };
    }[];
    expect(entries).toContainEqual(
      expect.objectContaining({
        check_name: 'eslint/@typescript-eslint/no-unused-vars',
        severity: 'major',
        location: { path: 'src/grade.ts', lines: { begin: 11, end: 11 } },
      }),
    );
    expect(entries.some((e) => e.check_name === 'slipway/new_coverage' && e.location.path === 'src/grade.ts')).toBe(
      true,
    );
    expect(read('junit')).toContain('<failure type="new_coverage"');
    const markdown = read('markdown');
    expect(markdown).toContain('## ❌ Quality gate failed');
    expect(markdown).toMatch(/- \*\*new_coverage\*\* `src\/grade.ts` lines \d+/);

    const second = await runSlipway(['gate', '--base', 'main', '--json', ...reports], repo.dir);
    expect(second.code).toBe(1);
    const again = JSON.parse(read('codeclimate')) as typeof entries;
    expect(again.map((e) => e.fingerprint)).toEqual(entries.map((e) => e.fingerprint));
  });
});

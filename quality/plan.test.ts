import { describe, expect, it } from 'vitest';
import { parseGateConfig } from './config.js';
import { planGate, type ProjectFacts } from './plan.js';
import type { ChangedFile } from './types.js';

const facts: ProjectFacts = {
  projectDir: '/repo',
  repoRoot: '/repo',
  dependencies: ['vitest', '@vitest/coverage-v8', 'eslint', 'typescript'],
  files: ['package.json', 'eslint.config.js', 'tsconfig.json'],
  bins: ['vitest', 'eslint', 'tsc'],
  eslintMajor: 9,
  bundledJscpd: '/slipway/node_modules/jscpd/run-jscpd.js',
  node: '/usr/bin/node',
};

const changed: ChangedFile[] = [
  { path: 'src/a.ts', status: 'modified', binary: false, addedLines: [1] },
  { path: 'README.md', status: 'modified', binary: false, addedLines: [1] },
  { path: 'src/gone.ts', status: 'deleted', binary: false, addedLines: [] },
];

function plan(overrides: Partial<ProjectFacts> = {}, gate: unknown = undefined, files = changed) {
  return planGate({
    facts: { ...facts, ...overrides },
    config: parseGateConfig(gate, '/repo'),
    mode: 'check',
    changed: files,
    workDir: '/tmp/w',
    manifestExists: false,
  });
}

describe('gate plan', () => {
  it('given vitest, ESLint and TypeScript, when planned, then each runs with the reporter slipway reads', () => {
    const steps = plan().steps;
    expect(steps.map((s) => s.collector)).toEqual(['coverage', 'eslint', 'typescript', 'duplication']);
    expect(steps[0]!.command).toEqual({
      file: '/repo/node_modules/.bin/vitest',
      args: [
        'run',
        '--coverage.enabled=true',
        '--coverage.reporter=lcovonly',
        '--coverage.reportOnFailure=true',
        '--coverage.reportsDirectory=/tmp/w/coverage',
        '--reporter=json',
        '--outputFile=/tmp/w/tests.json',
      ],
      cwd: '/repo',
    });
    expect(steps[1]!.command!.args).toEqual([
      '--format',
      'json',
      '--output-file',
      '/tmp/w/eslint.json',
      '--no-warn-ignored',
      'src/a.ts',
    ]);
    expect(steps[1]!.scope).toBe('changed');
    expect(steps[2]!.command!.args).toEqual(['--noEmit', '--pretty', 'false', '-p', 'tsconfig.json']);
    expect(steps[3]!.command!.file).toBe('/usr/bin/node');
    expect(steps[3]!.command!.args[0]).toBe('/slipway/node_modules/jscpd/run-jscpd.js');
  });

  it('given the ESLint config changed, when planned, then ESLint lints everything', () => {
    const steps = plan({}, undefined, [
      ...changed,
      { path: 'eslint.config.js', status: 'modified', binary: false, addedLines: [2] },
    ]).steps;
    const eslint = steps.find((s) => s.collector === 'eslint')!;
    expect(eslint.scope).toBe('all');
    expect(eslint.command!.args.at(-1)).toBe('.');
  });

  it('given jest instead of vitest, when planned, then jest runs with lcov and JSON results', () => {
    const steps = plan({ dependencies: ['jest'], bins: ['jest'] }).steps;
    expect(steps[0]!.command!.args).toEqual([
      '--ci',
      '--coverage',
      '--coverageReporters=lcovonly',
      '--coverageDirectory=/tmp/w/coverage',
      '--json',
      '--outputFile=/tmp/w/tests.json',
    ]);
  });

  it('given a tool in package.json but not installed, when planned, then the step says what is missing', () => {
    const coverage = plan({ bins: [] }).steps[0]!;
    expect(coverage.missing).toEqual({
      message: 'vitest is in package.json but not installed in /repo',
      fix: 'install the dependencies first (npm ci)',
    });
    expect(plan({ dependencies: ['vitest'] }).steps[0]!.missing!.fix).toContain('@vitest/coverage-v8');
  });

  it('given overrides in the config, when planned, then they replace detection', () => {
    const steps = plan(
      {},
      {
        coverage: { report: 'reports/lcov.info' },
        eslint: { command: ['npm', 'run', 'lint:json'] },
        typescript: { enabled: false },
        audit: { enabled: true },
      },
    ).steps;
    expect(steps[0]).toMatchObject({ report: { kind: 'file', path: '/repo/reports/lcov.info' } });
    expect(steps[0]!.command).toBeUndefined();
    expect(steps[1]).toMatchObject({
      command: { file: 'npm', args: ['run', 'lint:json'] },
      report: { kind: 'stdout' },
    });
    expect(steps.find((s) => s.collector === 'typescript')).toBeUndefined();
    expect(steps.find((s) => s.collector === 'audit')!.missing!.message).toContain('no package-lock.json');
  });

  it('given recording, when planned, then ESLint lints the whole project', () => {
    const recorded = planGate({
      facts,
      config: parseGateConfig(undefined, '/repo'),
      mode: 'record',
      changed: [],
      workDir: '/tmp/w',
      manifestExists: true,
    });
    expect(recorded.steps.find((s) => s.collector === 'eslint')!.scope).toBe('all');
    expect(recorded.steps.find((s) => s.collector === 'images')!.report).toEqual({
      kind: 'file',
      path: '/repo/.slipway/build.json',
    });
  });
});

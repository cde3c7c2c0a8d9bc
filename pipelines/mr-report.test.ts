// The merge-request report from step outputs: rows, sections, state, title, annotations (one per line range, only
// repository files), deployments, and a comment cut to the forge's limit with the marker kept.
import { describe, expect, it } from 'vitest';
import { gateSample, loadtestSample, manifestSample, previewSample } from '../test/fakes/reports.js';
import { parseBuild, parseEnvironments } from './mr-inputs.js';
import { annotationsFrom, MAX_ANNOTATIONS, planMrReport, reportMarker, type MrReportInputs } from './mr-report.js';

function inputs(overrides: Partial<MrReportInputs> = {}): MrReportInputs {
  return {
    project: 'scolarite',
    sha: '0123456789abcdef0123456789abcdef01234567',
    runUrl: 'https://gitlab.example/school/scolarite/-/pipelines/99',
    gate: { kind: 'ok', value: gateSample({ failedLines: 3 }), source: 'gate.json' },
    loadtest: { kind: 'ok', value: loadtestSample('passed'), source: 'report.json' },
    build: parseBuild(manifestSample(), 'build.json'),
    environments: parseEnvironments(previewSample(), 'preview.json'),
    ...overrides,
  };
}

const absent = { kind: 'absent' as const, looked: ['x.json'] };

describe('planMrReport', () => {
  it('starts with the per-project marker and summarises each step in one row', () => {
    const plan = planMrReport(inputs());
    expect(plan.marker).toBe('<!-- slipway:mr-report project="scolarite" -->');
    expect(plan.body.split('\n').slice(0, 12)).toEqual([
      '<!-- slipway:mr-report project="scolarite" -->',
      '## ❌ slipway: scolarite',
      '',
      'Commit `0123456789ab` · [pipeline](https://gitlab.example/school/scolarite/-/pipelines/99) · this comment is updated on every push',
      '',
      '| | | |',
      '|---|---|---|',
      '| ❌ | **Quality gate** | failed: `new_coverage` |',
      '| ✅ | **Load test** | passed on `feature-login` (p95 6.5 ms, p99 9 ms, errors 0%; 0 regressions against the baseline) |',
      '| 🌐 | **Preview** | [feature-login](http://web-students--feature-login.localhost:8080) |',
      '| 📦 | **Images** | 1 built, 1 reused |',
      '',
    ]);
    expect(plan.state).toBe('failure');
    expect(plan.title).toBe('gate failed, load test passed');
  });

  it('lists the preview URLs, what was built and why, and the gate and load-test details (failed ones open)', () => {
    const { body } = planMrReport(inputs());
    expect(body).toContain('### Preview `feature-login` (branch `feature/login`)');
    expect(body).toContain('| students/api | http://api-students--feature-login.localhost:8080 |');
    expect(body).toContain('### Images: what was built and why');
    expect(body).toContain('| students/web | reused | `127.0.0.1:5000/relfix/students-web@sha256:ffffffffffff…` |');
    expect(body).toContain('<details open><summary>Quality gate: failed</summary>');
    expect(body).toContain('### ❌ Quality gate failed');
    expect(body).toContain('<details><summary>Load test: passed</summary>');
    expect(body).toContain('#### Compared with the baseline');
  });

  it('says which steps did not run, and is neutral when nothing was judged', () => {
    const plan = planMrReport(inputs({ gate: absent, loadtest: absent, build: absent, environments: absent }));
    expect(plan.state).toBe('neutral');
    expect(plan.title).toBe('nothing judged');
    expect(plan.body).toContain('| ➖ | **Quality gate** | not run in this pipeline |');
    expect(plan.body).toContain('| ➖ | **Preview** | no preview environment in this pipeline |');
    expect(plan.deployments).toEqual([]);
  });

  it('reports a step that failed before writing its result', () => {
    const plan = planMrReport(
      inputs({
        gate: {
          kind: 'error',
          error: { code: 'NO_MERGE_BASE', message: 'no merge base with main', fix: 'fetch' },
          source: 'gate.json',
        },
      }),
    );
    expect(plan.state).toBe('failure');
    expect(plan.title).toBe('gate error, load test passed');
    expect(plan.body).toContain('| ⚠️ | **Quality gate** | could not run: NO_MERGE_BASE no merge base with main |');
  });

  it('passes with a no-baseline gate and a passed load test', () => {
    const plan = planMrReport(
      inputs({ gate: { kind: 'ok', value: gateSample({ failedLines: 0, verdict: 'no-baseline' }), source: 'g' } }),
    );
    expect(plan.state).toBe('success');
    expect(plan.body).toContain('new code passed; no baseline of `main` to compare the overall code with yet');
  });

  it('plans one deployment per preview, at its first front', () => {
    expect(planMrReport(inputs()).deployments).toEqual([
      {
        environment: 'feature-login',
        slug: 'feature-login',
        branch: 'feature/login',
        url: 'http://web-students--feature-login.localhost:8080',
      },
    ]);
  });

  it('cuts the biggest parts first to fit the limit, keeping the marker and the summary rows', () => {
    const big = planMrReport(inputs({ gate: { kind: 'ok', value: gateSample({ failedLines: 2000 }), source: 'g' } }));
    expect(big.body.length).toBeGreaterThan(4000);
    const plan = planMrReport(inputs({ gate: { kind: 'ok', value: gateSample({ failedLines: 2000 }), source: 'g' } }), {
      maxLength: 4000,
    });
    expect(plan.body.length).toBeLessThanOrEqual(4000);
    expect(plan.body.startsWith(plan.marker)).toBe(true);
    expect(plan.shortened).toEqual(['loadtest', 'gate']);
    expect(plan.body).toContain("Quality gate details: too long for a comment: see the job's reports.");
    expect(plan.body).toContain('| ❌ | **Quality gate** |');
    const tiny = planMrReport(inputs(), { maxLength: 300 });
    expect(tiny.body.length).toBeLessThanOrEqual(300);
    expect(tiny.body.startsWith(tiny.marker)).toBe(true);
    expect(tiny.body).toContain('(cut at 300 characters)');
  });

  it(`annotates at most ${MAX_ANNOTATIONS} places and says how many more there are`, () => {
    const plan = planMrReport(inputs({ gate: { kind: 'ok', value: gateSample({ failedLines: 520 }), source: 'g' } }));
    expect(plan.annotations).toHaveLength(MAX_ANNOTATIONS);
    expect(plan.annotationsLeftOut).toBe(20);
    expect(plan.body).toContain("20 more places to fix are not annotated (see the gate's reports).");
  });

  it('keeps the marker of each project apart, and an odd name cannot end the HTML comment', () => {
    expect(reportMarker('a "b" --> c')).toBe('<!-- slipway:mr-report project="a%20%22b%22%20--%3E%20c" -->');
  });
});

describe('annotationsFrom', () => {
  const condition = {
    id: 'new_coverage',
    scope: 'new' as const,
    title: 'Coverage of new lines',
    value: 10,
    threshold: '>= 80',
    passed: false,
    judged: true,
    locations: [
      { path: 'src/a.ts', lines: [3, 4, 5, 9], message: 'not covered' },
      { path: '/abs/report.json', lines: [1] },
      { path: '../outside.ts', lines: [1] },
      { path: 'src/b.ts', lines: [] },
    ],
  };

  it('gives one annotation per line range of a failed condition, on repository files only', () => {
    expect(annotationsFrom([condition])).toEqual([
      {
        path: 'src/a.ts',
        startLine: 3,
        endLine: 5,
        level: 'failure',
        title: 'new_coverage',
        message: 'Coverage of new lines: not covered',
      },
      {
        path: 'src/a.ts',
        startLine: 9,
        endLine: 9,
        level: 'failure',
        title: 'new_coverage',
        message: 'Coverage of new lines: not covered',
      },
      {
        path: 'src/b.ts',
        startLine: 1,
        endLine: 1,
        level: 'failure',
        title: 'new_coverage',
        message: 'Coverage of new lines',
      },
    ]);
  });

  it('warns (not fails) on overall conditions, and skips passed or unjudged ones and duplicates', () => {
    const overall = {
      ...condition,
      id: 'overall:eslint.major',
      scope: 'overall' as const,
      locations: [condition.locations[0]!],
    };
    const annotations = annotationsFrom([
      overall,
      overall,
      { ...condition, passed: true },
      { ...condition, judged: false, passed: true },
    ]);
    expect(annotations.map((a) => [a.level, a.startLine])).toEqual([
      ['warning', 3],
      ['warning', 9],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { baselineFile, baselineRef, branchName, gitStoreCommands, parseBaseline } from './baseline.js';
import { unquotePath } from './diff.js';
import { buildBaseline, isCodeLine, isCoverageSource } from './metrics.js';

describe('code lines of files the coverage report does not list', () => {
  it('counts statements, not comments, braces or type declarations', () => {
    expect(['  return a + b;', 'export function f() {', 'x();'].every(isCodeLine)).toBe(true);
    expect(
      [
        '',
        '  // note',
        ' * doc',
        '}',
        '  });',
        'export interface A {',
        'type B = string;',
        "import type { A } from './a.js';",
      ].some(isCodeLine),
    ).toBe(false);
  });

  it('judges sources, not tests, declarations or configs', () => {
    expect(isCoverageSource('src/a.ts', [])).toBe(true);
    expect(isCoverageSource('src/a.test.ts', [])).toBe(false);
    expect(isCoverageSource('test/helpers/x.ts', [])).toBe(false);
    expect(isCoverageSource('vitest.config.ts', [])).toBe(false);
    expect(isCoverageSource('README.md', [])).toBe(false);
    expect(isCoverageSource('scripts/gen.ts', ['scripts/**'])).toBe(false);
  });
});

describe('baselines', () => {
  it('names refs and files after the branch, whatever remote prefix it was given with', () => {
    expect(branchName('origin/main')).toBe('main');
    expect(branchName('refs/remotes/origin/release/2.x')).toBe('release/2.x');
    expect(baselineRef('origin/main')).toBe('refs/slipway/baselines/main');
    expect(
      baselineFile({ storage: 'file', file: '.slipway/{branch}.json', remote: 'origin' }, '/p', 'release/2.x'),
    ).toBe('/p/.slipway/release-2.x.json');
  });

  it('stores with a compare-and-swap on the previous baseline', () => {
    const commands = gitStoreCommands('refs/slipway/baselines/main', 'abc');
    expect(commands.commit('tree1', 'msg')).toEqual(['commit-tree', 'tree1', '-p', 'abc', '-m', 'msg']);
    expect(commands.update('def')).toEqual(['update-ref', 'refs/slipway/baselines/main', 'def', 'abc']);
    expect(gitStoreCommands('r', undefined).update('def')).toEqual(['update-ref', 'r', 'def', '']);
  });

  it('round-trips what --record builds, and rejects anything else with exit code 3', () => {
    const baseline = buildBaseline({
      branch: 'main',
      commit: 'a'.repeat(40),
      now: new Date('2026-01-01T00:00:00Z'),
      metrics: {
        coverage: new Map([
          [
            'src/a.ts',
            new Map([
              [1, 1],
              [2, 0],
            ]),
          ],
        ]),
        issues: [
          {
            tool: 'eslint',
            scope: 'all',
            files: ['src/a.ts'],
            list: [{ tool: 'eslint', rule: 'r', severity: 'major', path: 'src/a.ts', line: 1, message: 'm' }],
          },
        ],
      },
    });
    expect(baseline.files['src/a.ts']).toEqual({ coverage: [1, 2], issues: { 'eslint.major': 1 } });
    expect(baseline.metrics['coverage.lines']).toEqual({ value: 50, better: 'higher' });
    expect(parseBaseline(JSON.stringify(baseline), 'x')).toEqual(baseline);
    expect(() => parseBaseline('{"version":2}', 'refs/slipway/baselines/main')).toThrow(/not a slipway baseline/);
    expect(() => parseBaseline('', 'x')).toThrow(expect.objectContaining({ code: 'BASELINE_INVALID', exitCode: 3 }));
  });
});

describe('git path quoting', () => {
  it('decodes octal escapes and specials', () => {
    expect(unquotePath('"b/caf\\303\\251 \\"x\\".ts"')).toBe('b/café "x".ts');
    expect(unquotePath('plain.ts')).toBe('plain.ts');
  });
});

describe('build manifest', () => {
  it('reads image sizes per component, and tells a manifest without sizes from an empty one', async () => {
    const { parseBuildManifest } = await import('./collectors/images.js');
    const entry = { kind: 'back', image: 'reg/app/api@sha256:abc', repository: 'reg/app/api', tag: 't', built: true };
    expect(
      parseBuildManifest(JSON.stringify({ version: 1, components: { 'records/api': { ...entry, size: 1234 } } })),
    ).toEqual([{ component: 'records/api', image: 'reg/app/api@sha256:abc', bytes: 1234 }]);
    expect(parseBuildManifest(JSON.stringify({ version: 1, components: { 'records/api': entry } }))).toEqual([]);
    expect(() => parseBuildManifest(JSON.stringify({ version: 1, components: {} }))).toThrow(/lists no component/);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, parseGateConfig, thresholdsFor } from './config.js';

describe('gate config', () => {
  it('given nothing, when resolved, then the SonarQube-like defaults apply', () => {
    const config = parseGateConfig(undefined, '/repo');
    expect(config.thresholds).toEqual({
      newCoverage: 80,
      newDuplication: 3,
      newIssueSeverity: 'major',
      maxNewIssues: 0,
      minNewLines: 20,
    });
    expect(config.baseline).toEqual({ storage: 'git-ref', file: '.slipway/baselines/{branch}.json', remote: 'origin' });
    expect(config.eslint.scope).toBe('changed');
  });

  it('given module overrides, when a file is looked up, then the longest prefix wins and inherits the rest', () => {
    const config = parseGateConfig(
      {
        thresholds: { newCoverage: 70 },
        modules: { 'packages/': { minNewLines: 5 }, './packages/legacy/': { newCoverage: 40 } },
      },
      '/repo',
    );
    expect(thresholdsFor(config, 'packages/legacy/a.ts')).toEqual({
      module: 'packages/legacy',
      thresholds: { ...DEFAULT_THRESHOLDS, newCoverage: 40 },
    });
    expect(thresholdsFor(config, 'packages/web/a.ts').thresholds).toMatchObject({ newCoverage: 70, minNewLines: 5 });
    expect(thresholdsFor(config, 'packagesX/a.ts')).toEqual({
      module: undefined,
      thresholds: { ...DEFAULT_THRESHOLDS, newCoverage: 70 },
    });
  });

  it('given mistakes, when parsed, then every problem is listed with its path and the exit code is 2', () => {
    let thrown: unknown;
    try {
      parseGateConfig(
        { thresholds: { newCoverage: 180, newIssueSeverity: 'huge' }, coverge: {}, eslint: { command: 'eslint .' } },
        '/repo',
        'slipway.config.ts',
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 2 });
    const details = (thrown as { details: string[] }).details.join('\n');
    expect(details).toContain('gate.thresholds.newCoverage');
    expect(details).toContain('gate.thresholds.newIssueSeverity');
    expect(details).toContain('coverge');
    expect(details).toContain('gate.eslint.command');
  });
});

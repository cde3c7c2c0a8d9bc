// Given a `loadtest` block, when parsed, then defaults are filled, tolerances normalised and every problem reported.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOLERANCE, k6DurationMs, loadLoadtestConfig, parseLoadtestConfig } from './config.js';

describe('the loadtest config block', () => {
  it('fills defaults, with paths under the config folder', () => {
    const config = parseLoadtestConfig(undefined, '/repo');
    expect(config).toEqual({
      root: '/repo',
      k6: undefined,
      script: undefined,
      vus: 2,
      duration: '10s',
      timeoutMs: 900_000,
      thresholds: {},
      tolerance: DEFAULT_TOLERANCE,
      minRequests: 10,
      breakdown: true,
      baselineFile: '/repo/.slipway/loadtest/baselines/{script}.json',
      reportsDir: '/repo/.slipway/loadtest',
    });
  });

  it('takes tolerances as an amount, a percentage, or both', () => {
    const config = parseLoadtestConfig(
      {
        k6: 'tools/k6',
        script: 'load/api.js',
        tolerance: { p95: 20, p99: '50%', errorRate: { absolute: 0.02 }, throughput: { relative: '10%', absolute: 5 } },
        thresholds: { http_req_duration: ['p(95)<300', { threshold: 'p(99)<800', abortOnFail: true }] },
      },
      '/repo',
    );
    expect(config.k6).toBe('/repo/tools/k6');
    expect(config.script).toBe('/repo/load/api.js');
    expect(config.tolerance).toEqual({
      p95: { relative: 0, absolute: 20 },
      p99: { relative: 0.5, absolute: 0 },
      errorRate: { relative: 0, absolute: 0.02 },
      throughput: { relative: 0.1, absolute: 5 },
    });
    // a bare name is looked up on PATH, not in the project
    expect(parseLoadtestConfig({ k6: 'k6' }, '/repo').k6).toBe('k6');
  });

  it('reports every problem with its path', () => {
    let details: string[] = [];
    try {
      parseLoadtestConfig(
        { vus: 0, duration: '10 seconds', tolerance: { p95: '20' }, thresholds: { checks: [] }, colour: 'red' },
        '/repo',
        'slipway.config.ts',
      );
    } catch (error) {
      expect((error as Error).message).toBe('the loadtest block of slipway.config.ts is invalid');
      details = (error as { details: string[] }).details;
    }
    expect(details.map((d) => d.split(':')[0])).toEqual(
      expect.arrayContaining([
        'loadtest.vus',
        'loadtest.duration',
        'loadtest.tolerance.p95',
        'loadtest.thresholds.checks',
        'loadtest',
      ]),
    );
    expect(details.join('\n')).toContain('expected a k6 duration such as 30s');
    expect(details.join('\n')).toContain('(colour)');
  });

  it("reads k6's durations", () => {
    expect(k6DurationMs('1m30s')).toBe(90_000);
    expect(k6DurationMs('500ms')).toBe(500);
    expect(k6DurationMs('1.5h')).toBe(5_400_000);
  });

  it('reads the block from the config file, whether or not the main schema knows it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-loadtest-config-'));
    try {
      await expect(loadLoadtestConfig({ cwd: dir })).rejects.toThrow(`no slipway.config.ts in ${dir} or its parents`);
      await writeFile(
        path.join(dir, 'slipway.config.mjs'),
        `export default {
          project: 'shop',
          registry: { url: '127.0.0.1:5000' },
          modules: { shop: { components: { api: { kind: 'back', context: 'api', port: 8080 } } } },
          loadtest: { vus: 7, script: 'load/api.js' },
        };\n`,
      );
      const { config, loadtest } = await loadLoadtestConfig({ cwd: dir });
      expect(config.project).toBe('shop');
      expect(loadtest).toMatchObject({ vus: 7, script: path.join(dir, 'load/api.js') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

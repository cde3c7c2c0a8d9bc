import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import { engineTargets } from './environment-engines.js';

function config(extra: Record<string, unknown>) {
  return resolveConfig(
    {
      project: 'p',
      registry: { url: '127.0.0.1:5000' },
      modules: { m: { components: { api: { kind: 'back', context: 'api', port: 8080 } } } },
      ...extra,
    },
    '/repo/slipway.config.ts',
  );
}

describe('the engine of each environment', () => {
  it('runs everything on Docker by default', () => {
    const c = config({ environments: { staging: {} } });
    expect(engineTargets(c, undefined)).toEqual({ engine: 'docker', contexts: [undefined] });
    expect(engineTargets(c, 'staging')).toEqual({ engine: 'docker', contexts: [undefined] });
  });

  it('runs previews on the top-level engine in kubernetes.context, and a release environment on each of its clusters', () => {
    const c = config({
      engine: 'kubernetes',
      kubernetes: { context: 'ci' },
      environments: { staging: {}, production: { clusters: ['eu', 'us'] }, demo: { engine: 'docker' } },
    });
    expect(engineTargets(c, undefined)).toEqual({ engine: 'kubernetes', contexts: ['ci'] });
    expect(engineTargets(c, 'staging')).toEqual({ engine: 'kubernetes', contexts: ['ci'] });
    expect(engineTargets(c, 'production')).toEqual({ engine: 'kubernetes', contexts: ['eu', 'us'] });
    expect(engineTargets(c, 'demo')).toEqual({ engine: 'docker', contexts: [undefined] });
  });

  it("leaves the context to the kubeconfig's current one when the config names none", () => {
    expect(engineTargets(config({ engine: 'kubernetes' }), undefined)).toEqual({
      engine: 'kubernetes',
      contexts: [undefined],
    });
  });
});

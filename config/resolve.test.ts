import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../core/errors.js';
import { imageRepositoryIn, resolveConfig } from './resolve.js';

const FILE = '/repo/slipway.config.ts';

function valid(overrides: Record<string, unknown> = {}) {
  return {
    project: 'scolarite',
    registry: { url: '127.0.0.1:5000' },
    modules: {
      records: {
        components: {
          web: { kind: 'front', context: 'records/web', port: 8080, dependsOn: ['api'] },
          api: { kind: 'back', context: 'records/api', port: 8080, dependsOn: ['db', 'grades/api'] },
          db: { kind: 'storage', context: 'records/db', data: { migrations: 'migrations' } },
        },
      },
      grades: { components: { api: { kind: 'back', context: 'grades/api', port: '8081' } } },
    },
    ...overrides,
  };
}

function problems(raw: unknown): string[] {
  try {
    resolveConfig(raw, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as SlipwayError).code).toBe('CONFIG_INVALID');
    expect((error as SlipwayError).exitCode).toBe(2);
    return (error as SlipwayError).details;
  }
  throw new Error('expected the config to be refused');
}

describe('resolveConfig', () => {
  it('normalises paths, defaults, image names and orders components by dependency', () => {
    const config = resolveConfig(valid(), FILE);
    expect(config.components.map((c) => c.id)).toEqual(['records/db', 'grades/api', 'records/api', 'records/web']);
    const api = config.components.find((c) => c.id === 'records/api')!;
    expect(api).toMatchObject({
      contextDir: '/repo/records/api',
      dockerfile: '/repo/records/api/Dockerfile',
      health: '/healthz',
      dependsOn: ['records/db', 'grades/api'],
      imageRepository: '127.0.0.1:5000/scolarite/records-api',
    });
    const db = config.components.find((c) => c.id === 'records/db')!;
    expect(db).toMatchObject({
      port: 5432,
      health: undefined,
      data: { migrationsDir: '/repo/records/db/migrations', seedDir: undefined },
    });
    expect(config.components.find((c) => c.id === 'grades/api')!.port).toBe(8081);
    expect(config.registry).toEqual({ host: '127.0.0.1:5000', prefix: '', insecure: true });
    expect(config.build).toEqual({ concurrency: 2, secrets: {} });
  });

  it('reports the README example message for a bad port, with every other problem at once', () => {
    const raw = valid();
    const records = (raw.modules as Record<string, { components: Record<string, Record<string, unknown>> }>).records!;
    records.components.api!.port = '80a';
    records.components.web!.kind = 'frontend';
    records.components.db!.helth = '/x';
    expect(problems(raw)).toEqual([
      'modules.records.components.web.kind: expected one of front, back, storage, got "frontend"',
      'modules.records.components.api.port: expected 1-65535, got "80a"',
      'modules.records.components.db.helth: unknown field (did you mean "health"?)',
    ]);
  });

  it('checks names, registry and missing fields', () => {
    expect(problems({ project: 'Bad Name', registry: { url: 'https://r.example.com' }, modules: {} })).toEqual([
      'project: expected lowercase letters, digits and inner dashes, at most 40 characters, got "Bad Name"',
      'registry.url: expected host[:port][/path] without a scheme, got "https://r.example.com"',
    ]);
    expect(problems({ registry: { url: 'r.example.com' }, modules: {} })).toEqual([
      'project: required, expected string',
    ]);
  });

  it('checks cross-field rules: unknown dependencies, cycles, ports, data, secrets, image clashes', () => {
    const raw = {
      project: 'p',
      registry: { url: 'r.example.com/team' },
      modules: {
        a: {
          components: {
            x: { kind: 'back', context: 'x', dependsOn: ['y', 'nope'], secrets: ['npmrc'], data: { seed: 's' } },
            y: { kind: 'back', context: 'y', port: 1, dependsOn: ['x'] },
          },
        },
      },
    };
    expect(problems(raw)).toEqual([
      'modules.a.components.x.dependsOn.1: unknown component "nope"; use <component> or <module>/<component>',
      'modules.a.components.x.port: required for a back component, expected 1-65535',
      'modules.a.components.x.data: only storage components have migrations and seed data; move it to the storage component',
      'modules.a.components.x.secrets.0: unknown build secret "npmrc"; declare it under build.secrets',
    ]);
    const cyclic = structuredClone(raw);
    const x = cyclic.modules.a.components.x as Record<string, unknown>;
    x.dependsOn = ['y'];
    x.port = 2;
    x.secrets = [];
    delete x.data;
    expect(problems(cyclic)).toEqual([
      'modules.a.components.x.dependsOn: dependency cycle a/x -> a/y -> a/x; remove one of these dependsOn entries',
    ]);
  });

  it('resolves release environments with replicas per component, storage always one', () => {
    const config = resolveConfig(
      valid({ environments: { staging: {}, production: { replicas: { 'records/api': 3 }, keep: 4 } } }),
      FILE,
    );
    expect(config.environments.staging).toEqual({
      name: 'staging',
      engine: 'docker',
      clusters: [],
      replicas: { 'records/db': 1, 'grades/api': 1, 'records/api': 1, 'records/web': 1 },
      drainMs: 5000,
      readyTimeoutMs: 120000,
      keep: 10,
      check: { ms: 3000, maxErrorRate: 0, paths: {} },
      warmUpRequests: 100,
    });
    expect(config.environments.production!.replicas['records/api']).toBe(3);
    expect(problems(valid({ environments: { production: { replicas: { 'records/db': 2, 'nope/x': 2 } } } }))).toEqual([
      'environments.production.replicas.records/db: a storage runs exactly one container',
      'environments.production.replicas.nope/x: unknown component; use <module>/<component>',
    ]);
  });

  it('chooses the engine per environment: the top-level engine, its own, or kubernetes when it names clusters', () => {
    const config = resolveConfig(
      valid({
        engine: 'kubernetes',
        kubernetes: { kubeconfig: 'ci/kubeconfig', context: 'ci' },
        environments: {
          staging: {},
          local: { engine: 'docker' },
          production: { clusters: ['eu-west', 'us-east'] },
        },
      }),
      FILE,
    );
    expect(config.engine).toBe('kubernetes');
    expect(config.kubernetes).toMatchObject({ kubeconfig: '/repo/ci/kubeconfig', context: 'ci' });
    expect(config.environments.staging).toMatchObject({ engine: 'kubernetes', clusters: [] });
    expect(config.environments.local).toMatchObject({ engine: 'docker', clusters: [] });
    expect(config.environments.production).toMatchObject({ engine: 'kubernetes', clusters: ['eu-west', 'us-east'] });
    expect(resolveConfig(valid(), FILE)).toMatchObject({ engine: 'docker', kubernetes: undefined });
  });

  it("resolves an environment's own registry like the top-level one, its images under the same path", () => {
    const config = resolveConfig(
      valid({
        environments: {
          staging: {},
          qa: { registry: { url: '127.0.0.1:5000/qa' } },
          production: { registry: { url: 'registry.example.com/team' } },
          internal: { registry: { url: 'registry.internal:5000', insecure: true } },
        },
      }),
      FILE,
    );
    expect(config.environments.staging!.registry).toBeUndefined();
    expect(config.environments.qa!.registry).toEqual({ host: '127.0.0.1:5000', prefix: 'qa', insecure: true });
    expect(config.environments.production!.registry).toEqual({
      host: 'registry.example.com',
      prefix: 'team',
      insecure: false,
    });
    expect(config.environments.internal!.registry).toEqual({
      host: 'registry.internal:5000',
      prefix: '',
      insecure: true,
    });
    const api = config.components.find((c) => c.id === 'records/api')!;
    expect(imageRepositoryIn(config.registry, config.project, api)).toBe(api.imageRepository);
    expect(imageRepositoryIn(config.environments.qa!.registry!, config.project, api)).toBe(
      '127.0.0.1:5000/qa/scolarite/records-api',
    );
    expect(imageRepositoryIn(config.environments.production!.registry!, config.project, api)).toBe(
      'registry.example.com/team/scolarite/records-api',
    );
  });

  it("refuses an environment's registry with a scheme or a misspelled field, naming the path", () => {
    expect(
      problems(valid({ environments: { production: { registry: { url: 'https://r.example.com', insecur: true } } } })),
    ).toEqual([
      'environments.production.registry.url: expected host[:port][/path] without a scheme, got "https://r.example.com"',
      'environments.production.registry.insecur: unknown field (did you mean "insecure"?)',
    ]);
  });

  it('refuses an unknown engine listing the valid ones, and clusters on the Docker engine', () => {
    expect(problems(valid({ engine: 'kubernete' }))).toEqual([
      'engine: expected one of docker, kubernetes, got "kubernete"',
    ]);
    expect(
      problems(
        valid({ environments: { production: { engine: 'docker', clusters: ['a', 'a'] }, staging: { engine: 'k8s' } } }),
      ),
    ).toEqual(['environments.staging.engine: expected one of docker, kubernetes, got "k8s"']);
    expect(problems(valid({ environments: { production: { engine: 'docker', clusters: ['a', 'a'] } } }))).toEqual([
      "environments.production.clusters: only a kubernetes environment runs on clusters (this one runs on docker); set engine: 'kubernetes' or remove clusters",
      'environments.production.clusters: a is listed twice',
    ]);
  });

  it('puts the first problem and the count on the one-line message', () => {
    try {
      resolveConfig(
        {
          project: 'p',
          registry: { url: 'r' },
          modules: { m: { components: { c: { kind: 'back', context: 'c', port: 0 } } } },
          extra: 1,
        },
        FILE,
      );
    } catch (error) {
      expect((error as SlipwayError).message).toBe(
        'slipway.config.ts: modules.m.components.c.port: expected 1-65535, got 0 (and 1 more problem)',
      );
      expect((error as SlipwayError).fix).toBe(`correct each field listed in ${FILE}`);
    }
    expect.assertions(2);
  });
});

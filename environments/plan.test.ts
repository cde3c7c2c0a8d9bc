import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import type { BuildManifest } from '../image-builder/manifest.js';
import { gcCandidates } from './environments.js';
import { planEnvironment, selectModules, uniqueAlias } from './plan.js';
import type { EnvironmentState } from '../engines/docker/environments.js';

const config = resolveConfig(
  {
    project: 'scolarite',
    registry: { url: '127.0.0.1:5000' },
    preview: { ttl: '2h', maxLifetime: '3h' },
    modules: {
      students: {
        components: {
          web: { kind: 'front', context: 's/web', port: 8080, dependsOn: ['api'] },
          api: { kind: 'back', context: 's/api', port: 8080, dependsOn: ['db'], env: { DELAY_MS: '0' } },
          db: {
            kind: 'storage',
            context: 's/db',
            env: { POSTGRES_USER: 'sco', POSTGRES_PASSWORD: 'p@ss', POSTGRES_DB: 'students' },
            data: { migrations: 'm', seed: 's' },
          },
        },
      },
      grades: { components: { api: { kind: 'back', context: 'g/api', port: 3000, dependsOn: ['students/api'] } } },
    },
  },
  '/repo/slipway.config.ts',
);

function manifest(): BuildManifest {
  const entry = (id: string, kind: 'front' | 'back' | 'storage') => ({
    kind,
    image: `127.0.0.1:5000/scolarite/${id.replace('/', '-')}@sha256:${'d'.repeat(64)}`,
    repository: `127.0.0.1:5000/scolarite/${id.replace('/', '-')}`,
    tag: 'in-aaaaaaaaaaaa',
    inputDigest: `sha256:${id.length}${'a'.repeat(63)}`,
    digest: `sha256:${'d'.repeat(64)}`,
    imageId: 'sha256:1',
    size: 1000,
    built: true,
    reason: 'no image for this input',
  });
  return {
    version: 1,
    project: 'scolarite',
    commit: '0123456789abcdef0123456789abcdef01234567',
    ref: 'main',
    createdAt: '2026-11-22T00:00:00.000Z',
    pushed: true,
    components: {
      'students/web': entry('students/web', 'front'),
      'students/api': entry('students/api', 'back'),
      'students/db': entry('students/db', 'storage'),
      'grades/api': entry('grades/api', 'back'),
    },
  };
}

const now = new Date('2026-11-22T10:00:00Z');

describe('planEnvironment', () => {
  it('plans containers, stable host names, dependency variables, preview URLs and lifetimes', () => {
    const plan = planEnvironment({
      config,
      manifest: manifest(),
      branch: 'Feature/Grades',
      name: 'feature-grades',
      modules: [],
      now,
      createdAt: undefined,
    });
    expect(plan).toMatchObject({
      name: 'feature-grades',
      slug: 'feature-grades',
      network: 'slipway.scolarite.feature-grades',
      expiresAt: '2026-11-22T12:00:00.000Z',
      maxExpiresAt: '2026-11-22T13:00:00.000Z',
    });
    expect(plan.components.map((c) => c.id)).toEqual(['students/db', 'students/api', 'students/web', 'grades/api']);
    const api = plan.components.find((c) => c.id === 'students/api')!;
    expect(api.env).toEqual({
      DELAY_MS: '0',
      STUDENTS_DB_HOST: 'students-db',
      STUDENTS_DB_PORT: '5432',
      STUDENTS_DB_URL: 'postgres://sco:p%40ss@students-db:5432/students',
      PORT: '8080',
      SLIPWAY_VERSION: 'sha-0123456789ab',
      SLIPWAY_ENVIRONMENT: 'feature-grades',
      SLIPWAY_COMPONENT: 'students/api',
    });
    expect(plan.components.find((c) => c.id === 'grades/api')!.env).toMatchObject({
      STUDENTS_API_HOST: 'students-api',
      STUDENTS_API_PORT: '80',
      STUDENTS_API_URL: 'http://students-api',
      PORT: '3000',
    });
    expect(plan.urls).toEqual({
      'students/api': 'http://api-students--feature-grades.localhost:8080',
      'students/web': 'http://web-students--feature-grades.localhost:8080',
      'grades/api': 'http://api-grades--feature-grades.localhost:8080',
    });
    const db = plan.components.find((c) => c.id === 'students/db')!;
    expect(db.storage).toEqual({
      volume: 'slipway.scolarite.feature-grades.students-db',
      migrations: true,
      seed: true,
      user: 'sco',
      database: 'students',
    });
    expect(db.route).toBeUndefined();
    expect(api.containerName).toMatch(/^slipway\.scolarite\.feature-grades\.students-api\.[0-9a-f]{10}$/);
  });

  it('keeps the creation time of an existing environment, so the maximum lifetime is not extended', () => {
    const plan = planEnvironment({
      config,
      manifest: manifest(),
      branch: 'b',
      name: 'b',
      modules: [],
      now,
      createdAt: '2026-11-22T08:00:00.000Z',
    });
    expect(plan.maxExpiresAt).toBe('2026-11-22T11:00:00.000Z');
    expect(plan.expiresAt).toBe('2026-11-22T11:00:00.000Z');
  });

  it('selects modules with their dependencies and refuses an unknown one', () => {
    expect(selectModules(config, ['grades']).map((c) => c.id)).toEqual(['students/db', 'students/api', 'grades/api']);
    expect(() => selectModules(config, ['grade'])).toThrow('--modules grade: no such module (did you mean grades?)');
  });

  it('refuses to plan without a manifest entry for a component', () => {
    const partial = manifest();
    delete (partial.components as Record<string, unknown>)['grades/api'];
    expect(() =>
      planEnvironment({ config, manifest: partial, branch: 'b', name: 'b', modules: [], now, createdAt: undefined }),
    ).toThrow('the build manifest has no image for grades/api');
  });

  it('gives each container a DNS-safe unique alias', () => {
    expect(uniqueAlias('slipway.scolarite.b.students-api.0123456789')).toMatch(/^u[0-9a-f]{20}$/);
  });
});

describe('gcCandidates', () => {
  function env(name: string, branch: string, expiresAt: string, maxExpiresAt: string): EnvironmentState {
    return {
      project: 'p',
      name,
      branch,
      slug: name,
      createdAt: '',
      updatedAt: '',
      expiresAt,
      maxExpiresAt,
      status: 'ready',
      modules: [],
      urls: {},
      lifetime: 'preview',
      components: [],
    };
  }
  it('removes expired, over-age and (given open branches) orphaned environments', () => {
    const list = [
      env('fresh', 'fresh', '2026-11-23T00:00:00Z', '2026-12-01T00:00:00Z'),
      env('idle', 'idle', '2026-11-22T09:00:00Z', '2026-12-01T00:00:00Z'),
      env('old', 'old', '2026-11-23T00:00:00Z', '2026-11-22T09:59:59Z'),
      env('gone', 'feature/gone', '2026-11-23T00:00:00Z', '2026-12-01T00:00:00Z'),
    ];
    expect(gcCandidates(list, now, undefined).map((c) => [c.environment.name, c.reason])).toEqual([
      ['idle', 'expired'],
      ['old', 'max-lifetime'],
    ]);
    // a release environment is never collected, expired-looking or not
    expect(gcCandidates([{ ...list[1]!, name: 'production', lifetime: 'release' }], now, [])).toEqual([]);
    expect(gcCandidates(list, now, ['fresh']).map((c) => [c.environment.name, c.reason])).toEqual([
      ['idle', 'expired'],
      ['old', 'max-lifetime'],
      ['gone', 'orphan'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { ReleaseRecord } from '../../environments/engine.js';
import type { EnvComponent, EnvPlan } from '../../environments/plan.js';
import {
  appliedConfigMap,
  appliedObjects,
  environmentsFrom,
  keepRunningVersions,
  releaseConfigMap,
  releasesFrom,
  selector,
  statusPatch,
  STATUS_FIELD_MANAGER,
} from './state.js';
import type { KubernetesObject } from './types.js';

const namespace = {
  metadata: {
    name: 'slipway-scolarite-feature-grades',
    creationTimestamp: new Date('2026-11-22T10:00:00Z'),
    labels: {
      'app.kubernetes.io/managed-by': 'slipway',
      'dev.slipway.project': 'scolarite',
      'dev.slipway.env': 'feature-grades',
      'dev.slipway.branch': 'feature-grades-1a2b3c4d',
      'dev.slipway.lifetime': 'preview',
      'dev.slipway.expires-at': '20261125T100000Z',
    },
    annotations: {
      'dev.slipway.env': 'feature-grades',
      'dev.slipway.slug': 'feature-grades',
      'dev.slipway.branch': 'feature/grades',
      'dev.slipway.created-at': '2026-11-22T10:00:00.000Z',
      'dev.slipway.expires-at': '2026-11-25T10:00:00.000Z',
      'dev.slipway.max-expires-at': '2026-12-06T10:00:00.000Z',
      'dev.slipway.modules': 'students,grades',
      'dev.slipway.urls': '{"students/web":"http://web-students--feature-grades.localhost"}',
      'dev.slipway.status': 'ready',
      'dev.slipway.updated-at': '2026-11-22T11:00:00.000Z',
    },
  },
  status: { phase: 'Active' },
};

const api = {
  kind: 'Deployment',
  metadata: {
    name: 'students-api',
    namespace: 'slipway-scolarite-feature-grades',
    labels: { 'dev.slipway.kind': 'back', 'dev.slipway.version': 'sha-0123456789ab' },
    annotations: {
      'dev.slipway.component': 'students/api',
      'dev.slipway.image': '127.0.0.1:5000/scolarite/students-api@sha256:1',
      'dev.slipway.input-digest': 'sha256:2',
    },
  },
  status: { readyReplicas: 1 },
};

describe('environments read back from the cluster', () => {
  it('reads an environment from its namespace and its components from its workloads', () => {
    const other = { ...api, metadata: { ...api.metadata, namespace: 'elsewhere' } };
    expect(environmentsFrom([namespace], [api, other])).toEqual([
      {
        project: 'scolarite',
        name: 'feature-grades',
        branch: 'feature/grades',
        slug: 'feature-grades',
        createdAt: '2026-11-22T10:00:00.000Z',
        updatedAt: '2026-11-22T11:00:00.000Z',
        expiresAt: '2026-11-25T10:00:00.000Z',
        maxExpiresAt: '2026-12-06T10:00:00.000Z',
        status: 'ready',
        modules: ['students', 'grades'],
        urls: { 'students/web': 'http://web-students--feature-grades.localhost' },
        lifetime: 'preview',
        components: [
          {
            id: 'students/api',
            kind: 'back',
            version: 'sha-0123456789ab',
            inputDigest: 'sha256:2',
            image: '127.0.0.1:5000/scolarite/students-api@sha256:1',
            container: 'slipway-scolarite-feature-grades/students-api',
            running: true,
          },
        ],
      },
    ]);
  });

  it('makes a namespace whose first apply crashed before its annotations expired at once, so gc finds it', () => {
    const bare = { metadata: { ...namespace.metadata, annotations: {} } };
    const [env] = environmentsFrom([bare], []);
    expect(env).toMatchObject({ name: 'feature-grades', status: 'unknown', expiresAt: '1970-01-01T00:00:00.000Z' });
    expect(env!.createdAt).toBe('2026-11-22T10:00:00.000Z');
  });

  it('never expires a release environment', () => {
    const release = {
      metadata: { ...namespace.metadata, labels: { ...namespace.metadata.labels, 'dev.slipway.lifetime': 'release' } },
    };
    expect(environmentsFrom([release], [])[0]).toMatchObject({
      lifetime: 'release',
      expiresAt: '9999-12-31T00:00:00.000Z',
    });
  });
});

describe('bookkeeping objects', () => {
  it('selects by manager, project and (label-safe) environment', () => {
    expect(selector('scolarite')).toBe('app.kubernetes.io/managed-by=slipway,dev.slipway.project=scolarite');
    expect(selector('scolarite', 'staging')).toBe(
      'app.kubernetes.io/managed-by=slipway,dev.slipway.project=scolarite,dev.slipway.env=staging',
    );
  });

  it('keeps the applied objects in a ConfigMap and reads them back', () => {
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: {} } },
    ] as KubernetesObject[];
    const cm = appliedConfigMap('scolarite', 'staging', 'slipway-scolarite-staging', objects);
    expect(cm.metadata.labels).toMatchObject({ 'dev.slipway.role': 'applied', 'dev.slipway.env': 'staging' });
    expect(appliedObjects(JSON.parse(JSON.stringify(cm)))).toEqual(objects);
    expect(appliedObjects(undefined)).toBeUndefined();
    expect(appliedObjects({ data: { 'objects.json': '{not json' } })).toBeUndefined();
  });

  it('keeps releases as ConfigMaps, newest first, skipping unreadable ones', () => {
    const record = (id: string): ReleaseRecord => ({
      project: 'scolarite',
      env: 'production',
      id,
      kind: 'deploy',
      version: `v${id}`,
      commit: null,
      images: {},
      inputDigests: {},
      who: 'ci',
      at: '2026-11-22T10:00:00.000Z',
      result: 'succeeded',
      reason: '',
      from: null,
    });
    const maps = ['1700000000001', '1700000000003', '1700000000002'].map((id) => releaseConfigMap(record(id), 'ns'));
    expect(maps[0]!.metadata).toMatchObject({ name: 'slipway-release-1700000000001', namespace: 'ns' });
    expect(releasesFrom([...maps, { data: { 'release.json': 'oops' } }]).map((r) => r.id)).toEqual([
      '1700000000003',
      '1700000000002',
      '1700000000001',
    ]);
  });

  it('writes the status with its own field manager, so the main apply never removes it', () => {
    expect(STATUS_FIELD_MANAGER).toBe('slipway-status');
    expect(statusPatch('ns', 'failed', new Date('2026-11-22T10:00:00Z'))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'ns',
        annotations: { 'dev.slipway.status': 'failed', 'dev.slipway.updated-at': '2026-11-22T10:00:00.000Z' },
      },
    });
  });
});

describe('versions of unchanged components', () => {
  const component = (id: string, image: string, version: string): EnvComponent =>
    ({
      id,
      image,
      inputDigest: `in-${image}`,
      version,
      env: { PORT: '8080', SLIPWAY_VERSION: version },
    }) as unknown as EnvComponent;
  const workload = (id: string, image: string, version: string) =>
    ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        name: id.replace('/', '-'),
        labels: {},
        annotations: {
          'dev.slipway.component': id,
          'dev.slipway.image': image,
          'dev.slipway.input-digest': `in-${image}`,
        },
      },
      spec: { template: { spec: { containers: [{ env: [{ name: 'SLIPWAY_VERSION', value: version }] }] } } },
    }) as unknown as KubernetesObject;

  it('keeps the running version of a component whose image did not change, so its pods are not restarted', () => {
    const plan = {
      components: [component('students/db', 'db@1', 'sha-new'), component('students/api', 'api@2', 'sha-new')],
    } as EnvPlan;
    const previous = [workload('students/db', 'db@1', 'sha-old'), workload('students/api', 'api@1', 'sha-old')];
    const kept = keepRunningVersions(plan, previous);
    expect(kept.components.map((c) => [c.id, c.version, c.env.SLIPWAY_VERSION])).toEqual([
      ['students/db', 'sha-old', 'sha-old'],
      ['students/api', 'sha-new', 'sha-new'],
    ]);
    expect(keepRunningVersions(plan, undefined)).toBe(plan);
  });
});

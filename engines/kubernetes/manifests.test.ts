import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRawConfig } from '../../config/load.js';
import { resolveConfig, type ResolvedConfig } from '../../config/resolve.js';
import { planEnvironment, type EnvPlan } from '../../environments/plan.js';
import type { BuildManifest } from '../../image-builder/manifest.js';
import { toClientModel } from './client.js';
import { kubernetesOptions } from './config.js';
import { FIELD_MANAGER, pruneSelector, renderManifests } from './manifests.js';
import { isLabelValue } from './names.js';
import type {
  Deployment,
  Ingress,
  KubernetesObject,
  KubernetesOptions,
  Namespace,
  NetworkPolicy,
  PodTemplate,
  StatefulSet,
} from './types.js';
import { toYaml } from './yaml.js';

const SCHEMAS = path.resolve(import.meta.dirname, '../../../shared/schemas/kubernetes-v1.32');
const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/scolarite/slipway.config.ts');

const SCHEMA_FILES = {
  Deployment: 'deployment-apps-v1.json',
  Service: 'service-v1.json',
  Ingress: 'ingress-networking-v1.json',
  HorizontalPodAutoscaler: 'horizontalpodautoscaler-autoscaling-v2.json',
  PodDisruptionBudget: 'poddisruptionbudget-policy-v1.json',
  Namespace: 'namespace-v1.json',
} as const;
type SchemaKind = keyof typeof SCHEMA_FILES;

function loadSchema(kind: SchemaKind): Record<string, unknown> {
  // `$schema: http://json-schema.org/schema#` names no draft ajv knows ("the latest"); the schemas only use keywords
  // that mean the same in draft-04 to draft-07 (type arrays, properties, additionalProperties, required, oneOf,
  // enum, format), so they compile as draft-07, ajv's default, once that unresolvable reference is dropped
  const { $schema: _ignored, ...schema } = JSON.parse(readFileSync(path.join(SCHEMAS, SCHEMA_FILES[kind]), 'utf8'));
  return schema as Record<string, unknown>;
}

function makeAjv(): Ajv {
  // strict mode stays on, so a schema keyword ajv does not understand is an error rather than silently ignored;
  // the x-kubernetes-* extensions only annotate (merge strategies, list types) and are declared as such
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  for (const keyword of [
    'x-kubernetes-group-version-kind',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-list-type',
    'x-kubernetes-map-type',
    'x-kubernetes-patch-merge-key',
    'x-kubernetes-patch-strategy',
    'x-kubernetes-unions',
    'x-kubernetes-int-or-string',
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-embedded-resource',
  ]) {
    ajv.addKeyword(keyword);
  }
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

const validators = new Map<string, ValidateFunction>();
let podTemplateValidator: ValidateFunction;
let objectMetaValidator: ValidateFunction;
let labelSelectorValidator: ValidateFunction;

function validate(object: unknown, kind: SchemaKind): string[] {
  const check = validators.get(kind)!;
  if (check(object)) return [];
  return (check.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

function errorsOf(check: ValidateFunction, value: unknown): string[] {
  return check(value)
    ? []
    : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

function manifest(config: ResolvedConfig): BuildManifest {
  const components: BuildManifest['components'] = {};
  for (const [index, c] of config.components.entries()) {
    const repository = `127.0.0.1:5000/scolarite/${c.module}-${c.name}`;
    const digest = `sha256:${String(index).repeat(64)}`;
    components[c.id] = {
      kind: c.kind,
      image: `${repository}@${digest}`,
      repository,
      tag: 'in-aaaaaaaaaaaa',
      inputDigest: `sha256:${String(index)}${'a'.repeat(63)}`,
      digest,
      imageId: 'sha256:1',
      size: 1000,
      built: true,
      reason: 'no image for this input',
    };
  }
  return {
    version: 1,
    project: 'scolarite',
    commit: '0123456789abcdef0123456789abcdef01234567',
    ref: 'feature/grades',
    createdAt: '2026-11-22T00:00:00.000Z',
    pushed: true,
    components,
  };
}

let config: ResolvedConfig;
let preview: EnvPlan;
let release: EnvPlan;

const now = new Date('2026-11-22T10:00:00Z');

function options(overrides: Partial<KubernetesOptions> = {}): KubernetesOptions {
  return {
    ...kubernetesOptions(undefined),
    ingressClassName: 'nginx',
    components: { 'students/api': { autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilization: 70 } } },
    ...overrides,
  };
}

function ofKind<K extends KubernetesObject['kind']>(
  objects: KubernetesObject[],
  kind: K,
): Extract<KubernetesObject, { kind: K }>[] {
  return objects.filter((o): o is Extract<KubernetesObject, { kind: K }> => o.kind === kind);
}

/** Front and back host names, in the plan's dependency order. */
function httpHostnames(plan: EnvPlan): string[] {
  return plan.components.filter((c) => c.kind !== 'storage').map((c) => c.hostname);
}

function named<T extends KubernetesObject>(objects: T[], name: string): T {
  const found = objects.find((o) => o.metadata.name === name);
  if (!found) throw new Error(`no ${name} among ${objects.map((o) => o.metadata.name).join(', ')}`);
  return found;
}

beforeAll(async () => {
  const ajv = makeAjv();
  for (const kind of Object.keys(SCHEMA_FILES) as SchemaKind[]) validators.set(kind, ajv.compile(loadSchema(kind)));
  // StatefulSet has no schema in shared/schemas: its pod template, metadata and selector are the same types as a
  // Deployment's, so those parts are checked against the Deployment schema's own subschemas
  const deployment = loadSchema('Deployment') as {
    properties: { metadata: object; spec: { properties: { template: object; selector: object } } };
  };
  podTemplateValidator = ajv.compile(deployment.properties.spec.properties.template);
  objectMetaValidator = ajv.compile(deployment.properties.metadata);
  labelSelectorValidator = ajv.compile(deployment.properties.spec.properties.selector);

  config = resolveConfig(await loadRawConfig(EXAMPLE), EXAMPLE);
  const base = {
    config,
    manifest: manifest(config),
    modules: [],
    now,
    createdAt: undefined,
  };
  preview = planEnvironment({ ...base, branch: 'feature/grades', name: 'feature-grades' });
  const replicas = Object.fromEntries(config.components.map((c) => [c.id, c.kind === 'storage' ? 1 : 3]));
  release = planEnvironment({
    ...base,
    branch: 'main',
    name: 'production',
    release: { replicas, drainMs: 5000, readyTimeoutMs: 120_000 },
  });
});

describe('renderManifests: the strict Kubernetes 1.32 schemas', () => {
  it('accepts every Deployment, Service, Ingress, HPA, PDB and Namespace, of a preview and a release environment', () => {
    for (const plan of [preview, release]) {
      const objects = renderManifests(plan, options());
      const checked = objects.filter(
        (o): o is Extract<KubernetesObject, { kind: SchemaKind }> => o.kind in SCHEMA_FILES,
      );
      expect(new Set(checked.map((o) => o.kind))).toEqual(new Set(Object.keys(SCHEMA_FILES)));
      for (const object of checked)
        expect(validate(object, object.kind), `${object.kind}/${object.metadata.name}`).toEqual([]);
    }
  });

  it('rejects a misspelled field, at the top and deep in a pod, so the checks above can fail', () => {
    const deployment = ofKind(renderManifests(preview, options()), 'Deployment')[0]!;
    const copy = structuredClone(deployment) as unknown as {
      spec: Record<string, unknown> & { template: PodTemplate };
    };
    copy.spec.replcias = 2;
    expect(validate(copy, 'Deployment').join('\n')).toMatch(/additionalProperty.*replcias/);

    const nested = structuredClone(deployment) as unknown as { spec: { template: { spec: { containers: object[] } } } };
    const [first] = nested.spec.template.spec.containers as Record<string, unknown>[];
    first!.readinesProbe = first!.readinessProbe;
    delete first!.readinessProbe;
    expect(validate(nested, 'Deployment').join('\n')).toMatch(/readinesProbe/);

    const service = structuredClone(ofKind(renderManifests(preview, options()), 'Service')[0]!) as unknown as {
      spec: { ports: Record<string, unknown>[] };
    };
    service.spec.ports[0]!.targetport = 8080;
    expect(validate(service, 'Service')).not.toEqual([]);
  });

  it('rejects a wrong type and a wrong apiVersion', () => {
    const hpa = structuredClone(ofKind(renderManifests(preview, options()), 'HorizontalPodAutoscaler')[0]!);
    expect(validate({ ...hpa, apiVersion: 'autoscaling/v1' }, 'HorizontalPodAutoscaler')).not.toEqual([]);
    expect(validate({ ...hpa, spec: { ...hpa.spec, minReplicas: '2' } }, 'HorizontalPodAutoscaler')).not.toEqual([]);
  });

  it('checks StatefulSets by structure: pod template, metadata and selector against the Deployment subschemas', () => {
    const sets = ofKind(renderManifests(preview, options()), 'StatefulSet');
    expect(sets.map((s) => s.metadata.name)).toEqual(['students-db', 'grades-db']);
    for (const set of sets) {
      expect(errorsOf(podTemplateValidator, set.spec.template)).toEqual([]);
      expect(errorsOf(objectMetaValidator, set.metadata)).toEqual([]);
      expect(errorsOf(labelSelectorValidator, set.spec.selector)).toEqual([]);
      expect(Object.keys(set.spec).sort()).toEqual(
        [
          'persistentVolumeClaimRetentionPolicy',
          'replicas',
          'selector',
          'serviceName',
          'template',
          'updateStrategy',
          'volumeClaimTemplates',
        ].sort(),
      );
    }
    const broken = structuredClone(sets[0]!.spec.template) as unknown as { spec: Record<string, unknown> };
    broken.spec.securityContex = {};
    expect(errorsOf(podTemplateValidator, broken)).not.toEqual([]);
  });
});

describe('renderManifests: workloads', () => {
  function podTemplates(objects: KubernetesObject[]): [string, PodTemplate][] {
    return objects
      .filter((o): o is Deployment | StatefulSet => o.kind === 'Deployment' || o.kind === 'StatefulSet')
      .map((o) => [o.metadata.name, o.spec.template]);
  }

  it('meets the Pod Security "restricted" profile in every pod, and the namespace enforces it', () => {
    const objects = renderManifests(preview, options());
    const templates = podTemplates(objects);
    expect(templates).toHaveLength(6);
    for (const [name, template] of templates) {
      const pod = template.spec;
      expect(pod.securityContext, name).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod).not.toHaveProperty('hostNetwork');
      expect(pod).not.toHaveProperty('volumes');
      for (const container of pod.containers) {
        expect(container.securityContext, name).toEqual({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          runAsNonRoot: true,
          runAsUser: pod.securityContext.runAsUser,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        for (const port of container.ports) expect(port).not.toHaveProperty('hostPort');
      }
    }
    const namespace = ofKind(objects, 'Namespace')[0]!;
    expect(namespace.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.32',
    });
  });

  it('rolls out with maxUnavailable 0, probes on the health path, a preStop pause shorter than the grace period', () => {
    const deployments = ofKind(renderManifests(preview, options()), 'Deployment');
    expect(deployments.map((d) => d.metadata.name)).toEqual(httpHostnames(preview));
    for (const d of deployments) {
      expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
      const pod = d.spec.template.spec;
      const [container] = pod.containers;
      for (const probe of [container!.readinessProbe, container!.livenessProbe, container!.startupProbe]) {
        expect(probe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
      }
      // the startup probe covers the environment's ready timeout before liveness may restart the pod
      const startup = container!.startupProbe!;
      expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(preview.readyTimeoutMs / 1000);
      expect(container!.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
      expect(pod.terminationGracePeriodSeconds).toBe(30);
      expect(container!.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } });
    }
  });

  it('runs the plan: image by digest, its variables, its port, its replica count; HTTP Services on port 80', () => {
    const objects = renderManifests(release, options({ components: {} }));
    for (const c of release.components.filter((p) => p.kind !== 'storage')) {
      const d = named(ofKind(objects, 'Deployment'), c.hostname);
      expect(d.spec.replicas).toBe(3);
      const container = d.spec.template.spec.containers[0]!;
      expect(container.image).toBe(c.image);
      expect(container.image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(Object.fromEntries(container.env.map((e) => [e.name, e.value]))).toEqual(c.env);
      expect(container.ports).toEqual([{ name: 'http', containerPort: c.port, protocol: 'TCP' }]);
      expect(d.spec.template.metadata.annotations['dev.slipway.image']).toBe(c.image);
      const service = named(ofKind(objects, 'Service'), c.hostname);
      expect(service.spec).toEqual({
        type: 'ClusterIP',
        selector: d.spec.selector.matchLabels,
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      });
    }
    // dependencies are reached exactly as on Docker
    const api = named(ofKind(objects, 'Deployment'), 'grades-api').spec.template.spec.containers[0]!;
    expect(api.env).toContainEqual({ name: 'STUDENTS_API_URL', value: 'http://students-api' });
    expect(api.env).toContainEqual({
      name: 'GRADES_DB_URL',
      value: 'postgres://scolarite:scolarite-dev@grades-db:5432/grades',
    });
  });

  it('gives every object valid, prunable labels; digests only in annotations', () => {
    const objects = renderManifests(preview, options());
    for (const o of objects) {
      expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject(pruneSelector(preview));
      expect(o.metadata.labels['app.kubernetes.io/part-of']).toBe('scolarite');
      const templates = o.kind === 'Deployment' || o.kind === 'StatefulSet' ? [o.spec.template.metadata.labels] : [];
      for (const labels of [o.metadata.labels, ...templates]) {
        for (const [key, value] of Object.entries(labels)) {
          expect(isLabelValue(value), `${key}=${value}`).toBe(true);
          expect(value).not.toContain('sha256');
        }
      }
    }
    const d = named(ofKind(objects, 'Deployment'), 'students-api');
    expect(d.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'students-api',
      'app.kubernetes.io/managed-by': 'slipway',
      'dev.slipway.project': 'scolarite',
      'dev.slipway.env': 'feature-grades',
      'dev.slipway.component': 'students.api',
      'dev.slipway.version': 'sha-0123456789ab',
    });
    expect(FIELD_MANAGER).toBe('slipway');
  });

  it('keeps storage in a StatefulSet with a volume claim and a headless Service on its own port', () => {
    const objects = renderManifests(preview, options({ storage: { ...options().storage, className: 'fast' } }));
    const set = named(ofKind(objects, 'StatefulSet'), 'students-db');
    const service = named(ofKind(objects, 'Service'), 'students-db');
    expect(service.spec).toEqual({
      type: 'ClusterIP',
      clusterIP: 'None',
      selector: set.spec.selector.matchLabels,
      ports: [{ name: 'db', port: 5432, targetPort: 'db', protocol: 'TCP' }],
    });
    expect(set.spec.serviceName).toBe(service.metadata.name);
    expect(set.spec.replicas).toBe(1);
    expect(set.spec.volumeClaimTemplates[0]!.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '1Gi' } },
    });
    expect(set.spec.persistentVolumeClaimRetentionPolicy.whenDeleted).toBe('Delete');
    const pod = set.spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      fsGroupChangePolicy: 'OnRootMismatch',
    });
    const container = pod.containers[0]!;
    expect(container.volumeMounts).toEqual([{ name: 'data', mountPath: '/var/lib/postgresql/data' }]);
    expect(container.env).toContainEqual({ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' });
    expect(container.readinessProbe).toMatchObject({ tcpSocket: { port: 'db' } });
    // no Deployment, PDB, HPA or Ingress for a storage
    expect(objects.filter((o) => o.metadata.name === 'students-db').map((o) => o.kind)).toEqual([
      'Service',
      'StatefulSet',
    ]);
    const production = named(ofKind(renderManifests(release, options()), 'StatefulSet'), 'students-db');
    expect(production.spec.persistentVolumeClaimRetentionPolicy.whenDeleted).toBe('Retain');
  });

  it('points an external managed database at its host through an ExternalName Service, with no StatefulSet', () => {
    const objects = renderManifests(
      preview,
      options({ components: { 'students/db': { external: { host: 'students.db.example.com' } } } }),
    );
    const service = named(ofKind(objects, 'Service'), 'students-db');
    expect(service.spec).toEqual({
      type: 'ExternalName',
      externalName: 'students.db.example.com',
      ports: [{ name: 'db', port: 5432, protocol: 'TCP' }],
    });
    expect(validate(service, 'Service')).toEqual([]);
    expect(ofKind(objects, 'StatefulSet').map((s) => s.metadata.name)).toEqual(['grades-db']);
  });
});

describe('renderManifests: availability and scaling', () => {
  it('gives every Deployment a disruption budget, never as large as its replica count', () => {
    const single = ofKind(renderManifests(preview, options({ components: {} })), 'PodDisruptionBudget');
    expect(single.map((p) => p.metadata.name)).toEqual(httpHostnames(preview));
    for (const pdb of single) {
      expect(pdb.spec).toEqual({
        minAvailable: 0,
        selector: { matchLabels: { 'app.kubernetes.io/name': pdb.metadata.name } },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      });
    }
    const three = ofKind(renderManifests(release, options({ components: {} })), 'PodDisruptionBudget');
    for (const pdb of three) expect(pdb.spec.minAvailable).toBe(1);
    const two = ofKind(
      renderManifests(release, options({ components: {}, pdbMinAvailable: 5 })),
      'PodDisruptionBudget',
    );
    for (const pdb of two) expect(pdb.spec.minAvailable).toBe(2);
  });

  it('adds a HorizontalPodAutoscaler only when asked, and then leaves the replica count to it', () => {
    const without = renderManifests(preview, options({ components: {} }));
    expect(ofKind(without, 'HorizontalPodAutoscaler')).toEqual([]);

    const objects = renderManifests(preview, options());
    const hpas = ofKind(objects, 'HorizontalPodAutoscaler');
    expect(hpas).toHaveLength(1);
    expect(hpas[0]!.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'students-api' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
    });
    const deployments = ofKind(objects, 'Deployment');
    expect(named(deployments, 'students-api').spec).not.toHaveProperty('replicas');
    expect(named(deployments, 'grades-api').spec.replicas).toBe(1);
    // the budget counts from the autoscaler's minimum
    expect(named(ofKind(objects, 'PodDisruptionBudget'), 'students-api').spec.minAvailable).toBe(1);
  });
});

describe('renderManifests: the environment', () => {
  it('routes each front and back preview host through its own Ingress to the Service', () => {
    const objects = renderManifests(preview, options());
    const ingresses: Ingress[] = ofKind(objects, 'Ingress');
    const routed = preview.components.filter((c) => c.route);
    expect(ingresses.map((i) => i.spec.rules[0]!.host).sort()).toEqual(routed.map((c) => c.route!.host).sort());
    expect(ingresses.map((i) => i.spec.rules[0]!.host)).toContain('web-students--feature-grades.localhost');
    for (const ingress of ingresses) {
      expect(ingress.spec.ingressClassName).toBe('nginx');
      expect(ingress.spec.rules[0]!.http.paths).toEqual([
        {
          path: '/',
          pathType: 'Prefix',
          backend: { service: { name: ingress.metadata.name, port: { name: 'http' } } },
        },
      ]);
      expect(named(ofKind(objects, 'Service'), ingress.metadata.name).spec.type).toBe('ClusterIP');
    }
    const defaultClass = ofKind(renderManifests(preview, options({ ingressClassName: undefined })), 'Ingress');
    for (const ingress of defaultClass) expect(ingress.spec).not.toHaveProperty('ingressClassName');
  });

  it('isolates the environment: ingress only from its own namespace and the ingress controller', () => {
    const objects = renderManifests(preview, options({ ingressControllerNamespace: 'traefik' }));
    const policies: NetworkPolicy[] = ofKind(objects, 'NetworkPolicy');
    expect(policies).toHaveLength(1);
    const namespace = 'slipway-scolarite-feature-grades';
    // structure, by value: shared/schemas has no NetworkPolicy schema
    expect(policies[0]).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'slipway-isolation', namespace, labels: expect.any(Object) },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          { from: [{ podSelector: {} }] },
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } } }] },
        ],
      },
    });
    expect(errorsOf(objectMetaValidator, policies[0]!.metadata)).toEqual([]);
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe(namespace);
  });

  it('puts each preview in its own namespace labelled with project, branch and expiry', () => {
    const [namespace] = ofKind(renderManifests(preview, options()), 'Namespace') as Namespace[];
    expect(namespace!.metadata.name).toBe('slipway-scolarite-feature-grades');
    expect(namespace!.metadata.labels).toMatchObject({
      'dev.slipway.project': 'scolarite',
      'dev.slipway.env': 'feature-grades',
      'dev.slipway.branch': 'feature-grades-' + namespace!.metadata.labels['dev.slipway.branch']!.slice(-8),
      'dev.slipway.lifetime': 'preview',
      'dev.slipway.expires-at': '20261125T100000Z',
    });
    expect(namespace!.metadata.annotations).toMatchObject({
      'dev.slipway.branch': 'feature/grades',
      'dev.slipway.expires-at': preview.expiresAt,
      'dev.slipway.max-expires-at': preview.maxExpiresAt,
    });
    const [production] = ofKind(renderManifests(release, options()), 'Namespace');
    expect(production!.metadata.name).toBe('slipway-scolarite-production');
    expect(production!.metadata.labels).not.toHaveProperty('dev.slipway.expires-at');
    expect(production!.metadata.labels['dev.slipway.lifetime']).toBe('release');
  });

  it('orders objects for apply: namespace, isolation, then each component with its Service first', () => {
    const kinds = renderManifests(preview, options()).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(kinds.slice(0, 2)).toEqual([
      'Namespace/slipway-scolarite-feature-grades',
      'NetworkPolicy/slipway-isolation',
    ]);
    expect(kinds.indexOf('Service/students-db')).toBeLessThan(kinds.indexOf('StatefulSet/students-db'));
    expect(kinds.indexOf('StatefulSet/students-db')).toBeLessThan(kinds.indexOf('Deployment/students-api'));
    expect(kinds.indexOf('Deployment/students-api')).toBeLessThan(kinds.indexOf('Deployment/grades-api'));
  });

  it('is pure: the same plan and options give the same objects', () => {
    expect(renderManifests(preview, options())).toEqual(renderManifests(preview, options()));
  });
});

describe('renderManifests: what cannot run', () => {
  it('reports every problem at once: grace not above the pause, unpushed image, autoscaled storage', () => {
    const unpushed: EnvPlan = {
      ...preview,
      components: preview.components.map((c) =>
        c.id === 'grades/web' ? { ...c, image: '127.0.0.1:5000/scolarite/grades-web:in-aaaa' } : c,
      ),
    };
    const run = () =>
      renderManifests(
        unpushed,
        options({
          preStopSeconds: 30,
          terminationGracePeriodSeconds: 30,
          components: { 'students/db': { autoscaling: { minReplicas: 1, maxReplicas: 2, cpuUtilization: 50 } } },
        }),
      );
    expect(run).toThrowError(/terminationGracePeriodSeconds \(30\) must exceed preStopSeconds \(30\)/);
    try {
      run();
    } catch (error) {
      expect((error as { code: string; details: string[] }).code).toBe('CONFIG_INVALID');
      expect((error as { details: string[] }).details).toEqual([
        expect.stringContaining('terminationGracePeriodSeconds'),
        'components.students/db.autoscaling: a storage runs one pod',
        expect.stringContaining('grades/web: image 127.0.0.1:5000/scolarite/grades-web:in-aaaa is not pushed'),
      ]);
    }
  });

  it('leaves the preStop hook out when the pause is 0 s (Kubernetes 1.32 rejects a zero sleep)', () => {
    const d = ofKind(renderManifests(preview, options({ preStopSeconds: 0 })), 'Deployment')[0]!;
    expect(d.spec.template.spec.containers[0]).not.toHaveProperty('lifecycle');
  });
});

describe('toYaml', () => {
  it('prints one document per object that parses back to the same objects', () => {
    const objects = renderManifests(preview, options());
    const text = toYaml(objects);
    const documents = parseAllDocuments(text);
    expect(documents).toHaveLength(objects.length);
    for (const d of documents) expect(d.errors).toEqual([]);
    expect(documents.map((d) => d.toJS())).toEqual(objects);
    expect(text.split('\n').filter((line) => line === '---')).toHaveLength(objects.length - 1);
    // probes share one action object in memory: the text spells each out rather than using YAML anchors
    expect(text).not.toMatch(/[&*]a\d/);
  });

  it('quotes strings that YAML 1.1 readers such as kubectl would take for booleans or numbers', () => {
    const plan: EnvPlan = {
      ...preview,
      components: preview.components.map((c) =>
        c.id === 'students/api' ? { ...c, env: { ...c.env, FEATURE: 'yes', MODE: 'on', UMASK: '0777' } } : c,
      ),
    };
    const objects = renderManifests(plan, options());
    const text = toYaml(objects);
    expect(text).toMatch(/value: "yes"/);
    expect(text).toMatch(/value: "on"/);
    for (const d of parseAllDocuments(text, { version: '1.1' })) expect(d.errors).toEqual([]);
    const back = parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS() as KubernetesObject);
    expect(back).toEqual(objects);
  });
});

describe('what the client sends', () => {
  it("survives @kubernetes/client-node's typed models unchanged, as apply hands them over", async () => {
    // KubernetesObjectApi.patch serializes through the client's typed models, which drop any field they do not know
    // and expect their own names for a few (`_from` for a NetworkPolicy rule's `from`): apply converts each object
    // to the model first (toClientModel), and what goes on the wire must be exactly what was rendered
    const { ObjectSerializer } = await import('@kubernetes/client-node/dist/serializer.js');
    const { getSerializationType } = await import('@kubernetes/client-node/dist/util.js');
    const objects = [
      ...renderManifests(preview, options()),
      ...renderManifests(release, options({ preStopSeconds: 0 })),
    ];
    for (const object of objects) {
      const sent = ObjectSerializer.serialize(
        toClientModel(object),
        getSerializationType(object.apiVersion, object.kind),
      );
      expect(JSON.parse(JSON.stringify(sent)), `${object.kind}/${object.metadata.name}`).toEqual(object);
    }
  });
});

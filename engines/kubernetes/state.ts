// What slipway keeps in the cluster about an environment, and how it reads it back: the namespace's labels and
// annotations (the environment), its workloads (the components), a ConfigMap holding the objects last applied
// (what a rollback re-applies) and one ConfigMap per kept release (`slipway history`). Pure.
import type { EnvironmentState, ComponentState, ReleaseRecord } from '../../environments/engine.js';
import type { EnvPlan } from '../../environments/plan.js';
import { FIELD_MANAGER, K8S_ANNOTATION, K8S_LABEL } from './manifests.js';
import { labelValue } from './names.js';
import type { KubernetesObject } from './types.js';

/** The extra labels and annotations of slipway's own bookkeeping objects. */
export const STATE_LABEL = { role: 'dev.slipway.role' } as const;
export const STATE_ANNOTATION = { status: 'dev.slipway.status', updatedAt: 'dev.slipway.updated-at' } as const;

/** The environment's status is written by its own field manager, so the main apply (which never sets it) keeps it. */
export const STATUS_FIELD_MANAGER = `${FIELD_MANAGER}-status`;

export const APPLIED_CONFIGMAP = 'slipway-applied';
const RELEASE_PREFIX = 'slipway-release-';

interface ObjectMetaView {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: Date | string;
}

export interface NamespaceView {
  metadata?: ObjectMetaView;
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export interface WorkloadView {
  kind?: string;
  metadata?: ObjectMetaView;
  status?: { readyReplicas?: number };
}

export interface ConfigMapView {
  metadata?: ObjectMetaView;
  data?: Record<string, string>;
}

function iso(value: Date | string | undefined): string {
  if (value instanceof Date) return value.toISOString();
  return value ?? new Date(0).toISOString();
}

/** The label selector of everything slipway manages for a project (and one environment, when given). */
export function selector(project: string, env?: string): string {
  return [
    `${K8S_LABEL.managedBy}=slipway`,
    `${K8S_LABEL.project}=${project}`,
    ...(env === undefined ? [] : [`${K8S_LABEL.env}=${labelValue(env)}`]),
  ].join(',');
}

function componentOf(w: WorkloadView): ComponentState | undefined {
  const a = w.metadata?.annotations ?? {};
  const l = w.metadata?.labels ?? {};
  const id = a[K8S_ANNOTATION.component];
  if (!id) return undefined;
  return {
    id,
    kind: l[K8S_LABEL.kind] ?? '',
    version: l[K8S_LABEL.slipwayVersion] ?? '',
    inputDigest: a[K8S_ANNOTATION.inputDigest] ?? '',
    image: a[K8S_ANNOTATION.image] ?? '',
    container: `${w.metadata?.namespace ?? ''}/${w.metadata?.name ?? ''}`,
    running: (w.status?.readyReplicas ?? 0) > 0,
  };
}

/** Environments from slipway's namespaces and their workloads (Deployments and StatefulSets), by name. */
export function environmentsFrom(namespaces: NamespaceView[], workloads: WorkloadView[]): EnvironmentState[] {
  const environments: EnvironmentState[] = [];
  for (const ns of namespaces) {
    const l = ns.metadata?.labels ?? {};
    const a = ns.metadata?.annotations ?? {};
    const name = a[K8S_ANNOTATION.env] ?? l[K8S_LABEL.env];
    if (!name) continue;
    const createdAt = a[K8S_ANNOTATION.createdAt] ?? iso(ns.metadata?.creationTimestamp);
    const status = a[STATE_ANNOTATION.status];
    const components = workloads
      .filter((w) => w.metadata?.namespace === ns.metadata?.name)
      .map(componentOf)
      .filter((c): c is ComponentState => c !== undefined);
    let urls: Record<string, string> = {};
    try {
      urls = JSON.parse(a[K8S_ANNOTATION.urls] ?? '{}') as Record<string, string>;
    } catch {
      urls = {};
    }
    const release = l[K8S_LABEL.lifetime] === 'release';
    environments.push({
      project: l[K8S_LABEL.project] ?? '',
      name,
      branch: a[K8S_ANNOTATION.branch] ?? l[K8S_LABEL.branch] ?? '',
      slug: a[K8S_ANNOTATION.slug] ?? name,
      createdAt,
      updatedAt: a[STATE_ANNOTATION.updatedAt] ?? createdAt,
      // a namespace whose first apply crashed before its annotations: expired at once, so gc finds it
      expiresAt: release ? '9999-12-31T00:00:00.000Z' : (a[K8S_ANNOTATION.expiresAt] ?? new Date(0).toISOString()),
      maxExpiresAt: release
        ? '9999-12-31T00:00:00.000Z'
        : (a[K8S_ANNOTATION.maxExpiresAt] ?? new Date(0).toISOString()),
      status: status === 'ready' || status === 'failed' ? status : 'unknown',
      modules: (a[K8S_ANNOTATION.modules] ?? '').split(',').filter(Boolean),
      urls,
      lifetime: release ? 'release' : 'preview',
      components: components.sort((x, y) => (x.id < y.id ? -1 : 1)),
    });
  }
  return environments.sort((a, b) => (a.name < b.name ? -1 : 1));
}

function bookkeepingLabels(project: string, env: string, role: string): Record<string, string> {
  return {
    [K8S_LABEL.managedBy]: 'slipway',
    [K8S_LABEL.partOf]: project,
    [K8S_LABEL.project]: project,
    [K8S_LABEL.env]: labelValue(env),
    [STATE_LABEL.role]: role,
  };
}

/** The namespace's status annotation, applied by its own field manager. */
export function statusPatch(namespace: string, status: 'ready' | 'failed', at: Date) {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespace,
      annotations: { [STATE_ANNOTATION.status]: status, [STATE_ANNOTATION.updatedAt]: at.toISOString() },
    },
  };
}

/** The objects of the last good apply, kept so that a failed rollout or check can put them back as they were. */
export function appliedConfigMap(
  project: string,
  env: string,
  namespace: string,
  objects: readonly KubernetesObject[],
) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: APPLIED_CONFIGMAP, namespace, labels: bookkeepingLabels(project, env, 'applied') },
    data: { 'objects.json': JSON.stringify(objects) },
  };
}

export function appliedObjects(configMap: ConfigMapView | undefined): KubernetesObject[] | undefined {
  const text = configMap?.data?.['objects.json'];
  if (!text) return undefined;
  try {
    const objects = JSON.parse(text) as KubernetesObject[];
    return Array.isArray(objects) ? objects : undefined;
  } catch {
    return undefined;
  }
}

export function releaseConfigMapName(id: string): string {
  return `${RELEASE_PREFIX}${id}`;
}

export function releaseConfigMap(record: ReleaseRecord, namespace: string) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: releaseConfigMapName(record.id),
      namespace,
      labels: bookkeepingLabels(record.project, record.env, 'release-record'),
    },
    data: { 'release.json': JSON.stringify(record) },
  };
}

export const RELEASE_RECORD_SELECTOR = `${STATE_LABEL.role}=release-record`;

/** Newest first; unreadable records are skipped. */
export function releasesFrom(configMaps: ConfigMapView[]): ReleaseRecord[] {
  const records: ReleaseRecord[] = [];
  for (const cm of configMaps) {
    try {
      const record = JSON.parse(cm.data?.['release.json'] ?? '{}') as ReleaseRecord;
      if (record.id) records.push(record);
    } catch {
      // a record someone edited by hand: not slipway's to interpret
    }
  }
  return records.sort((a, b) => (a.id < b.id ? 1 : -1));
}

/**
 * A component whose image did not change keeps the version it runs, as a Docker container keeps its labels: its pod
 * template (version label, SLIPWAY_VERSION) stays the same, so a deploy of another component's change does not
 * restart it, a database least of all.
 */
export function keepRunningVersions(plan: EnvPlan, previous: readonly KubernetesObject[] | undefined): EnvPlan {
  if (!previous) return plan;
  return {
    ...plan,
    components: plan.components.map((c) => {
      const workload = previous.find(
        (o) =>
          (o.kind === 'Deployment' || o.kind === 'StatefulSet') &&
          o.metadata.annotations?.[K8S_ANNOTATION.component] === c.id,
      );
      if (!workload || (workload.kind !== 'Deployment' && workload.kind !== 'StatefulSet')) return c;
      const annotations = workload.metadata.annotations ?? {};
      if (annotations[K8S_ANNOTATION.image] !== c.image || annotations[K8S_ANNOTATION.inputDigest] !== c.inputDigest) {
        return c;
      }
      const running = workload.spec.template.spec.containers[0]?.env.find((e) => e.name === 'SLIPWAY_VERSION')?.value;
      if (!running || running === c.version) return c;
      return { ...c, version: running, env: { ...c.env, SLIPWAY_VERSION: running } };
    }),
  };
}

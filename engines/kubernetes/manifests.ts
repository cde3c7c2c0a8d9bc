// Renders an environment plan as Kubernetes objects: pure, so `--dry-run` prints exactly what apply would send.
import { SlipwayError } from '../../core/errors.js';
import { INTERNAL_HTTP_PORT, type EnvComponent, type EnvPlan } from '../../environments/plan.js';
import { componentLabel, isDnsLabel, labelValue, namespaceName, timestampLabel } from './names.js';
import type {
  ComponentResources,
  Container,
  Deployment,
  HorizontalPodAutoscaler,
  Ingress,
  KubernetesObject,
  KubernetesOptions,
  Namespace,
  NetworkPolicy,
  PodDisruptionBudget,
  PodTemplate,
  Probe,
  Service,
  StatefulSet,
} from './types.js';

/** The field manager of every server-side apply, so slipway owns exactly the fields it sets. */
export const FIELD_MANAGER = 'slipway';

export const K8S_LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  version: 'app.kubernetes.io/version',
  project: 'dev.slipway.project',
  env: 'dev.slipway.env',
  branch: 'dev.slipway.branch',
  lifetime: 'dev.slipway.lifetime',
  expiresAt: 'dev.slipway.expires-at',
  slipwayComponent: 'dev.slipway.component',
  kind: 'dev.slipway.kind',
  slipwayVersion: 'dev.slipway.version',
} as const;

/** Values that do not fit a label (a `/`, a `:`, an image digest) go in annotations. */
export const K8S_ANNOTATION = {
  env: 'dev.slipway.env',
  slug: 'dev.slipway.slug',
  branch: 'dev.slipway.branch',
  component: 'dev.slipway.component',
  image: 'dev.slipway.image',
  inputDigest: 'dev.slipway.input-digest',
  createdAt: 'dev.slipway.created-at',
  expiresAt: 'dev.slipway.expires-at',
  maxExpiresAt: 'dev.slipway.max-expires-at',
  modules: 'dev.slipway.modules',
  urls: 'dev.slipway.urls',
} as const;

/** The Pod Security Standards profile every environment namespace enforces. */
const POD_SECURITY = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'v1.32',
} as const;

/** The container and volume-claim names inside a storage pod. */
const DATA_VOLUME = 'data';
const HTTP_PORT_NAME = 'http';
const STORAGE_PORT_NAME = 'db';

/** Probe periods: readiness reacts within seconds; liveness only restarts a pod that stayed broken for 30 s. */
const READY_PERIOD_SECONDS = 2;
const LIVE_PERIOD_SECONDS = 10;

/** The labels slipway prunes by: everything it applied to this environment carries them. */
export function pruneSelector(plan: EnvPlan): Record<string, string> {
  return {
    [K8S_LABEL.managedBy]: 'slipway',
    [K8S_LABEL.project]: plan.project,
    [K8S_LABEL.env]: labelValue(plan.name),
  };
}

export function environmentNamespace(plan: EnvPlan, options: KubernetesOptions): string {
  return namespaceName(options.namespacePrefix, plan.project, plan.name);
}

function environmentLabels(plan: EnvPlan): Record<string, string> {
  return {
    [K8S_LABEL.partOf]: plan.project,
    [K8S_LABEL.instance]: labelValue(plan.name),
    ...pruneSelector(plan),
  };
}

function selectorOf(c: EnvComponent): Record<string, string> {
  return { [K8S_LABEL.name]: c.hostname };
}

function componentLabels(plan: EnvPlan, c: EnvComponent): Record<string, string> {
  return {
    ...selectorOf(c),
    [K8S_LABEL.component]: c.kind,
    ...environmentLabels(plan),
    [K8S_LABEL.slipwayComponent]: componentLabel(c.id),
    [K8S_LABEL.kind]: c.kind,
  };
}

function versionedLabels(plan: EnvPlan, c: EnvComponent): Record<string, string> {
  const version = labelValue(c.version);
  return { ...componentLabels(plan, c), [K8S_LABEL.version]: version, [K8S_LABEL.slipwayVersion]: version };
}

function componentAnnotations(c: EnvComponent): Record<string, string> {
  return {
    [K8S_ANNOTATION.component]: c.id,
    [K8S_ANNOTATION.image]: c.image,
    [K8S_ANNOTATION.inputDigest]: c.inputDigest,
  };
}

function meta(name: string, namespace: string, labels: Record<string, string>, annotations?: Record<string, string>) {
  return annotations ? { name, namespace, labels, annotations } : { name, namespace, labels };
}

function renderNamespace(plan: EnvPlan, namespace: string): Namespace {
  const labels: Record<string, string> = {
    ...environmentLabels(plan),
    [K8S_LABEL.branch]: labelValue(plan.branch),
    [K8S_LABEL.lifetime]: plan.lifetime,
    ...POD_SECURITY,
  };
  const annotations: Record<string, string> = {
    // the exact names: label values may be shortened or hashed to fit
    [K8S_ANNOTATION.env]: plan.name,
    [K8S_ANNOTATION.slug]: plan.slug,
    [K8S_ANNOTATION.branch]: plan.branch,
    [K8S_ANNOTATION.createdAt]: plan.createdAt,
    [K8S_ANNOTATION.modules]: plan.modules.join(','),
    [K8S_ANNOTATION.urls]: JSON.stringify(plan.urls),
  };
  if (plan.lifetime === 'preview') {
    // a label too, so gc can list expiry candidates with one selector-scoped call and compare the sortable values
    labels[K8S_LABEL.expiresAt] = timestampLabel(plan.expiresAt);
    annotations[K8S_ANNOTATION.expiresAt] = plan.expiresAt;
    annotations[K8S_ANNOTATION.maxExpiresAt] = plan.maxExpiresAt;
  }
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels, annotations } };
}

function renderNetworkPolicy(plan: EnvPlan, namespace: string, options: KubernetesOptions): NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('slipway-isolation', namespace, environmentLabels(plan)),
    spec: {
      // every pod of the namespace; traffic not allowed below (other environments, other namespaces) is dropped
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ podSelector: {} }] },
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { 'kubernetes.io/metadata.name': options.ingressControllerNamespace },
              },
            },
          ],
        },
      ],
    },
  };
}

function probes(
  c: EnvComponent,
  readyTimeoutMs: number,
): Pick<Container, 'readinessProbe' | 'livenessProbe' | 'startupProbe'> {
  const action =
    c.health !== undefined
      ? { httpGet: { path: c.health, port: HTTP_PORT_NAME } }
      : { tcpSocket: { port: c.kind === 'storage' ? STORAGE_PORT_NAME : HTTP_PORT_NAME } };
  const readinessProbe: Probe = {
    ...action,
    periodSeconds: READY_PERIOD_SECONDS,
    timeoutSeconds: 2,
    failureThreshold: 2,
  };
  const livenessProbe: Probe = {
    ...action,
    periodSeconds: LIVE_PERIOD_SECONDS,
    timeoutSeconds: 3,
    failureThreshold: 3,
  };
  // the startup probe holds liveness off for as long as the environment's ready timeout, so a slow start is not killed
  const startupProbe: Probe = {
    ...action,
    periodSeconds: READY_PERIOD_SECONDS,
    timeoutSeconds: 2,
    failureThreshold: Math.max(1, Math.ceil(readyTimeoutMs / 1000 / READY_PERIOD_SECONDS)),
  };
  return { readinessProbe, livenessProbe, startupProbe };
}

function resourcesOf(c: EnvComponent, options: KubernetesOptions): ComponentResources {
  return options.components[c.id]?.resources ?? (c.kind === 'storage' ? options.storageResources : options.resources);
}

function container(plan: EnvPlan, c: EnvComponent, options: KubernetesOptions, runAsUser: number): Container {
  const resources = resourcesOf(c, options);
  const env = { ...c.env };
  if (c.kind === 'storage' && env.PGDATA === undefined) env.PGDATA = `${options.storage.mountPath}/pgdata`;
  const result: Container = {
    name: c.name,
    image: c.image,
    imagePullPolicy: 'IfNotPresent',
    ports: [
      { name: c.kind === 'storage' ? STORAGE_PORT_NAME : HTTP_PORT_NAME, containerPort: c.port, protocol: 'TCP' },
    ],
    env: Object.entries(env).map(([name, value]) => ({ name, value })),
    resources: {
      requests: { ...resources.requests },
      limits: resources.limits.cpu
        ? { cpu: resources.limits.cpu, memory: resources.limits.memory }
        : { memory: resources.limits.memory },
    },
    ...probes(c, plan.readyTimeoutMs),
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      runAsUser,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
  // Kubernetes 1.32 accepts `sleep` (beta, on by default since 1.30): no shell needed in the image; 0 s is not allowed
  if (options.preStopSeconds > 0) result.lifecycle = { preStop: { sleep: { seconds: options.preStopSeconds } } };
  if (c.kind === 'storage') result.volumeMounts = [{ name: DATA_VOLUME, mountPath: options.storage.mountPath }];
  return result;
}

function podTemplate(plan: EnvPlan, c: EnvComponent, options: KubernetesOptions): PodTemplate {
  const runAsUser = c.kind === 'storage' ? options.storage.runAsUser : options.runAsUser;
  return {
    metadata: { labels: versionedLabels(plan, c), annotations: componentAnnotations(c) },
    spec: {
      automountServiceAccountToken: false,
      // dependencies are reached by Service name (cluster DNS), as on Docker; service links would only add noise
      enableServiceLinks: false,
      terminationGracePeriodSeconds: options.terminationGracePeriodSeconds,
      securityContext: {
        runAsNonRoot: true,
        runAsUser,
        runAsGroup: runAsUser,
        // the volume is made writable for the group once, not again on every start: a recursive chmod g+rwx on
        // each mount would break what is picky about modes (PostgreSQL refuses a data directory that is not 0700)
        ...(c.kind === 'storage' ? { fsGroup: runAsUser, fsGroupChangePolicy: 'OnRootMismatch' as const } : {}),
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [container(plan, c, options, runAsUser)],
    },
  };
}

function serviceSpec(c: EnvComponent, options: KubernetesOptions): Service['spec'] {
  // port 80 like the Docker engine's router alias, so `http://<module>-<component>` works unchanged
  if (c.kind !== 'storage') {
    return {
      type: 'ClusterIP',
      selector: selectorOf(c),
      ports: [{ name: HTTP_PORT_NAME, port: INTERNAL_HTTP_PORT, targetPort: HTTP_PORT_NAME, protocol: 'TCP' }],
    };
  }
  const external = options.components[c.id]?.external;
  if (external) {
    return {
      type: 'ExternalName',
      externalName: external.host,
      ports: [{ name: STORAGE_PORT_NAME, port: c.port, protocol: 'TCP' }],
    };
  }
  return {
    type: 'ClusterIP',
    // headless: the name resolves to the one pod, which is what the StatefulSet's stable identity needs
    clusterIP: 'None',
    selector: selectorOf(c),
    ports: [{ name: STORAGE_PORT_NAME, port: c.port, targetPort: STORAGE_PORT_NAME, protocol: 'TCP' }],
  };
}

function renderService(plan: EnvPlan, c: EnvComponent, namespace: string, options: KubernetesOptions): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(c.hostname, namespace, componentLabels(plan, c)),
    spec: serviceSpec(c, options),
  };
}

function renderDeployment(plan: EnvPlan, c: EnvComponent, namespace: string, options: KubernetesOptions): Deployment {
  const autoscaling = options.components[c.id]?.autoscaling;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(c.hostname, namespace, versionedLabels(plan, c), componentAnnotations(c)),
    spec: {
      ...(autoscaling ? {} : { replicas: c.containerNames.length }),
      selector: { matchLabels: selectorOf(c) },
      // a new pod must be ready before an old one goes: capacity never drops during a rollout
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      progressDeadlineSeconds: Math.max(60, Math.ceil(plan.readyTimeoutMs / 1000)),
      revisionHistoryLimit: 5,
      template: podTemplate(plan, c, options),
    },
  };
}

function renderStatefulSet(plan: EnvPlan, c: EnvComponent, namespace: string, options: KubernetesOptions): StatefulSet {
  const claimSpec: StatefulSet['spec']['volumeClaimTemplates'][number]['spec'] = {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: options.storage.size } },
  };
  if (options.storage.className !== undefined) claimSpec.storageClassName = options.storage.className;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(c.hostname, namespace, versionedLabels(plan, c), componentAnnotations(c)),
    spec: {
      replicas: 1,
      serviceName: c.hostname,
      selector: { matchLabels: selectorOf(c) },
      updateStrategy: { type: 'RollingUpdate' },
      // a release environment's data outlives a mistaken config change; a preview's goes with it
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: plan.lifetime === 'preview' ? 'Delete' : 'Retain',
        whenScaled: 'Retain',
      },
      template: podTemplate(plan, c, options),
      volumeClaimTemplates: [{ metadata: { name: DATA_VOLUME, labels: componentLabels(plan, c) }, spec: claimSpec }],
    },
  };
}

function renderDisruptionBudget(
  plan: EnvPlan,
  c: EnvComponent,
  namespace: string,
  options: KubernetesOptions,
): PodDisruptionBudget {
  const replicas = options.components[c.id]?.autoscaling?.minReplicas ?? c.containerNames.length;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(c.hostname, namespace, componentLabels(plan, c)),
    spec: {
      // never all replicas: a budget of 1 of 1 would block every node drain forever
      minAvailable: Math.max(0, Math.min(options.pdbMinAvailable, replicas - 1)),
      selector: { matchLabels: selectorOf(c) },
      // a crash-looping pod must not hold a drain hostage
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}

function renderAutoscaler(
  plan: EnvPlan,
  c: EnvComponent,
  namespace: string,
  options: KubernetesOptions,
): HorizontalPodAutoscaler | undefined {
  const autoscaling = options.components[c.id]?.autoscaling;
  if (!autoscaling) return undefined;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(c.hostname, namespace, componentLabels(plan, c)),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: c.hostname },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscaling.cpuUtilization } },
        },
      ],
    },
  };
}

function renderIngress(
  plan: EnvPlan,
  c: EnvComponent,
  namespace: string,
  options: KubernetesOptions,
): Ingress | undefined {
  if (!c.route) return undefined;
  const ingress: Ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(c.hostname, namespace, componentLabels(plan, c)),
    spec: {
      rules: [
        {
          host: c.route.host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: c.hostname, port: { name: HTTP_PORT_NAME } } },
              },
            ],
          },
        },
      ],
    },
  };
  if (options.ingressClassName !== undefined) ingress.spec.ingressClassName = options.ingressClassName;
  return ingress;
}

/** Every reason the plan cannot run on Kubernetes with these options, at once. */
function problems(plan: EnvPlan, options: KubernetesOptions): string[] {
  const found: string[] = [];
  if (options.terminationGracePeriodSeconds <= options.preStopSeconds) {
    found.push(
      `terminationGracePeriodSeconds (${options.terminationGracePeriodSeconds}) must exceed preStopSeconds (${options.preStopSeconds}), or requests still in flight after the pause are cut`,
    );
  }
  for (const [id, extra] of Object.entries(options.components)) {
    // options for a component outside this plan (another --modules selection) do not apply to it
    const c = plan.components.find((p) => p.id === id);
    if (!c) continue;
    if (extra.autoscaling && c.kind === 'storage') found.push(`components.${id}.autoscaling: a storage runs one pod`);
    if (extra.autoscaling && extra.autoscaling.minReplicas > extra.autoscaling.maxReplicas) {
      found.push(`components.${id}.autoscaling: minReplicas is above maxReplicas`);
    }
    if (extra.external && c.kind !== 'storage') found.push(`components.${id}.external: only a storage can be external`);
  }
  for (const c of plan.components) {
    // a Service name is an RFC 1035 label: the Docker host name must fit it, or `http://<module>-<component>` breaks
    if (!isDnsLabel(c.hostname) || !/^[a-z]/.test(c.hostname)) {
      found.push(`${c.id}: "${c.hostname}" is not a valid Service name (a letter first, at most 63 characters)`);
    }
    if (!/@sha256:[0-9a-f]{64}$/.test(c.image)) {
      found.push(`${c.id}: image ${c.image} is not pushed (a cluster pulls images by digest from the registry)`);
    }
  }
  return found;
}

/**
 * The objects of one environment, in apply order: the namespace and its isolation first, then each component in
 * dependency order (Service, workload, disruption budget, autoscaler, Ingress).
 */
export function renderManifests(plan: EnvPlan, options: KubernetesOptions): KubernetesObject[] {
  const found = problems(plan, options);
  if (found.length > 0) {
    throw new SlipwayError('CONFIG_INVALID', `cannot render ${plan.name} for Kubernetes: ${found[0]}`, {
      fix: 'correct the kubernetes section of the config, rename the component, or build with --push',
      details: found,
    });
  }
  const namespace = environmentNamespace(plan, options);
  const objects: KubernetesObject[] = [renderNamespace(plan, namespace), renderNetworkPolicy(plan, namespace, options)];
  for (const c of plan.components) {
    objects.push(renderService(plan, c, namespace, options));
    if (c.kind === 'storage') {
      if (!options.components[c.id]?.external) objects.push(renderStatefulSet(plan, c, namespace, options));
      continue;
    }
    objects.push(renderDeployment(plan, c, namespace, options), renderDisruptionBudget(plan, c, namespace, options));
    const autoscaler = renderAutoscaler(plan, c, namespace, options);
    if (autoscaler) objects.push(autoscaler);
    const ingress = renderIngress(plan, c, namespace, options);
    if (ingress) objects.push(ingress);
  }
  return objects;
}

// The Kubernetes engine's cluster half: reconciles an environment in one kube context. Server-side apply of the
// rendered objects in their order, component by component (a StatefulSet ready and migrated before the backs that
// use it, each Deployment rolled out before the next), then prune; a rollout that fails (its deadline, a crash
// loop, an image that cannot be pulled, a quota) puts the objects of the previous good apply back.
import { PatchStrategy } from '@kubernetes/client-node';
import { SlipwayError, isSlipwayError } from '../../core/errors.js';
import type {
  EnvironmentEngine,
  EnvironmentState,
  ReleaseRecord,
  RemovedResources,
  UpOptions,
  UpResult,
} from '../../environments/engine.js';
import type { EnvComponent, EnvPlan } from '../../environments/plan.js';
import { applyMigrations } from '../migrations.js';
import { toClientModel, type KubeClient } from './client.js';
import { isNotFound } from './errors.js';
import { podExec } from './exec.js';
import { FIELD_MANAGER, K8S_ANNOTATION, K8S_LABEL, environmentNamespace, renderManifests } from './manifests.js';
import { componentLabel, namespaceName } from './names.js';
import { pruneCandidates, type LiveObject } from './prune.js';
import {
  deploymentVerdict,
  failedCreate,
  newReplicaSet,
  podVerdict,
  podsOfRevision,
  statefulSetVerdict,
  type PodView,
  type Verdict,
} from './rollout.js';
import {
  APPLIED_CONFIGMAP,
  RELEASE_RECORD_SELECTOR,
  STATUS_FIELD_MANAGER,
  appliedConfigMap,
  appliedObjects,
  environmentsFrom,
  releaseConfigMap,
  releaseConfigMapName,
  releasesFrom,
  selector,
  keepRunningVersions,
  statusPatch,
  type NamespaceView,
} from './state.js';
import type { KubernetesObject, KubernetesOptions } from './types.js';

/** What `revert()` needs to put the previous release back: the objects of the last good apply. */
export interface KubernetesHeld {
  namespace: string;
  previous: KubernetesObject[] | undefined;
  applied: KubernetesObject[];
}

export interface KubernetesEnvironmentsOptions {
  client: KubeClient;
  options: KubernetesOptions;
  /** How long `down` waits for a namespace to go before calling it stuck. */
  deleteTimeoutMs?: number;
  /** Poll period of rollouts and deletions. */
  pollMs?: number;
  /** Where revert and down report what they do (up reports to its own onProgress). */
  progress?: (line: string) => void;
}

/** Every kind slipway renders (or once rendered) inside a namespace, for pruning. */
const PRUNABLE: { apiVersion: string; kind: string }[] = [
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
];

/** Extra time a rollout gets beyond the component's ready timeout: scheduling and image pulls. */
const ROLLOUT_MARGIN_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function key(o: { kind: string; metadata: { name: string } }): string {
  return `${o.kind}/${o.metadata.name}`;
}

/** The objects of one component, by its label, in render order. */
function objectsOf(objects: readonly KubernetesObject[], c: EnvComponent): KubernetesObject[] {
  return objects.filter((o) => o.metadata.labels[K8S_LABEL.slipwayComponent] === componentLabel(c.id));
}

function workloadOf(objects: readonly KubernetesObject[], c: EnvComponent): KubernetesObject | undefined {
  return objectsOf(objects, c).find((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
}

/** What goes before any component: the namespace (with every label gc looks for) and its network policies. */
function isNamespaceWide(o: KubernetesObject): boolean {
  return o.kind === 'Namespace' || o.kind === 'NetworkPolicy';
}

/** Whether a component's workload differs between two applies (or `from` had none). */
function workloadChanged(
  from: readonly KubernetesObject[] | undefined,
  to: readonly KubernetesObject[],
  c: EnvComponent,
): boolean {
  const before = from && workloadOf(from, c);
  return !before || JSON.stringify(before) !== JSON.stringify(workloadOf(to, c));
}

/** A rollout's verdict with what its new pods (those not `known` before) say: a failure wins, a wait is added. */
function withPods(verdict: Verdict, fresh: PodView[], known: Set<string>): Verdict {
  const problem = podVerdict(fresh.filter((p) => !known.has(p.metadata?.name ?? '')));
  if (!problem) return verdict;
  return problem.state === 'failed'
    ? problem
    : { state: 'progressing', message: `${verdict.message}; ${problem.message}` };
}

export function createKubernetesEnvironments(
  settings: KubernetesEnvironmentsOptions,
): EnvironmentEngine<KubernetesHeld> {
  const { client, options } = settings;
  const pollMs = settings.pollMs ?? 1000;
  const deleteTimeoutMs = settings.deleteTimeoutMs ?? 180_000;
  const context = client.target.context;
  const report = settings.progress ?? (() => undefined);

  function apply(object: { apiVersion: string; kind: string; metadata: { name: string } }, manager = FIELD_MANAGER) {
    return client.call(`applying ${key(object)}`, () =>
      client.objects.patch(
        toClientModel(object) as never,
        undefined,
        undefined,
        manager,
        true,
        PatchStrategy.ServerSideApply,
      ),
    );
  }

  async function call<T>(what: string, action: () => Promise<T>): Promise<T> {
    return client.call(what, action);
  }

  /** Reads, treating 404 as "not there". */
  async function maybe<T>(what: string, action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await action();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      return call(what, () => Promise.reject(error));
    }
  }

  async function namespaceOf(name: string): Promise<NamespaceView | undefined> {
    return maybe(`reading namespace ${name}`, () => client.core.readNamespace({ name }));
  }

  /** Waits until a namespace is gone; one stuck in Terminating is reported with what holds it. */
  async function waitGone(name: string, progress: (line: string) => void): Promise<void> {
    const deadline = Date.now() + deleteTimeoutMs;
    let told = false;
    for (;;) {
      const ns = await namespaceOf(name);
      if (!ns) return;
      if (Date.now() > deadline) {
        const holding = (ns.status?.conditions ?? [])
          .filter((c) => c.status === 'True' && c.message)
          .map((c) => `${c.type}: ${c.message}`);
        throw new SlipwayError(
          'NAMESPACE_TERMINATING',
          `namespace ${name} is still terminating after ${Math.round(deleteTimeoutMs / 1000)} s (context ${context})`,
          {
            fix: `see what holds it (\`kubectl --context ${context} get namespace ${name} -o yaml\`: finalizers, remaining content), clear that, then rerun`,
            details: holding,
          },
        );
      }
      if (!told) {
        progress(`waiting for namespace ${name} to go`);
        told = true;
      }
      await sleep(pollMs);
    }
  }

  async function listEnvironments(project?: string): Promise<EnvironmentState[]> {
    const labelSelector = project ? selector(project) : `${K8S_LABEL.managedBy}=slipway`;
    const [namespaces, deployments, statefulSets] = await Promise.all([
      call('listing namespaces', () => client.core.listNamespace({ labelSelector })),
      call('listing deployments', () => client.apps.listDeploymentForAllNamespaces({ labelSelector })),
      call('listing statefulsets', () => client.apps.listStatefulSetForAllNamespaces({ labelSelector })),
    ]);
    // a namespace still terminating is listed too: `env down` and `env gc` wait for it (or say it is stuck)
    const environments = environmentsFrom(namespaces.items, [...deployments.items, ...statefulSets.items]);
    return project ? environments.filter((e) => e.project === project) : environments;
  }

  async function pods(namespace: string, c: EnvComponent): Promise<PodView[]> {
    const list = await call(`listing pods of ${c.id}`, () =>
      client.core.listNamespacedPod({ namespace, labelSelector: `${K8S_LABEL.name}=${c.hostname}` }),
    );
    return list.items as PodView[];
  }

  /** The last log lines of the container that crashed (its previous run), for the error's details. */
  async function logsOf(namespace: string, c: EnvComponent, pod: string, container: string): Promise<string[]> {
    for (const previous of [true, false]) {
      try {
        const text = await client.core.readNamespacedPodLog({
          name: pod,
          namespace,
          container,
          previous,
          tailLines: 15,
        });
        const lines = String(text).trim().split('\n').filter(Boolean);
        if (lines.length > 0) return lines.map((l) => `${c.id} | ${l}`);
      } catch {
        // no previous run, or the pod is gone: try the current one, then give up quietly
      }
    }
    return [];
  }

  /** A pod's warning events, oldest first. */
  async function warningsOf(namespace: string, pod: string): Promise<{ reason: string; message: string }[]> {
    const events = await maybe('listing events', () =>
      client.core.listNamespacedEvent({
        namespace,
        fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod}`,
      }),
    );
    return (events?.items ?? [])
      .filter((e) => e.type === 'Warning' && e.message)
      .map((e) => ({ reason: e.reason ?? '', message: e.message!.trim() }));
  }

  /** The kubelet's last probe failure on a pod (`Startup probe failed: HTTP probe failed with statuscode: 503`). */
  async function probeFailure(namespace: string, pod: string): Promise<string | undefined> {
    return (await warningsOf(namespace, pod)).reverse().find((e) => e.reason === 'Unhealthy')?.message;
  }

  async function failure(namespace: string, c: EnvComponent, verdict: Extract<Verdict, { state: 'failed' }>) {
    const details = verdict.logsOf ? await logsOf(namespace, c, verdict.logsOf.pod, verdict.logsOf.container) : [];
    if (verdict.logsOf && verdict.code === 'ENV_FAILED') {
      // a container killed by its startup or liveness probe restarts like one that crashed: say which it was
      const probe = await probeFailure(namespace, verdict.logsOf.pod);
      if (probe && / probe failed/i.test(probe)) verdict = { ...verdict, message: `${probe}; ${verdict.message}` };
    }
    if (verdict.code === 'IMAGE_PULL_FAILED') {
      return new SlipwayError('IMAGE_PULL_FAILED', `${c.id}: ${verdict.message}`, {
        fix: "push the image (`slipway build --push`) and check that the cluster's nodes can reach the registry",
        details,
      });
    }
    if (verdict.code === 'QUOTA_EXCEEDED') {
      return new SlipwayError('QUOTA_EXCEEDED', `${c.id}: ${verdict.message}`, {
        fix: "raise the namespace's ResourceQuota or lower the components' requests (kubernetes.resources in slipway.config.ts)",
        details,
      });
    }
    return new SlipwayError('ENV_FAILED', `${c.id} never became ready: ${verdict.message}`, {
      fix: `look at its last log lines below (\`kubectl --context ${context} -n ${namespace} describe pods -l ${K8S_LABEL.name}=${c.hostname}\`), fix ${c.id}, rebuild and rerun`,
      details,
    });
  }

  /**
   * Polls a component's workload until its rollout is done, failing fast on what never heals by waiting. `known`
   * pods existed before this apply: their restarts are history, not this rollout's doing.
   */
  async function waitRollout(
    namespace: string,
    c: EnvComponent,
    timeoutMs: number,
    progress: (line: string) => void,
    known: Set<string>,
    forceStatefulRollback = false,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      let verdict: Verdict;
      if (c.kind === 'storage') {
        const set = await call(`reading statefulset ${c.hostname}`, () =>
          client.apps.readNamespacedStatefulSet({ name: c.hostname, namespace }),
        );
        verdict = statefulSetVerdict(set);
        if (verdict.state === 'progressing') {
          const all = await pods(namespace, c);
          verdict = withPods(
            verdict,
            podsOfRevision(all, 'controller-revision-hash', set.status?.updateRevision),
            known,
          );
          if (forceStatefulRollback && (set.status?.observedGeneration ?? 0) >= (set.metadata?.generation ?? 0)) {
            // a StatefulSet waits for a broken pod to get ready before replacing it, forever: going back needs the
            // pods of the bad revision deleted (Kubernetes' documented "forced rollback")
            for (const pod of all) {
              const ready = pod.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');
              if (
                pod.metadata?.labels?.['controller-revision-hash'] !== set.status?.updateRevision &&
                !ready &&
                !pod.metadata?.deletionTimestamp
              ) {
                progress(`${c.id}: deleting ${pod.metadata?.name}, stuck on the failed revision`);
                await maybe(`deleting pod ${pod.metadata?.name}`, () =>
                  client.core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace }),
                );
              }
            }
          }
          if (verdict.state === 'progressing' && all.length === 0) {
            const events = await call('listing events', () =>
              client.core.listNamespacedEvent({
                namespace,
                fieldSelector: `involvedObject.kind=StatefulSet,involvedObject.name=${c.hostname}`,
              }),
            );
            verdict = failedCreate(events.items) ?? verdict;
          }
        }
      } else {
        const deployment = await call(`reading deployment ${c.hostname}`, () =>
          client.apps.readNamespacedDeployment({ name: c.hostname, namespace }),
        );
        verdict = deploymentVerdict(deployment);
        if (verdict.state === 'progressing') {
          const sets = await call('listing replicasets', () =>
            client.apps.listNamespacedReplicaSet({ namespace, labelSelector: `${K8S_LABEL.name}=${c.hostname}` }),
          );
          const current = newReplicaSet(deployment, sets.items);
          const fresh = podsOfRevision(
            await pods(namespace, c),
            'pod-template-hash',
            current?.metadata?.labels?.['pod-template-hash'],
          );
          verdict = withPods(verdict, fresh, known);
        }
      }
      if (verdict.state === 'done') {
        progress(`${c.id}: ${c.version} rolled out (${verdict.message})`);
        return;
      }
      if (verdict.state === 'failed') throw await failure(namespace, c, verdict);
      if (Date.now() > deadline) {
        const newest = (await pods(namespace, c)).find((p) => !known.has(p.metadata?.name ?? ''));
        const name = newest?.metadata?.name;
        // what the kubelet said about it (a sandbox it could not create, a volume it could not mount, probes)
        const warnings = name ? await warningsOf(namespace, name) : [];
        const said = warnings.at(-1);
        const details = [
          ...[...new Set(warnings.map((w) => `${name}: ${w.reason}: ${w.message}`))].slice(-5),
          ...(name ? await logsOf(namespace, c, name, c.name) : []),
        ];
        throw new SlipwayError(
          'ENV_FAILED',
          `${c.id} never became ready: not ready after ${Math.round(timeoutMs / 1000)} s (${verdict.message}${said ? `; ${said.reason}: ${said.message.split('\n')[0]!.slice(0, 300)}` : ''})`,
          {
            fix: `look at its pods (\`kubectl --context ${context} -n ${namespace} describe pods -l ${K8S_LABEL.name}=${c.hostname}\`) and last log lines, fix ${c.id}, rebuild and rerun`,
            details,
          },
        );
      }
      if (verdict.message !== last) progress(`${c.id}: ${verdict.message}`);
      last = verdict.message;
      await sleep(pollMs);
    }
  }

  async function podNames(namespace: string): Promise<Set<string>> {
    const list = await call('listing pods', () => client.core.listNamespacedPod({ namespace }));
    return new Set(list.items.map((p) => p.metadata?.name ?? ''));
  }

  /** Deletes what carries the environment's labels but is not in `keep`; returns the components that left. */
  async function prune(plan: EnvPlan, namespace: string, keep: readonly KubernetesObject[]): Promise<string[]> {
    const labelSelector = selector(plan.project, plan.name);
    const live: LiveObject[] = [];
    for (const { apiVersion, kind } of PRUNABLE) {
      const list = await call(`listing ${kind}s`, () =>
        client.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector),
      );
      for (const item of list.items) {
        live.push({
          apiVersion,
          kind,
          metadata: { name: item.metadata!.name!, namespace, labels: item.metadata?.labels ?? {} },
        });
      }
    }
    const removed = new Set<string>();
    for (const object of pruneCandidates(keep, live)) {
      await maybe(`deleting ${key(object)}`, () =>
        client.objects.delete(object as never, undefined, undefined, undefined, undefined, 'Background'),
      );
      const component = object.metadata.labels?.[K8S_LABEL.slipwayComponent];
      if (component && (object.kind === 'Deployment' || object.kind === 'StatefulSet')) {
        removed.add(component.replace('.', '/'));
      }
    }
    return [...removed];
  }

  async function readApplied(namespace: string): Promise<KubernetesObject[] | undefined> {
    const cm = await maybe('reading the applied objects', () =>
      client.core.readNamespacedConfigMap({ name: APPLIED_CONFIGMAP, namespace }),
    );
    return appliedObjects(cm);
  }

  async function writeApplied(plan: EnvPlan, namespace: string, objects: readonly KubernetesObject[]) {
    await apply(appliedConfigMap(plan.project, plan.name, namespace, objects));
  }

  async function setStatus(namespace: string, status: 'ready' | 'failed') {
    await apply(statusPatch(namespace, status, new Date()), STATUS_FIELD_MANAGER);
  }

  /** Applies one component's objects and waits for its rollout; a storage then gets its migrations. */
  async function rollComponent(
    plan: EnvPlan,
    namespace: string,
    c: EnvComponent,
    objects: readonly KubernetesObject[],
    progress: (line: string) => void,
    known: Set<string>,
    forceStatefulRollback = false,
  ): Promise<void> {
    for (const object of objectsOf(objects, c)) await apply(object);
    const workload = workloadOf(objects, c);
    if (!workload) return; // an external storage: a Service name only
    await waitRollout(namespace, c, plan.readyTimeoutMs + ROLLOUT_MARGIN_MS, progress, known, forceStatefulRollback);
    if (c.storage && workload.kind === 'StatefulSet') {
      const target = { namespace, pod: `${c.hostname}-0`, container: c.name };
      await applyMigrations(
        (argv, env) => call(`exec in ${target.pod}`, () => podExec(client, target, argv, env)),
        c,
        progress,
      );
    }
  }

  /** Puts the objects of the previous good apply back, waits for them, and removes what the failed one added. */
  async function restore(plan: EnvPlan, held: KubernetesHeld, progress: (line: string) => void): Promise<void> {
    const previous = held.previous;
    if (!previous) return;
    const { namespace } = held;
    progress(`going back to the previous objects in ${namespace}`);
    const known = await podNames(namespace);
    for (const object of previous.filter(isNamespaceWide)) await apply(object);
    for (const c of plan.components) {
      if (!workloadOf(previous, c) || !workloadChanged(held.applied, previous, c)) continue;
      await rollComponent(plan, namespace, c, previous, progress, known, true);
    }
    // components of the previous release that this plan does not have (another --modules selection)
    for (const object of previous) {
      if (!held.applied.some((o) => key(o) === key(object))) await apply(object);
    }
    await prune(plan, namespace, previous);
    await writeApplied(plan, namespace, previous);
  }

  async function up(plan: EnvPlan, upOptions: UpOptions): Promise<UpResult<KubernetesHeld>> {
    const progress = upOptions.onProgress;
    // rendered once before any call: an image that is not pushed fails here, having changed nothing
    renderManifests(plan, options);
    const namespace = environmentNamespace(plan, options);
    let ns = await namespaceOf(namespace);
    if (ns?.status?.phase === 'Terminating') {
      await waitGone(namespace, progress);
      ns = undefined;
    }
    const previous = ns ? await readApplied(namespace) : undefined;
    plan = keepRunningVersions(plan, previous);
    const objects = renderManifests(plan, options);
    const isNew = !ns || !previous;
    const known = ns ? await podNames(namespace) : new Set<string>();
    const held: KubernetesHeld = { namespace, previous, applied: objects };
    const result: UpResult<KubernetesHeld> = { changed: [], unchanged: [], removed: [], held };
    progress(`${isNew ? 'creating' : 'updating'} ${plan.name} in namespace ${namespace} (context ${context})`);
    try {
      // the namespace first, with every label gc looks for: nothing this run creates can escape `env gc`
      for (const object of objects.filter(isNamespaceWide)) await apply(object);
      for (const c of plan.components) {
        const changed = workloadChanged(previous, objects, c);
        if (changed) progress(`${c.id}: applying ${c.version}`);
        await rollComponent(plan, namespace, c, objects, progress, known);
        (changed ? result.changed : result.unchanged).push(c.id);
      }
      result.removed = await prune(plan, namespace, objects);
      await writeApplied(plan, namespace, objects);
      await setStatus(namespace, 'ready');
      return result;
    } catch (error) {
      if (upOptions.keepFailed) {
        await setStatus(namespace, 'failed').catch(() => undefined);
      } else if (isNew) {
        progress(`removing the half-created environment ${plan.name}`);
        await removeNamespace(namespace, progress).catch(() => undefined);
      } else {
        try {
          await restore(plan, held, progress);
        } catch (restoreError) {
          if (isSlipwayError(error)) {
            error.details.push(
              `going back to the previous release failed too: ${isSlipwayError(restoreError) ? restoreError.message : String(restoreError)}`,
            );
          }
        }
      }
      throw error;
    }
  }

  async function removeNamespace(name: string, progress: (line: string) => void): Promise<RemovedResources> {
    const [podList, claims] = await Promise.all([
      call('listing pods', () => client.core.listNamespacedPod({ namespace: name })),
      call('listing volume claims', () => client.core.listNamespacedPersistentVolumeClaim({ namespace: name })),
    ]);
    await maybe(`deleting namespace ${name}`, () =>
      client.core.deleteNamespace({ name, propagationPolicy: 'Background' }),
    );
    await waitGone(name, progress);
    return { containers: podList.items.length, volumes: claims.items.length };
  }

  async function down(project: string, name: string): Promise<RemovedResources> {
    const list = await call('listing namespaces', () =>
      client.core.listNamespace({ labelSelector: selector(project, name) }),
    );
    const total: RemovedResources = { containers: 0, volumes: 0 };
    for (const ns of list.items) {
      const env = ns.metadata?.annotations?.[K8S_ANNOTATION.env];
      if (env !== undefined && env !== name) continue;
      const removed = await removeNamespace(ns.metadata!.name!, report);
      total.containers += removed.containers;
      total.volumes += removed.volumes;
    }
    return total;
  }

  function namespaceFor(project: string, env: string): string {
    return namespaceName(options.namespacePrefix, project, env);
  }

  async function recordRelease(record: ReleaseRecord, _image: string, keep: number): Promise<void> {
    const namespace = namespaceFor(record.project, record.env);
    await apply(releaseConfigMap(record, namespace));
    for (const old of (await listReleases(record.project, record.env)).slice(keep)) {
      await maybe(`deleting release record ${old.id}`, () =>
        client.core.deleteNamespacedConfigMap({ name: releaseConfigMapName(old.id), namespace }),
      );
    }
  }

  async function listReleases(project: string, env: string): Promise<ReleaseRecord[]> {
    const list = await call('listing release records', () =>
      client.core.listNamespacedConfigMap({
        namespace: namespaceFor(project, env),
        labelSelector: `${selector(project, env)},${RELEASE_RECORD_SELECTOR}`,
      }),
    );
    return releasesFrom(list.items);
  }

  /** Rolling updates drained the old pods already: nothing is held beyond the previous objects. */
  async function finish(): Promise<void> {}

  async function revert(plan: EnvPlan, held: KubernetesHeld): Promise<void> {
    await restore(plan, held, report);
  }

  /** Through the API server's service proxy: works wherever slipway reaches the API, with no ingress or route. */
  async function probe(plan: EnvPlan, componentId: string, path: string): Promise<string> {
    const c = plan.components.find((x) => x.id === componentId);
    if (!c) return `no component ${componentId}`;
    const namespace = environmentNamespace(plan, options);
    try {
      const { status } = await client.get(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(c.hostname)}:http/proxy${path}`,
        5000,
      );
      return status >= 200 && status < 400 ? 'ok' : `HTTP ${status}`;
    } catch (error) {
      return (error as Error).message;
    }
  }

  return {
    engine: 'kubernetes',
    target: `kubernetes:${context}`,
    listEnvironments,
    up,
    down,
    finish,
    revert,
    recordRelease,
    listReleases,
    probe,
  };
}

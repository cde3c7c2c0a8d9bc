// Reads a rollout's state from what the API reports (workload status, its pods): done, still going (and why), or
// failed (and why). Pure, so every verdict is checked against API-shaped values in the unit tests.

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface Meta {
  name?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: unknown;
  ownerReferences?: { kind: string; name: string }[];
}

export interface DeploymentView {
  metadata?: Meta;
  spec?: { replicas?: number; progressDeadlineSeconds?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
  };
}

export interface StatefulSetView {
  metadata?: Meta;
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export interface ReplicaSetView {
  metadata?: Meta;
  status?: { conditions?: Condition[] };
}

export interface ContainerStatusView {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: unknown;
    terminated?: { exitCode: number; reason?: string };
  };
  lastState?: { terminated?: { exitCode: number; reason?: string; message?: string } };
}

export interface PodView {
  metadata?: Meta;
  spec?: { containers?: { name: string; image?: string }[] };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatusView[];
    initContainerStatuses?: ContainerStatusView[];
  };
}

export type FailureCode = 'ENV_FAILED' | 'IMAGE_PULL_FAILED' | 'QUOTA_EXCEEDED';

export type Verdict =
  | { state: 'done'; message: string }
  | { state: 'progressing'; message: string }
  | {
      state: 'failed';
      code: FailureCode;
      message: string;
      /** The pod and container whose logs explain it, when a container crashed. */
      logsOf?: { pod: string; container: string };
    };

/** Reasons a container waits that only an image fix can end (the kubelet keeps retrying, in vain). */
export const IMAGE_PULL_REASONS = ['ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull'];
/** Reasons the kubelet cannot create or start the container from its spec. */
const CONTAINER_SPEC_REASONS = ['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError'];

const REVISION = 'deployment.kubernetes.io/revision';

function condition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** A ReplicaFailure (FailedCreate) condition: a quota, or an admission rule such as Pod Security, refused the pods. */
function replicaFailure(conditions: Condition[] | undefined): Verdict | undefined {
  const failure = condition(conditions, 'ReplicaFailure');
  if (failure?.status !== 'True') return undefined;
  const message = failure.message ?? failure.reason ?? 'the pods could not be created';
  return /exceeded quota/i.test(message)
    ? { state: 'failed', code: 'QUOTA_EXCEEDED', message }
    : { state: 'failed', code: 'ENV_FAILED', message: `its pods cannot be created: ${message}` };
}

/** kubectl's `rollout status` for a Deployment, plus its deadline and replica failures. */
export function deploymentVerdict(d: DeploymentView): Verdict {
  const generation = d.metadata?.generation ?? 0;
  const status = d.status ?? {};
  if ((status.observedGeneration ?? 0) < generation)
    return { state: 'progressing', message: 'waiting for the controller' };
  const failure = replicaFailure(status.conditions);
  if (failure) return failure;
  const progressing = condition(status.conditions, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'failed',
      code: 'ENV_FAILED',
      message: `no progress within its deadline (${d.spec?.progressDeadlineSeconds ?? '?'} s)`,
    };
  }
  const wanted = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < wanted)
    return { state: 'progressing', message: `${updated} of ${wanted} updated, ${available} available` };
  if ((status.replicas ?? 0) > updated) {
    return { state: 'progressing', message: `${(status.replicas ?? 0) - updated} old replica(s) terminating` };
  }
  if (available < updated) return { state: 'progressing', message: `${available} of ${updated} updated available` };
  return { state: 'done', message: `${updated} of ${wanted} updated and available` };
}

/** kubectl's `rollout status` for a StatefulSet (RollingUpdate, no partition). */
export function statefulSetVerdict(s: StatefulSetView): Verdict {
  const generation = s.metadata?.generation ?? 0;
  const status = s.status ?? {};
  const observed = status.observedGeneration ?? 0;
  if (observed === 0 || observed < generation) return { state: 'progressing', message: 'waiting for the controller' };
  const wanted = s.spec?.replicas ?? 1;
  const ready = status.readyReplicas ?? 0;
  if (ready < wanted) return { state: 'progressing', message: `${ready} of ${wanted} ready` };
  if (status.updateRevision !== status.currentRevision) {
    return { state: 'progressing', message: `${status.updatedReplicas ?? 0} of ${wanted} updated` };
  }
  return { state: 'done', message: `${ready} of ${wanted} ready` };
}

/** The ReplicaSet of a Deployment's current revision (what `kubectl rollout status` waits on). */
export function newReplicaSet(d: DeploymentView, replicaSets: ReplicaSetView[]): ReplicaSetView | undefined {
  const revision = d.metadata?.annotations?.[REVISION];
  if (revision === undefined) return undefined;
  return replicaSets.find(
    (rs) =>
      rs.metadata?.annotations?.[REVISION] === revision &&
      (rs.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Deployment' && o.name === d.metadata?.name),
  );
}

/** Pods of the rollout's new revision: by the new ReplicaSet's template hash, or the StatefulSet's update revision. */
export function podsOfRevision(
  pods: PodView[],
  label: 'pod-template-hash' | 'controller-revision-hash',
  value: string | undefined,
): PodView[] {
  if (value === undefined) return [];
  return pods.filter((p) => p.metadata?.labels?.[label] === value && !p.metadata?.deletionTimestamp);
}

/**
 * What is wrong with a rollout's new pods, the worst first: an image the cluster cannot pull, a container that
 * crashed (a restart counts: a new pod has no business restarting), a spec the kubelet refuses; or, while still
 * going, why it waits (unschedulable, a pull under way).
 */
export function podVerdict(pods: PodView[]): Verdict | undefined {
  let waiting: string | undefined;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '?';
    for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const reason = c.state?.waiting?.reason;
      const detail = c.state?.waiting?.message;
      if (reason && IMAGE_PULL_REASONS.includes(reason)) {
        const image = pod.spec?.containers?.find((x) => x.name === c.name)?.image ?? c.image;
        return {
          state: 'failed',
          code: 'IMAGE_PULL_FAILED',
          message: `the cluster cannot pull ${image} (${reason}${detail ? `: ${detail}` : ''})`,
        };
      }
      if (reason && CONTAINER_SPEC_REASONS.includes(reason)) {
        return { state: 'failed', code: 'ENV_FAILED', message: `${name}: ${reason}${detail ? `: ${detail}` : ''}` };
      }
      const last = c.lastState?.terminated;
      if (c.restartCount > 0 || reason === 'CrashLoopBackOff') {
        const why = last
          ? `exited with code ${last.exitCode}${last.reason && !['Error', 'Completed'].includes(last.reason) ? ` (${last.reason})` : ''}`
          : 'crashed';
        return {
          state: 'failed',
          code: 'ENV_FAILED',
          message: `the container ${why} and was restarted ${c.restartCount} time(s)`,
          logsOf: { pod: name, container: c.name },
        };
      }
      if (reason === 'ErrImagePull')
        waiting = `pulling ${c.image} failed once, retrying${detail ? ` (${detail})` : ''}`;
      else if (reason && reason !== 'ContainerCreating' && reason !== 'PodInitializing')
        waiting = `${reason}${detail ? `: ${detail}` : ''}`;
    }
    const scheduled = condition(pod.status?.conditions, 'PodScheduled');
    if (scheduled?.status === 'False')
      waiting = `${name} is not scheduled: ${scheduled.message ?? scheduled.reason ?? ''}`;
  }
  return waiting ? { state: 'progressing', message: waiting } : undefined;
}

/** A FailedCreate event of a StatefulSet (it has no ReplicaFailure condition): quota or admission refusals. */
export function failedCreate(events: { reason?: string; message?: string }[]): Verdict | undefined {
  const event = [...events].reverse().find((e) => e.reason === 'FailedCreate');
  if (!event?.message) return undefined;
  return /exceeded quota/i.test(event.message)
    ? { state: 'failed', code: 'QUOTA_EXCEEDED', message: event.message }
    : { state: 'progressing', message: event.message };
}

import { describe, expect, it } from 'vitest';
import {
  deploymentVerdict,
  failedCreate,
  newReplicaSet,
  podVerdict,
  podsOfRevision,
  statefulSetVerdict,
  type ContainerStatusView,
  type DeploymentView,
  type PodView,
} from './rollout.js';

function deployment(
  status: NonNullable<DeploymentView['status']>,
  extra: { generation?: number; replicas?: number } = {},
): DeploymentView {
  return {
    metadata: {
      name: 'students-api',
      generation: extra.generation ?? 2,
      annotations: { 'deployment.kubernetes.io/revision': '2' },
    },
    spec: { replicas: extra.replicas ?? 2, progressDeadlineSeconds: 120 },
    status: { observedGeneration: 2, ...status },
  };
}

function pod(name: string, container: Partial<ContainerStatusView> = {}): PodView {
  return {
    metadata: { name, labels: { 'pod-template-hash': 'new' } },
    spec: { containers: [{ name: 'api', image: '127.0.0.1:5000/p/students-api@sha256:abc' }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        { name: 'api', image: '127.0.0.1:5000/p/students-api@sha256:abc', ready: false, restartCount: 0, ...container },
      ],
    },
  };
}

describe('deployment rollout verdicts (kubectl rollout status, plus deadline and replica failures)', () => {
  it('waits for the controller to observe the new generation', () => {
    expect(deploymentVerdict(deployment({ observedGeneration: 1 })).state).toBe('progressing');
  });

  it('waits for updated, then old replicas gone, then available; done when all hold', () => {
    expect(deploymentVerdict(deployment({ replicas: 3, updatedReplicas: 1, availableReplicas: 2 }))).toEqual({
      state: 'progressing',
      message: '1 of 2 updated, 2 available',
    });
    expect(deploymentVerdict(deployment({ replicas: 3, updatedReplicas: 2, availableReplicas: 2 }))).toEqual({
      state: 'progressing',
      message: '1 old replica(s) terminating',
    });
    expect(deploymentVerdict(deployment({ replicas: 2, updatedReplicas: 2, availableReplicas: 1 }))).toEqual({
      state: 'progressing',
      message: '1 of 2 updated available',
    });
    expect(deploymentVerdict(deployment({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 }))).toEqual({
      state: 'done',
      message: '2 of 2 updated and available',
    });
  });

  it('fails on ProgressDeadlineExceeded, and on a quota or admission refusal (ReplicaFailure)', () => {
    const deadline = deploymentVerdict(
      deployment({
        updatedReplicas: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      }),
    );
    expect(deadline).toEqual({
      state: 'failed',
      code: 'ENV_FAILED',
      message: 'no progress within its deadline (120 s)',
    });
    const quota =
      'pods "students-api-7d9-x" is forbidden: exceeded quota: small, requested: pods=1, used: pods=2, limited: pods=2';
    expect(
      deploymentVerdict(
        deployment({
          conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: quota }],
        }),
      ),
    ).toEqual({ state: 'failed', code: 'QUOTA_EXCEEDED', message: quota });
    expect(
      deploymentVerdict(
        deployment({
          conditions: [
            {
              type: 'ReplicaFailure',
              status: 'True',
              reason: 'FailedCreate',
              message: 'violates PodSecurity "restricted:v1.32"',
            },
          ],
        }),
      ),
    ).toMatchObject({ state: 'failed', code: 'ENV_FAILED', message: expect.stringContaining('PodSecurity') });
  });

  it("finds the new revision's ReplicaSet and its pods (not the old ones, not terminating ones)", () => {
    const d = deployment({});
    const sets = [
      {
        metadata: {
          name: 'old',
          annotations: { 'deployment.kubernetes.io/revision': '1' },
          labels: { 'pod-template-hash': 'old' },
          ownerReferences: [{ kind: 'Deployment', name: 'students-api' }],
        },
      },
      {
        metadata: {
          name: 'new',
          annotations: { 'deployment.kubernetes.io/revision': '2' },
          labels: { 'pod-template-hash': 'new' },
          ownerReferences: [{ kind: 'Deployment', name: 'students-api' }],
        },
      },
    ];
    const current = newReplicaSet(d, sets);
    expect(current?.metadata?.name).toBe('new');
    const pods = [pod('a'), { ...pod('b'), metadata: { name: 'b', labels: { 'pod-template-hash': 'old' } } }];
    pods.push({
      ...pod('c'),
      metadata: { name: 'c', labels: { 'pod-template-hash': 'new' }, deletionTimestamp: new Date() },
    });
    expect(podsOfRevision(pods, 'pod-template-hash', 'new').map((p) => p.metadata?.name)).toEqual(['a']);
    expect(podsOfRevision(pods, 'pod-template-hash', undefined)).toEqual([]);
  });
});

describe('statefulset rollout verdicts', () => {
  it('is done when the update revision is current and every replica ready', () => {
    const base = { metadata: { generation: 3 }, spec: { replicas: 1 } };
    expect(statefulSetVerdict({ ...base, status: { observedGeneration: 0 } }).state).toBe('progressing');
    expect(statefulSetVerdict({ ...base, status: { observedGeneration: 3, readyReplicas: 0 } })).toEqual({
      state: 'progressing',
      message: '0 of 1 ready',
    });
    expect(
      statefulSetVerdict({
        ...base,
        status: {
          observedGeneration: 3,
          readyReplicas: 1,
          currentRevision: 'a',
          updateRevision: 'b',
          updatedReplicas: 0,
        },
      }),
    ).toEqual({ state: 'progressing', message: '0 of 1 updated' });
    expect(
      statefulSetVerdict({
        ...base,
        status: { observedGeneration: 3, readyReplicas: 1, currentRevision: 'b', updateRevision: 'b' },
      }),
    ).toEqual({ state: 'done', message: '1 of 1 ready' });
  });

  it('reports a quota refusal from its FailedCreate event, the latest one', () => {
    expect(
      failedCreate([
        { reason: 'SuccessfulCreate', message: 'create Pod students-db-0' },
        { reason: 'FailedCreate', message: 'create Pod students-db-0 failed error: exceeded quota: small' },
      ]),
    ).toEqual({
      state: 'failed',
      code: 'QUOTA_EXCEEDED',
      message: 'create Pod students-db-0 failed error: exceeded quota: small',
    });
    expect(failedCreate([])).toBeUndefined();
  });
});

describe('pod verdicts', () => {
  it('fails on an image that cannot be pulled, naming the image', () => {
    const verdict = podVerdict([
      pod('a', {
        state: {
          waiting: {
            reason: 'ImagePullBackOff',
            message: 'Back-off pulling image "127.0.0.1:5000/p/students-api@sha256:abc"',
          },
        },
      }),
    ]);
    expect(verdict).toMatchObject({ state: 'failed', code: 'IMAGE_PULL_FAILED' });
    expect(verdict!.message).toContain('cannot pull 127.0.0.1:5000/p/students-api@sha256:abc (ImagePullBackOff');
  });

  it('waits through a first ErrImagePull (the kubelet retries), saying so', () => {
    expect(podVerdict([pod('a', { state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } })])).toEqual({
      state: 'progressing',
      message: 'pulling 127.0.0.1:5000/p/students-api@sha256:abc failed once, retrying (not found)',
    });
  });

  it('fails on a crash (a restart, or CrashLoopBackOff) with the exit code and the pod to read logs from', () => {
    const verdict = podVerdict([
      pod('a', {
        restartCount: 2,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 3, reason: 'Error' } },
      }),
    ]);
    expect(verdict).toEqual({
      state: 'failed',
      code: 'ENV_FAILED',
      message: 'the container exited with code 3 and was restarted 2 time(s)',
      logsOf: { pod: 'a', container: 'api' },
    });
    expect(
      podVerdict([pod('a', { restartCount: 1, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } })])!
        .message,
    ).toBe('the container exited with code 137 (OOMKilled) and was restarted 1 time(s)');
  });

  it('fails on a spec the kubelet refuses; says why an unscheduled pod waits; nothing to say about a starting one', () => {
    expect(
      podVerdict([
        pod('a', { state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "x" not found' } } }),
      ]),
    ).toMatchObject({
      state: 'failed',
      code: 'ENV_FAILED',
      message: 'a: CreateContainerConfigError: secret "x" not found',
    });
    const pending: PodView = {
      metadata: { name: 'db-0' },
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: 'pod has unbound immediate PersistentVolumeClaims',
          },
        ],
      },
    };
    expect(podVerdict([pending])).toEqual({
      state: 'progressing',
      message: 'db-0 is not scheduled: pod has unbound immediate PersistentVolumeClaims',
    });
    expect(podVerdict([pod('a', { state: { waiting: { reason: 'ContainerCreating' } } })])).toBeUndefined();
    expect(podVerdict([])).toBeUndefined();
  });
});

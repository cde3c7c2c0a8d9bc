import { describe, expect, it } from 'vitest';
import { pruneCandidates, type LiveObject } from './prune.js';
import type { KubernetesObject } from './types.js';

function live(apiVersion: string, kind: string, name: string, namespace = 'ns'): LiveObject {
  return { apiVersion, kind, metadata: { name, namespace } };
}

describe('pruneCandidates', () => {
  it('lists what slipway applied before and no longer renders, never the namespace', () => {
    const rendered = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels: {} } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'students-api', namespace: 'ns', labels: {} } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'students-api', namespace: 'ns', labels: {} } },
    ] as KubernetesObject[];
    const existing = [
      live('v1', 'Namespace', 'ns', undefined),
      live('v1', 'Service', 'students-api'),
      live('apps/v1', 'Deployment', 'students-api'),
      live('autoscaling/v2', 'HorizontalPodAutoscaler', 'students-api'),
      live('v1', 'Service', 'grades-api'),
      live('apps/v1', 'Deployment', 'grades-api'),
    ];
    expect(pruneCandidates(rendered, existing).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'HorizontalPodAutoscaler/students-api',
      'Service/grades-api',
      'Deployment/grades-api',
    ]);
  });
});

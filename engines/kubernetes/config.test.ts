import { describe, expect, it } from 'vitest';
import { kubernetesConfigSchema, kubernetesOptions } from './config.js';

describe('kubernetes config', () => {
  it('fills defaults that render a restricted, drain-safe environment', () => {
    const options = kubernetesOptions(kubernetesConfigSchema.parse({}));
    expect(options).toEqual(kubernetesOptions(undefined));
    expect(options).toMatchObject({
      namespacePrefix: 'slipway-',
      ingressClassName: undefined,
      ingressControllerNamespace: 'ingress-nginx',
      pdbMinAvailable: 1,
      preStopSeconds: 5,
      terminationGracePeriodSeconds: 30,
      runAsUser: 1000,
      storage: { className: undefined, size: '1Gi', runAsUser: 999, mountPath: '/var/lib/postgresql/data' },
    });
  });

  it('reads autoscaling, resources and external storage per component', () => {
    const parsed = kubernetesConfigSchema.parse({
      ingressClassName: 'nginx',
      components: {
        'students/api': {
          autoscaling: { minReplicas: 2, maxReplicas: 5 },
          resources: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
        },
        'students/db': { external: { host: 'db.example.com' } },
      },
    });
    expect(kubernetesOptions(parsed).components['students/api']!.autoscaling).toEqual({
      minReplicas: 2,
      maxReplicas: 5,
      cpuUtilization: 70,
    });
  });

  it('rejects misspelled fields, bad quantities and inverted autoscaling bounds', () => {
    expect(kubernetesConfigSchema.safeParse({ ingresClassName: 'nginx' }).success).toBe(false);
    expect(kubernetesConfigSchema.safeParse({ storage: { size: '1 GB' } }).success).toBe(false);
    expect(
      kubernetesConfigSchema.safeParse({ components: { 'a/b': { autoscaling: { minReplicas: 4, maxReplicas: 2 } } } })
        .success,
    ).toBe(false);
    expect(kubernetesConfigSchema.safeParse({ components: { api: {} } }).success).toBe(false);
  });
});

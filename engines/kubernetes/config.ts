// The `kubernetes` section of slipway.config.ts (zod) and its normalisation into the renderer's options.
import { z } from 'zod';
import type { ComponentResources, KubernetesOptions } from './types.js';

/** A Kubernetes resource quantity: `250m`, `1`, `0.5`, `128Mi`, `1Gi`. */
const quantitySchema = z.string().regex(/^\d+(\.\d+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/, {
  error: (issue) => `expected a Kubernetes quantity such as 250m, 128Mi or 1Gi, got ${JSON.stringify(issue.input)}`,
});

const dnsLabelSchema = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
  error: (issue) =>
    `expected a DNS label (lowercase letters, digits, inner dashes), got ${JSON.stringify(issue.input)}`,
});

const resourcesSchema = z.strictObject({
  requests: z.strictObject({ cpu: quantitySchema, memory: quantitySchema }),
  limits: z.strictObject({ cpu: quantitySchema.optional(), memory: quantitySchema }),
});

const DEFAULT_RESOURCES: ComponentResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };
const DEFAULT_STORAGE_RESOURCES: ComponentResources = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { memory: '512Mi' },
};

export const kubernetesConfigSchema = z.strictObject({
  /** The kubeconfig file, relative to the config file; default: $KUBECONFIG, else ~/.kube/config. */
  kubeconfig: z.string().min(1).optional(),
  /** The kube context of previews and of release environments without `clusters`; default: the current context. */
  context: z.string().min(1).optional(),
  /** Deadline of each API request: an API server that does not answer fails the command instead of hanging it. */
  requestTimeoutSeconds: z.number().int().min(1).max(300).default(15),
  /** How long `env down` and `env gc` wait for a namespace to go before calling it stuck in Terminating. */
  deleteTimeoutSeconds: z.number().int().min(5).max(3600).default(180),
  /** Each environment gets the namespace `<prefix><project>-<env>`. */
  namespacePrefix: z
    .string()
    .regex(/^([a-z0-9][a-z0-9-]{0,19})?$/, { error: 'expected at most 20 lowercase letters, digits and dashes' })
    .default('slipway-'),
  /** The IngressClass of preview hosts; the cluster default class when left out. */
  ingressClassName: dnsLabelSchema.optional(),
  /** The only namespace besides the environment's own allowed to reach its pods (the ingress controller's). */
  ingressControllerNamespace: dnsLabelSchema.default('ingress-nginx'),
  /** Requests and limits of front and back components. */
  resources: resourcesSchema.default(DEFAULT_RESOURCES),
  /** Per `<module>/<component>`: resources, autoscaling, or (storage) an external managed database. */
  components: z
    .record(
      z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, { error: 'expected <module>/<component>' }),
      z.strictObject({
        resources: resourcesSchema.optional(),
        autoscaling: z
          .strictObject({
            minReplicas: z.number().int().min(1).max(100),
            maxReplicas: z.number().int().min(1).max(100),
            /** Average CPU use, in percent of the request, the autoscaler aims for. */
            cpuUtilization: z.number().int().min(1).max(100).default(70),
          })
          .refine((a) => a.minReplicas <= a.maxReplicas, { error: 'minReplicas must not exceed maxReplicas' })
          .optional(),
        external: z.strictObject({ host: z.string().min(1) }).optional(),
      }),
    )
    .default({}),
  /** Pods of a component kept running during voluntary disruptions (node drains), capped at replicas - 1. */
  podDisruptionBudget: z.strictObject({ minAvailable: z.number().int().min(0) }).default({ minAvailable: 1 }),
  /** How long a stopping pod keeps serving after leaving the endpoints (routing converges in that time). */
  preStopSeconds: z.number().int().min(0).max(300).default(5),
  /** From the start of the pause until the pod is killed; must exceed preStopSeconds. */
  terminationGracePeriodSeconds: z.number().int().min(1).max(3600).default(30),
  /** The uid front and back run as (Pod Security "restricted" requires non-root). */
  runAsUser: z.number().int().min(1).default(1000),
  storage: z
    .strictObject({
      /** The StorageClass of storage volumes; the cluster default when left out. */
      className: dnsLabelSchema.optional(),
      size: quantitySchema.default('1Gi'),
      runAsUser: z.number().int().min(1).default(999),
      mountPath: z.string().startsWith('/').default('/var/lib/postgresql/data'),
    })
    .default({ size: '1Gi', runAsUser: 999, mountPath: '/var/lib/postgresql/data' }),
});

export type KubernetesConfigInput = z.input<typeof kubernetesConfigSchema>;
export type KubernetesConfigParsed = z.output<typeof kubernetesConfigSchema>;

/** The renderer's options from the parsed section (or the defaults when the config has none). */
export function kubernetesOptions(parsed: KubernetesConfigParsed | undefined): KubernetesOptions {
  const config = parsed ?? kubernetesConfigSchema.parse({});
  return {
    namespacePrefix: config.namespacePrefix,
    ingressClassName: config.ingressClassName,
    ingressControllerNamespace: config.ingressControllerNamespace,
    resources: config.resources,
    storageResources: DEFAULT_STORAGE_RESOURCES,
    components: config.components,
    pdbMinAvailable: config.podDisruptionBudget.minAvailable,
    terminationGracePeriodSeconds: config.terminationGracePeriodSeconds,
    preStopSeconds: config.preStopSeconds,
    runAsUser: config.runAsUser,
    storage: {
      className: config.storage.className,
      size: config.storage.size,
      runAsUser: config.storage.runAsUser,
      mountPath: config.storage.mountPath,
    },
  };
}

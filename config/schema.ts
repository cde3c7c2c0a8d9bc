// The zod schema of slipway.config.ts: the single source of the config's shape, its types and its JSON Schema.
import { z } from 'zod';
import { gateConfigSchema } from './gate-schema.js';
import { loadtestConfigSchema } from '../loadtest/schema.js';
import { kubernetesConfigSchema } from '../engines/kubernetes/config.js';
import { ENGINE_NAMES } from '../environments/engine.js';

const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;
const NAME_HINT = 'lowercase letters, digits and inner dashes, at most 40 characters';

export const nameSchema = z
  .string()
  .regex(NAME_PATTERN, { error: (issue) => `expected ${NAME_HINT}, got ${JSON.stringify(issue.input)}` });

/** Accepts a number (or a numeric string) from 1 to 65535, with the message the README promises. */
export const portSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const port = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `expected 1-65535, got ${JSON.stringify(value)}`, input: value });
    return z.NEVER;
  }
  return port;
});

const relativePath = z.string().min(1, { error: 'expected a non-empty path' });
const envSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' }),
  z.string(),
);

export const componentSchema = z.strictObject({
  kind: z.enum(['front', 'back', 'storage']),
  /** Build context, relative to the config file's folder. */
  context: relativePath,
  /** Dockerfile, relative to the context. */
  dockerfile: relativePath.default('Dockerfile'),
  /** Multi-stage build target. */
  target: z.string().min(1).optional(),
  buildArgs: z.record(z.string(), z.string()).default({}),
  /** Names of build secrets (declared under `build.secrets`) mounted with `RUN --mount=type=secret,id=<name>`. */
  secrets: z.array(nameSchema).default([]),
  port: portSchema.optional(),
  /** HTTP path that answers 2xx when the component is ready; front and back default to /healthz. */
  health: z.string().startsWith('/', { error: 'expected a path starting with "/"' }).optional(),
  env: envSchema.default({}),
  /** Components this one calls: `<component>` in the same module or `<module>/<component>`. */
  dependsOn: z.array(z.string()).default([]),
  /** Storage only: migration and seed folders, relative to the context. */
  data: z.strictObject({ migrations: relativePath.optional(), seed: relativePath.optional() }).optional(),
});

export const moduleSchema = z.strictObject({
  components: z.record(nameSchema, componentSchema),
});

const secretSourceSchema = z.union([
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ file: relativePath }),
]);

export const registrySchema = z.strictObject({
  /** host[:port][/path], e.g. 127.0.0.1:5000 or registry.example.com/team. */
  url: z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/, {
    error: (issue) => `expected host[:port][/path] without a scheme, got ${JSON.stringify(issue.input)}`,
  }),
  /** Plain HTTP instead of HTTPS; on by default for 127.0.0.1 and localhost. */
  insecure: z.boolean().optional(),
});

/** `90s`, `30m`, `72h`, `14d`. */
export const durationSchema = z.string().regex(/^\d+(s|m|h|d)$/, {
  error: (issue) => `expected a duration like 90s, 30m, 72h or 14d, got ${JSON.stringify(issue.input)}`,
});

export const previewSchema = z.strictObject({
  /** Preview hosts are `<component>-<module>--<env>.<domain>`; `*.localhost` resolves to 127.0.0.1 in browsers. */
  domain: z
    .string()
    .regex(/^[a-z0-9.-]+$/, { error: 'expected a DNS domain such as localhost or preview.example.com' })
    .default('localhost'),
  /** Idle time-to-live: every `env up` extends it. */
  ttl: durationSchema.default('72h'),
  /** Maximum lifetime from creation, which nothing extends. */
  maxLifetime: durationSchema.default('14d'),
  /** How long an old container keeps serving in-flight requests after the router switched away from it. */
  drainSeconds: z.number().min(0).max(600).default(3),
  /** How long a component may take to answer its health check. */
  readyTimeoutSeconds: z.number().int().min(1).max(3600).default(120),
});

export const routerSchema = z.strictObject({
  /** The address preview URLs are served on; keep it on loopback unless the host is meant to be shared. */
  bind: z.string().default('127.0.0.1'),
  port: portSchema.default(8080),
  /** Caddy's admin API, published on the bind address only. */
  adminPort: portSchema.default(2019),
  /** A Caddy image to use instead of the one slipway builds from the host's caddy binary. */
  image: z.string().optional(),
});

/** A long-lived environment (staging, production): deployed and promoted to, never expiring. */
export const releaseEnvironmentSchema = z.strictObject({
  /** The engine this environment runs on; the top-level `engine` when left out (`kubernetes` when `clusters` is set). */
  engine: z.enum(ENGINE_NAMES).optional(),
  /**
   * Kubernetes: the kube contexts (from the kubeconfig) this environment runs on, in rollout order. A release goes
   * cluster by cluster and stops at the first failure, leaving the clusters after it on the previous version.
   * Left out: `kubernetes.context`, else the kubeconfig's current context.
   */
  clusters: z.array(z.string().min(1)).min(1).optional(),
  /** Containers per front or back component (all of them, or per `<module>/<component>`); storage runs one. */
  replicas: z
    .union([z.number().int().min(1).max(20), z.record(z.string(), z.number().int().min(1).max(20))])
    .default(1),
  /** How long old containers keep serving in-flight requests after the router switched away. */
  drainSeconds: z.number().min(0).max(600).default(5),
  readyTimeoutSeconds: z.number().int().min(1).max(3600).default(120),
  /** How many releases `slipway history` keeps and `slipway rollback --to` can return to. */
  keep: z.number().int().min(1).max(100).default(10),
  /**
   * The registry this environment runs its images from, when not the top-level one: `promote` copies the images
   * there (`<url>/<project>/<module>-<component>`), by digest. Same shape as the top-level `registry`.
   */
  registry: registrySchema.optional(),
  /**
   * Docker: before the switch, each new replica of a front or back gets this many GETs on each of its check's paths
   * (its health path and `check.paths`), straight to the container, so that users' first requests do not pay for
   * its cold code and empty connection pools; 0 turns it off.
   */
  warmUpRequests: z.number().int().min(0).max(1000).default(100),
  /**
   * After the switch, requests go through the router for `seconds` to each component's health path and to
   * `paths` (per `<module>/<component>`); an error rate above `maxErrorRate` sends traffic back to the old
   * containers, which are kept running until then.
   */
  check: z
    .strictObject({
      seconds: z.number().min(0).max(600).default(3),
      maxErrorRate: z.number().min(0).max(1).default(0),
      paths: z.record(z.string(), z.array(z.string().startsWith('/'))).default({}),
    })
    .default({ seconds: 3, maxErrorRate: 0, paths: {} }),
});

export const configSchema = z.strictObject({
  project: nameSchema,
  registry: registrySchema,
  /** The engine preview environments run on, and release environments that do not name their own. */
  engine: z.enum(ENGINE_NAMES).default('docker'),
  build: z
    .strictObject({
      /** How many images build at once. */
      concurrency: z.number().int().min(1).max(32).default(2),
      /** Build secrets: where each one's value comes from at build time. Never stored in an image. */
      secrets: z.record(nameSchema, secretSourceSchema).default({}),
    })
    .default({ concurrency: 2, secrets: {} }),
  modules: z.record(nameSchema, moduleSchema),
  preview: previewSchema.default({
    domain: 'localhost',
    ttl: '72h',
    maxLifetime: '14d',
    drainSeconds: 3,
    readyTimeoutSeconds: 120,
  }),
  router: routerSchema.default({ bind: '127.0.0.1', port: 8080, adminPort: 2019 }),
  /** Long-lived environments by name, e.g. staging and production. */
  environments: z.record(nameSchema, releaseEnvironmentSchema).default({}),
  /** The quality gate: thresholds, per-module overrides, tool commands, reports, SonarQube (see quality/README.md). */
  gate: gateConfigSchema.optional(),
  /** Load tests: k6 binary, default load, thresholds, regression tolerances, baselines, reports (see loadtest/README.md). */
  loadtest: loadtestConfigSchema.optional(),
  /** The Kubernetes engine: namespaces, ingress, resources, autoscaling, disruption budgets, storage (see engines/kubernetes/README.md). */
  kubernetes: kubernetesConfigSchema.optional(),
});

/** What the user writes (defaults optional). */
export type SlipwayConfigInput = z.input<typeof configSchema>;
/** What the schema returns (defaults filled). */
export type SlipwayConfigParsed = z.output<typeof configSchema>;
export type ComponentKind = 'front' | 'back' | 'storage';

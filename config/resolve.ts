// Turns raw config into a ResolvedConfig: zod validation, then cross-field rules, every problem reported at once.
import path from 'node:path';
import type { z } from 'zod';
import { SlipwayError } from '../core/errors.js';
import { closest } from '../core/suggest.js';
import type { KubernetesConfigParsed } from '../engines/kubernetes/config.js';
import type { EngineName } from '../environments/engine.js';
import { configSchema, type ComponentKind, type SlipwayConfigParsed } from './schema.js';

export interface ConfigProblem {
  /** Dotted path into the config, e.g. `modules.records.components.api.port`. */
  path: string;
  message: string;
}

export interface ResolvedComponent {
  /** `<module>/<component>`. */
  id: string;
  module: string;
  name: string;
  kind: ComponentKind;
  contextDir: string;
  dockerfile: string;
  target: string | undefined;
  buildArgs: Record<string, string>;
  secrets: string[];
  port: number | undefined;
  health: string | undefined;
  env: Record<string, string>;
  /** Resolved ids of the components this one depends on. */
  dependsOn: string[];
  data: { migrationsDir: string | undefined; seedDir: string | undefined };
  /** `<registry>/<project>/<module>-<component>`, without tag. */
  imageRepository: string;
}

export interface ResolvedRegistry {
  /** host[:port] */
  host: string;
  /** path prefix inside the registry, may be empty */
  prefix: string;
  insecure: boolean;
}

export type SecretSource = { env: string } | { file: string };

export interface ResolvedPreview {
  domain: string;
  ttlMs: number;
  maxLifetimeMs: number;
  drainMs: number;
  readyTimeoutMs: number;
}

export interface ResolvedRouter {
  bind: string;
  port: number;
  adminPort: number;
  image: string | undefined;
}

export interface ResolvedReleaseEnvironment {
  name: string;
  engine: EngineName;
  /** Kubernetes: the kube contexts to roll out to, in order; empty means the default context. */
  clusters: string[];
  /** Replicas per component id (front and back; storage always 1). */
  replicas: Record<string, number>;
  drainMs: number;
  readyTimeoutMs: number;
  keep: number;
  check: { ms: number; maxErrorRate: number; paths: Record<string, string[]> };
  /** GETs per check path and new replica before the switch (Docker); 0: none. */
  warmUpRequests: number;
  /** The registry `promote` copies this environment's images to; undefined: the top-level registry. */
  registry: ResolvedRegistry | undefined;
}

export interface ResolvedConfig {
  /** Folder holding the config file; paths in the config are relative to it. */
  root: string;
  configFile: string;
  project: string;
  registry: ResolvedRegistry;
  build: { concurrency: number; secrets: Record<string, SecretSource> };
  /** Every component, in dependency order (a component comes after those it depends on). */
  components: ResolvedComponent[];
  preview: ResolvedPreview;
  router: ResolvedRouter;
  /** The engine previews run on (and release environments that name none). */
  engine: EngineName;
  /** The `kubernetes` section as parsed (defaults filled), its kubeconfig path made absolute; undefined when absent. */
  kubernetes: KubernetesConfigParsed | undefined;
  environments: Record<string, ResolvedReleaseEnvironment>;
}

const DURATION_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text);
  if (!match) throw new Error(`invalid duration ${text}`);
  return Number(match[1]) * DURATION_UNITS[match[2]!]!;
}

/** Keys each strict object accepts, to suggest the right one for a typo. */
const KNOWN_KEYS: Record<string, string[]> = {
  root: [
    'project',
    'registry',
    'engine',
    'build',
    'modules',
    'preview',
    'router',
    'gate',
    'environments',
    'loadtest',
    'kubernetes',
  ],
  preview: ['domain', 'ttl', 'maxLifetime', 'drainSeconds', 'readyTimeoutSeconds'],
  router: ['bind', 'port', 'adminPort', 'image'],
  component: [
    'kind',
    'context',
    'dockerfile',
    'target',
    'buildArgs',
    'secrets',
    'port',
    'health',
    'env',
    'dependsOn',
    'data',
  ],
  module: ['components'],
  build: ['concurrency', 'secrets'],
  registry: ['url', 'insecure'],
  data: ['migrations', 'seed'],
};

function keysFor(issuePath: PropertyKey[]): string[] {
  const p = issuePath.map(String);
  if (p.length === 0) return KNOWN_KEYS.root!;
  if (p[0] === 'modules' && p.length === 2) return KNOWN_KEYS.module!;
  if (p[0] === 'modules' && p.length === 4) return KNOWN_KEYS.component!;
  if (p[0] === 'modules' && p.length === 5 && p[4] === 'data') return KNOWN_KEYS.data!;
  if (p[0] === 'build' && p.length === 1) return KNOWN_KEYS.build!;
  if (p[0] === 'registry' && p.length === 1) return KNOWN_KEYS.registry!;
  if (p[0] === 'environments' && p.length === 3 && p[2] === 'registry') return KNOWN_KEYS.registry!;
  if (p[0] === 'preview' && p.length === 1) return KNOWN_KEYS.preview!;
  if (p[0] === 'router' && p.length === 1) return KNOWN_KEYS.router!;
  return [];
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value);
}

function zodProblems(error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const suggestion = closest(key, keysFor(issue.path));
        problems.push({
          path: at ? `${at}.${key}` : key,
          message: `unknown field${suggestion ? ` (did you mean "${suggestion}"?)` : `; valid fields: ${keysFor(issue.path).join(', ')}`}`,
        });
      }
    } else if (issue.code === 'invalid_type') {
      const got = describe((issue as { input?: unknown }).input);
      problems.push({
        path: at,
        message: got === 'nothing' ? `required, expected ${issue.expected}` : `expected ${issue.expected}, got ${got}`,
      });
    } else if (issue.code === 'invalid_value') {
      const got = describe((issue as { input?: unknown }).input);
      problems.push({ path: at, message: `expected one of ${issue.values.map(String).join(', ')}, got ${got}` });
    } else if (issue.code === 'invalid_union') {
      // the port union reports its own custom message; other unions: say what the branches wanted
      const nested = issue.errors.flat();
      const custom = nested.find((n) => n.code === 'custom');
      problems.push({
        path: at,
        message: custom ? custom.message : `invalid value ${describe((issue as { input?: unknown }).input)}`,
      });
    } else {
      problems.push({ path: at, message: issue.message });
    }
  }
  return problems;
}

function resolveDependency(reference: string, module: string, ids: Set<string>): string | undefined {
  const id = reference.includes('/') ? reference : `${module}/${reference}`;
  return ids.has(id) ? id : undefined;
}

/** Orders components so that dependencies come first; reports cycles. */
function dependencyOrder(components: ResolvedComponent[], problems: ConfigProblem[]): ResolvedComponent[] {
  const byId = new Map(components.map((c) => [c.id, c]));
  const state = new Map<string, 'visiting' | 'done'>();
  const ordered: ResolvedComponent[] = [];
  function visit(component: ResolvedComponent, trail: string[]): void {
    const seen = state.get(component.id);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(component.id)), component.id].join(' -> ');
      problems.push({
        path: `modules.${component.module}.components.${component.name}.dependsOn`,
        message: `dependency cycle ${cycle}; remove one of these dependsOn entries`,
      });
      return;
    }
    state.set(component.id, 'visiting');
    for (const dep of component.dependsOn) visit(byId.get(dep)!, [...trail, component.id]);
    state.set(component.id, 'done');
    ordered.push(component);
  }
  for (const component of components) visit(component, []);
  return ordered;
}

function registryOf(registry: SlipwayConfigParsed['registry']): ResolvedRegistry {
  const [hostPart, ...rest] = registry.url.split('/');
  const host = hostPart!;
  const hostname = host.split(':')[0]!;
  const local = hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
  return { host, prefix: rest.join('/'), insecure: registry.insecure ?? local };
}

/** Where a component's images live in a registry: `<host>[/<prefix>]/<project>/<module>-<component>`, no tag. */
export function imageRepositoryIn(
  registry: ResolvedRegistry,
  project: string,
  component: { module: string; name: string },
): string {
  return [registry.host, registry.prefix, project, `${component.module}-${component.name}`].filter(Boolean).join('/');
}

/** Validates and normalises a raw config; throws CONFIG_INVALID listing every problem. */
export function resolveConfig(raw: unknown, configFile: string): ResolvedConfig {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw configInvalid(zodProblems(result.error), configFile);
  const parsed = result.data;
  const root = path.dirname(configFile);
  const registry = registryOf(parsed.registry);
  const problems: ConfigProblem[] = [];

  const ids = new Set<string>();
  for (const [module, mod] of Object.entries(parsed.modules)) {
    for (const name of Object.keys(mod.components)) ids.add(`${module}/${name}`);
  }
  if (ids.size === 0)
    problems.push({ path: 'modules', message: 'no components declared; add at least one module with a component' });

  const imageOwners = new Map<string, string>();
  const components: ResolvedComponent[] = [];
  for (const [module, mod] of Object.entries(parsed.modules)) {
    for (const [name, c] of Object.entries(mod.components)) {
      const at = `modules.${module}.components.${name}`;
      const id = `${module}/${name}`;
      const dependsOn: string[] = [];
      c.dependsOn.forEach((reference, index) => {
        const dep = resolveDependency(reference, module, ids);
        if (!dep) {
          const suggestion = closest(reference, [...ids, ...[...ids].map((i) => i.split('/')[1]!)]);
          problems.push({
            path: `${at}.dependsOn.${index}`,
            message: `unknown component "${reference}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; use <component> or <module>/<component>`,
          });
        } else if (dep === id)
          problems.push({ path: `${at}.dependsOn.${index}`, message: 'a component cannot depend on itself' });
        else dependsOn.push(dep);
      });
      if (c.kind !== 'storage' && c.port === undefined) {
        problems.push({ path: `${at}.port`, message: `required for a ${c.kind} component, expected 1-65535` });
      }
      if (c.kind !== 'storage' && c.data) {
        problems.push({
          path: `${at}.data`,
          message: 'only storage components have migrations and seed data; move it to the storage component',
        });
      }
      for (const [index, secret] of c.secrets.entries()) {
        if (!(secret in parsed.build.secrets)) {
          problems.push({
            path: `${at}.secrets.${index}`,
            message: `unknown build secret "${secret}"; declare it under build.secrets`,
          });
        }
      }
      const imageName = `${module}-${name}`;
      const owner = imageOwners.get(imageName);
      if (owner) {
        problems.push({
          path: at,
          message: `image name ${parsed.project}/${imageName} is also the image of ${owner}; rename one of them`,
        });
      } else imageOwners.set(imageName, id);
      const contextDir = path.resolve(root, c.context);
      components.push({
        id,
        module,
        name,
        kind: c.kind,
        contextDir,
        dockerfile: path.resolve(contextDir, c.dockerfile),
        target: c.target,
        buildArgs: c.buildArgs,
        secrets: c.secrets,
        port: c.port ?? (c.kind === 'storage' ? 5432 : undefined),
        health: c.health ?? (c.kind === 'storage' ? undefined : '/healthz'),
        env: c.env,
        dependsOn,
        data: {
          migrationsDir: c.data?.migrations ? path.resolve(contextDir, c.data.migrations) : undefined,
          seedDir: c.data?.seed ? path.resolve(contextDir, c.data.seed) : undefined,
        },
        imageRepository: imageRepositoryIn(registry, parsed.project, { module, name }),
      });
    }
  }
  const environments: Record<string, ResolvedReleaseEnvironment> = {};
  for (const [name, e] of Object.entries(parsed.environments)) {
    const replicas: Record<string, number> = {};
    for (const c of components)
      replicas[c.id] = c.kind === 'storage' ? 1 : typeof e.replicas === 'number' ? e.replicas : 1;
    if (typeof e.replicas !== 'number') {
      for (const [id, count] of Object.entries(e.replicas)) {
        const target = components.find((c) => c.id === id);
        if (!target)
          problems.push({
            path: `environments.${name}.replicas.${id}`,
            message: 'unknown component; use <module>/<component>',
          });
        else if (target.kind === 'storage' && count !== 1)
          problems.push({
            path: `environments.${name}.replicas.${id}`,
            message: 'a storage runs exactly one container',
          });
        else replicas[id] = count;
      }
    }
    const engine = e.engine ?? (e.clusters ? 'kubernetes' : parsed.engine);
    if (e.clusters && engine !== 'kubernetes') {
      problems.push({
        path: `environments.${name}.clusters`,
        message: `only a kubernetes environment runs on clusters (this one runs on ${engine}); set engine: 'kubernetes' or remove clusters`,
      });
    }
    const repeated = (e.clusters ?? []).filter((c, i, all) => all.indexOf(c) !== i);
    if (repeated.length > 0) {
      problems.push({ path: `environments.${name}.clusters`, message: `${repeated[0]} is listed twice` });
    }
    environments[name] = {
      name,
      engine,
      clusters: e.clusters ?? [],
      replicas,
      drainMs: e.drainSeconds * 1000,
      readyTimeoutMs: e.readyTimeoutSeconds * 1000,
      keep: e.keep,
      check: { ms: e.check.seconds * 1000, maxErrorRate: e.check.maxErrorRate, paths: e.check.paths },
      warmUpRequests: e.warmUpRequests,
      registry: e.registry && registryOf(e.registry),
    };
  }
  const ordered = problems.length === 0 ? dependencyOrder(components, problems) : components;
  if (problems.length > 0) throw configInvalid(problems, configFile);
  return {
    root,
    configFile,
    project: parsed.project,
    registry,
    build: { concurrency: parsed.build.concurrency, secrets: parsed.build.secrets },
    components: ordered,
    preview: {
      domain: parsed.preview.domain,
      ttlMs: parseDuration(parsed.preview.ttl),
      maxLifetimeMs: parseDuration(parsed.preview.maxLifetime),
      drainMs: parsed.preview.drainSeconds * 1000,
      readyTimeoutMs: parsed.preview.readyTimeoutSeconds * 1000,
    },
    router: {
      bind: parsed.router.bind,
      port: parsed.router.port,
      adminPort: parsed.router.adminPort,
      image: parsed.router.image,
    },
    engine: parsed.engine,
    kubernetes: parsed.kubernetes && {
      ...parsed.kubernetes,
      kubeconfig: parsed.kubernetes.kubeconfig && path.resolve(root, parsed.kubernetes.kubeconfig),
    },
    environments,
  };
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.path || '(root)'}: ${problem.message}`;
}

function configInvalid(problems: ConfigProblem[], configFile: string): SlipwayError {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new SlipwayError('CONFIG_INVALID', `${path.basename(configFile)}: ${formatProblem(first)}${more}`, {
    fix: `correct ${problems.length > 1 ? 'each field listed' : 'that field'} in ${configFile}`,
    details: problems.map(formatProblem),
  });
}

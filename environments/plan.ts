// The environment plan: which containers, images, host names, routes, variables and lifetime a branch's
// environment should have. Pure: built from the config, the build manifest and what the engine reported.
import { createHash } from 'node:crypto';
import type { ResolvedComponent, ResolvedConfig } from '../config/resolve.js';
import type { ComponentKind } from '../config/schema.js';
import { SlipwayError } from '../core/errors.js';
import { closest } from '../core/suggest.js';
import type { BuildManifest } from '../image-builder/manifest.js';
import type { EngineName } from './engine.js';
import { previewHost, refSlug } from './naming.js';

/** HTTP components are reached inside an environment through the router on this port (readiness-gated). */
export const INTERNAL_HTTP_PORT = 80;
/** Where a storage image keeps the migrations and seed files slipway applies. */
export const IMAGE_MIGRATIONS_DIR = '/slipway/migrations';
export const IMAGE_SEED_DIR = '/slipway/seed';

export interface EnvRoute {
  /** Router route id for the preview host. */
  id: string;
  host: string;
  url: string;
}

export interface EnvComponent {
  id: string;
  module: string;
  name: string;
  kind: ComponentKind;
  image: string;
  inputDigest: string;
  /** `sha-<commit12>` of the build, or its input tag when the build had no commit. */
  version: string;
  /** The same on every engine: `<module>-<component>`. */
  hostname: string;
  /** Unique per version, so the old and the new container can run side by side. */
  containerName: string;
  /** One name per replica: the container name itself for one replica, `<name>-<i>` for several. */
  containerNames: string[];
  port: number;
  health: string | undefined;
  env: Record<string, string>;
  dependsOn: string[];
  /** Storage: the volume holding its data, and what to apply. */
  storage: { volume: string; migrations: boolean; seed: boolean; user: string; database: string } | undefined;
  /** Front and back: the preview URL. */
  route: EnvRoute | undefined;
}

export interface EnvPlan {
  /** Previews expire; release environments (staging, production) live until removed. */
  lifetime: 'preview' | 'release';
  project: string;
  branch: string;
  name: string;
  slug: string;
  network: string;
  components: EnvComponent[];
  createdAt: string;
  expiresAt: string;
  maxExpiresAt: string;
  modules: string[];
  drainMs: number;
  readyTimeoutMs: number;
  urls: Record<string, string>;
}

function replicaNames(base: string, replicas: number): string[] {
  return replicas === 1 ? [base] : Array.from({ length: replicas }, (_, i) => `${base}-${i + 1}`);
}

export function envVarPrefix(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function networkName(project: string, env: string): string {
  return `slipway.${project}.${env}`;
}

/** A DNS-safe alias unique to one container, which the router dials. */
export function uniqueAlias(containerName: string): string {
  return `u${createHash('sha256').update(containerName).digest('hex').slice(0, 20)}`;
}

/** The components of the chosen modules plus everything they depend on, in dependency order. */
export function selectModules(config: ResolvedConfig, modules: string[]): ResolvedComponent[] {
  const known = [...new Set(config.components.map((c) => c.module))];
  for (const m of modules) {
    if (!known.includes(m)) {
      const suggestion = closest(m, known);
      throw new SlipwayError(
        'UNKNOWN_COMPONENT',
        `--modules ${m}: no such module${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
        {
          fix: `use some of: ${known.join(', ')}`,
        },
      );
    }
  }
  if (modules.length === 0) return config.components;
  const byId = new Map(config.components.map((c) => [c.id, c]));
  const wanted = new Set<string>();
  function add(id: string): void {
    if (wanted.has(id)) return;
    wanted.add(id);
    for (const dep of byId.get(id)!.dependsOn) add(dep);
  }
  for (const c of config.components) if (modules.includes(c.module)) add(c.id);
  return config.components.filter((c) => wanted.has(c.id));
}

function dependencyVariables(dep: ResolvedComponent): Record<string, string> {
  const prefix = envVarPrefix(dep.id);
  const host = `${dep.module}-${dep.name}`;
  if (dep.kind !== 'storage') {
    return {
      [`${prefix}_HOST`]: host,
      [`${prefix}_PORT`]: String(INTERNAL_HTTP_PORT),
      [`${prefix}_URL`]: `http://${host}`,
    };
  }
  const port = String(dep.port ?? 5432);
  const user = dep.env.POSTGRES_USER ?? 'postgres';
  const password = dep.env.POSTGRES_PASSWORD;
  const database = dep.env.POSTGRES_DB ?? user;
  const credentials =
    password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return {
    [`${prefix}_HOST`]: host,
    [`${prefix}_PORT`]: port,
    [`${prefix}_URL`]: `postgres://${credentials}@${host}:${port}/${encodeURIComponent(database)}`,
  };
}

export interface PlanEnvironmentInput {
  config: ResolvedConfig;
  manifest: BuildManifest | undefined;
  branch: string;
  name: string;
  modules: string[];
  now: Date;
  /** When the environment already exists: its creation time, which the maximum lifetime counts from. */
  createdAt: string | undefined;
  /** A release environment (config `environments.<name>`): replicas, no expiry. */
  release?: { replicas: Record<string, number>; drainMs: number; readyTimeoutMs: number };
  /** The engine it runs on: Kubernetes serves preview hosts through the cluster's ingress (port 80), not the router. */
  engine?: EngineName;
}

/** Far enough never to expire: release environments are removed on purpose, never by gc. */
const NEVER = '9999-12-31T00:00:00.000Z';

export function planEnvironment(input: PlanEnvironmentInput): EnvPlan {
  const { config, manifest, branch, name, now } = input;
  const selected = selectModules(config, input.modules);
  if (!manifest) {
    throw new SlipwayError('CONFIG_INVALID', 'no build manifest (.slipway/build.json) to deploy', {
      fix: 'run `slipway build` first',
    });
  }
  const missing = selected.filter((c) => !manifest.components[c.id]);
  if (missing.length > 0) {
    throw new SlipwayError(
      'CONFIG_INVALID',
      `the build manifest has no image for ${missing.map((c) => c.id).join(', ')}`,
      {
        fix: 'run `slipway build` (without --only, or including these components)',
      },
    );
  }
  const byId = new Map(config.components.map((c) => [c.id, c]));
  const components = selected.map((c): EnvComponent => {
    const entry = manifest.components[c.id]!;
    const version = manifest.commit ? `sha-${manifest.commit.slice(0, 12)}` : entry.tag;
    const hostname = `${c.module}-${c.name}`;
    const gen = entry.inputDigest.replace(/^sha256:/, '').slice(0, 10);
    const env: Record<string, string> = { ...c.env };
    for (const dep of c.dependsOn) Object.assign(env, dependencyVariables(byId.get(dep)!));
    Object.assign(env, {
      PORT: String(c.port),
      SLIPWAY_VERSION: version,
      SLIPWAY_ENVIRONMENT: name,
      SLIPWAY_COMPONENT: c.id,
    });
    const host = previewHost(c.name, c.module, name, config.preview.domain);
    const portSuffix = input.engine === 'kubernetes' || config.router.port === 80 ? '' : `:${config.router.port}`;
    return {
      id: c.id,
      module: c.module,
      name: c.name,
      kind: c.kind,
      image: entry.image,
      inputDigest: entry.inputDigest,
      version,
      hostname,
      containerName: `slipway.${config.project}.${name}.${hostname}.${gen}`,
      containerNames: replicaNames(
        `slipway.${config.project}.${name}.${hostname}.${gen}`,
        input.release?.replicas[c.id] ?? 1,
      ),
      port: c.port!,
      health: c.health,
      env,
      dependsOn: c.dependsOn.filter((d) => selected.some((s) => s.id === d)),
      storage:
        c.kind === 'storage'
          ? {
              volume: `slipway.${config.project}.${name}.${hostname}`,
              migrations: c.data.migrationsDir !== undefined,
              seed: c.data.seedDir !== undefined,
              user: c.env.POSTGRES_USER ?? 'postgres',
              database: c.env.POSTGRES_DB ?? c.env.POSTGRES_USER ?? 'postgres',
            }
          : undefined,
      route:
        c.kind === 'storage'
          ? undefined
          : { id: `slipway.${config.project}.${name}.${hostname}`, host, url: `http://${host}${portSuffix}` },
    };
  });
  const createdAt = input.createdAt ?? now.toISOString();
  const maxExpiresAt = new Date(Date.parse(createdAt) + config.preview.maxLifetimeMs);
  const idleExpiry = new Date(now.getTime() + config.preview.ttlMs);
  if (input.release) {
    return {
      lifetime: 'release',
      project: config.project,
      branch: branch,
      name,
      slug: name,
      network: networkName(config.project, name),
      components,
      createdAt,
      expiresAt: NEVER,
      maxExpiresAt: NEVER,
      modules: [...new Set(components.map((c) => c.module))],
      drainMs: input.release.drainMs,
      readyTimeoutMs: input.release.readyTimeoutMs,
      urls: Object.fromEntries(components.filter((c) => c.route).map((c) => [c.id, c.route!.url])),
    };
  }
  return {
    lifetime: 'preview',
    project: config.project,
    branch,
    name,
    slug: refSlug(branch),
    network: networkName(config.project, name),
    components,
    createdAt,
    expiresAt: (idleExpiry < maxExpiresAt ? idleExpiry : maxExpiresAt).toISOString(),
    maxExpiresAt: maxExpiresAt.toISOString(),
    modules: [...new Set(components.map((c) => c.module))],
    drainMs: config.preview.drainMs,
    readyTimeoutMs: config.preview.readyTimeoutMs,
    urls: Object.fromEntries(components.filter((c) => c.route).map((c) => [c.id, c.route!.url])),
  };
}

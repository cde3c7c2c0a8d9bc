// The contract every environment engine fulfils (engines/docker, engines/kubernetes): what the environments
// pillar calls to reconcile, list, remove and record environments, whatever runs them.
import type { EnvPlan } from './plan.js';

/** The engines an environment can run on; an unknown name in the config fails listing these. */
export const ENGINE_NAMES = ['docker', 'kubernetes'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface ComponentState {
  id: string;
  kind: string;
  version: string;
  inputDigest: string;
  image: string;
  /** What runs it: a container name (Docker) or `<namespace>/<workload>` (Kubernetes). */
  container: string;
  running: boolean;
}

export interface EnvironmentState {
  project: string;
  name: string;
  branch: string;
  slug: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  maxExpiresAt: string;
  status: 'ready' | 'failed' | 'unknown';
  modules: string[];
  urls: Record<string, string>;
  lifetime: 'preview' | 'release';
  components: ComponentState[];
}

/** One deploy, promote or rollback of a release environment, as `slipway history` lists it. */
export interface ReleaseRecord {
  project: string;
  env: string;
  id: string;
  kind: 'deploy' | 'promote' | 'rollback';
  version: string;
  commit: string | null;
  /** component id -> image reference (repo@sha256:… once pushed) */
  images: Record<string, string>;
  inputDigests: Record<string, string>;
  who: string;
  at: string;
  result: 'succeeded' | 'failed';
  reason: string;
  from: string | null;
  /** Multi-cluster releases: each cluster's outcome, in rollout order. */
  clusters?: ClusterOutcome[];
}

export interface ClusterOutcome {
  target: string;
  result: 'succeeded' | 'failed' | 'skipped';
  reason?: string;
}

export interface UpOptions {
  keepFailed: boolean;
  onProgress: (line: string) => void;
  /**
   * Keep what the previous release needs to come back at once (Docker: the replaced containers, running out of the
   * router; Kubernetes: the objects applied before), so a check after the switch can revert: `finish()` or
   * `revert()` decides.
   */
  holdOld?: boolean;
  /**
   * Before the switch, GETs straight to each new replica of a front or back that replaces serving ones: `requests`
   * per path, on its health path and `paths[componentId]`. An engine without a way to reach one replica (Kubernetes
   * Services balance) may ignore it.
   */
  warmUp?: { requests: number; paths: Record<string, string[]>; maxErrorRate: number };
}

export interface UpResult<Held = unknown> {
  /** Component ids whose containers or pods were created or replaced by this run. */
  changed: string[];
  unchanged: string[];
  removed: string[];
  /** Opaque to callers: handed back to the same engine's `finish()` or `revert()`. */
  held: Held;
}

/** What `down` removed: containers or pods, and volumes or persistent volume claims. */
export interface RemovedResources {
  containers: number;
  volumes: number;
}

export interface EnvironmentEngine<Held = unknown> {
  readonly engine: EngineName;
  /** Where it acts, for messages and per-cluster reports: `docker`, or `kubernetes:<context>`. */
  readonly target: string;
  listEnvironments(project?: string): Promise<EnvironmentState[]>;
  up(plan: EnvPlan, options: UpOptions): Promise<UpResult<Held>>;
  down(project: string, name: string): Promise<RemovedResources>;
  /** After a good post-switch check: the previous release's leftovers go. */
  finish(plan: EnvPlan, held: Held): Promise<void>;
  /** After a bad post-switch check: traffic goes back to the previous release, then the new one goes. */
  revert(plan: EnvPlan, held: Held): Promise<void>;
  recordRelease(record: ReleaseRecord, image: string, keep: number): Promise<void>;
  /** Newest first. */
  listReleases(project: string, env: string): Promise<ReleaseRecord[]>;
  /**
   * One GET to a front or back as its users reach it, for the post-switch check: 'ok' for 2xx/3xx, else what went
   * wrong. Engines without it are checked through the local router (the Docker engine).
   */
  probe?(plan: EnvPlan, componentId: string, path: string): Promise<string>;
}

// The environments pillar's entry points: up, down, ls and gc for branch environments, with locks and lifetimes.
import type { ResolvedConfig } from '../config/resolve.js';
import { SlipwayError } from '../core/errors.js';
import { readBuildManifest } from '../image-builder/manifest.js';
import type { EnvironmentEngine, EnvironmentState } from './engine.js';
import { defaultLockDir, withEnvironmentLock } from './lock.js';
import { environmentName } from './naming.js';
import { planEnvironment, type EnvPlan } from './plan.js';

export interface EnvContext {
  config: ResolvedConfig;
  /** The engine previews run on (`engine` in the config); undefined for a dry run. */
  engine: EnvironmentEngine | undefined;
  progress: (line: string) => void;
  lockDir?: string;
  now?: () => Date;
}

function takenNames(environments: EnvironmentState[]): Map<string, string> {
  return new Map(environments.map((e) => [e.name, e.branch]));
}

/** Finds a branch's environment by its branch label, or by its name. */
export function findEnvironment(environments: EnvironmentState[], branchOrName: string): EnvironmentState | undefined {
  return environments.find((e) => e.branch === branchOrName) ?? environments.find((e) => e.name === branchOrName);
}

export async function planUp(context: EnvContext, branch: string, modules: string[]): Promise<EnvPlan> {
  if (branch.trim() === '')
    throw new SlipwayError('USAGE', 'the branch name is empty', {
      fix: 'pass the branch, e.g. `slipway env up "$CI_COMMIT_REF_NAME"`',
    });
  const existing = context.engine ? await context.engine.listEnvironments(context.config.project) : [];
  const taken = takenNames(existing);
  // a branch called `staging` must not take over the staging environment
  for (const release of Object.keys(context.config.environments))
    if (!taken.has(release)) taken.set(release, '\u0000release');
  const name = environmentName(branch, taken);
  const current = existing.find((e) => e.name === name);
  return planEnvironment({
    config: context.config,
    manifest: await readBuildManifest(context.config.root),
    branch,
    name,
    modules,
    now: (context.now ?? (() => new Date()))(),
    createdAt: current?.createdAt && Date.parse(current.createdAt) > 0 ? current.createdAt : undefined,
    engine: context.engine?.engine ?? context.config.engine,
  });
}

function withLock<T>(context: EnvContext, env: string, command: string, action: () => Promise<T>): Promise<T> {
  const dir = context.lockDir ?? defaultLockDir();
  return withEnvironmentLock(`${context.config.project}.${env}`, { dir, command, progress: context.progress }, action);
}

export async function envUp(context: EnvContext, branch: string, modules: string[], options: { keepFailed: boolean }) {
  const engine = context.engine!;
  const first = await planUp(context, branch, modules);
  return withLock(context, first.name, `env up ${branch}`, async () => {
    // plan again under the lock: another process may have changed the environment while we waited
    const plan = await planUp(context, branch, modules);
    const result = await engine.up(plan, { keepFailed: options.keepFailed, onProgress: context.progress });
    return { plan, result };
  });
}

export async function envDown(context: EnvContext, branchOrName: string) {
  const engine = context.engine!;
  const environment = findEnvironment(await engine.listEnvironments(context.config.project), branchOrName);
  // already gone (gc, or an earlier stop job): nothing to do is success, so stop jobs never fail on a rerun
  if (!environment) return { environment: undefined, removed: { containers: 0, volumes: 0 } };
  return withLock(context, environment.name, `env down ${branchOrName}`, async () => ({
    environment,
    removed: await engine.down(context.config.project, environment.name),
  }));
}

export type GcReason = 'expired' | 'max-lifetime' | 'orphan';

export interface GcCandidate {
  environment: EnvironmentState;
  reason: GcReason;
}

/** Which environments gc removes: past their time-to-live or maximum lifetime, or (given open branches) orphans. */
export function gcCandidates(
  environments: EnvironmentState[],
  now: Date,
  openBranches: string[] | undefined,
): GcCandidate[] {
  const candidates: GcCandidate[] = [];
  for (const environment of environments) {
    // staging and production are removed on purpose, never by gc
    if (environment.lifetime === 'release') continue;
    if (Date.parse(environment.maxExpiresAt) <= now.getTime()) candidates.push({ environment, reason: 'max-lifetime' });
    else if (Date.parse(environment.expiresAt) <= now.getTime()) candidates.push({ environment, reason: 'expired' });
    else if (openBranches && !openBranches.includes(environment.branch))
      candidates.push({ environment, reason: 'orphan' });
  }
  return candidates;
}

export async function envGc(context: EnvContext, options: { dryRun: boolean; open: string[] | undefined }) {
  const engine = context.engine!;
  const now = (context.now ?? (() => new Date()))();
  const candidates = gcCandidates(await engine.listEnvironments(context.config.project), now, options.open);
  if (!options.dryRun) {
    for (const candidate of candidates) {
      context.progress(`removing ${candidate.environment.name} (${candidate.reason})`);
      await withLock(context, candidate.environment.name, 'env gc', () =>
        engine.down(context.config.project, candidate.environment.name),
      );
    }
  }
  return candidates;
}

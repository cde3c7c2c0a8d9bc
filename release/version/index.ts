// The version pillar's entry: reads the repository and the config, then plans (and, for `slipway release`, applies).
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../../config/resolve.js';
import { readHistory, type History } from './history.js';
import { planRelease, type ModuleScope, type ReleasePlan } from './plan.js';

export { applyRelease, type ApplyResult } from './apply.js';
export type { ReleasePlan, VersionPlan, PlannedTag } from './plan.js';

function real(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** Each module's folders relative to the repository root: its components' build contexts. */
export function moduleScopes(
  config: Pick<ResolvedConfig, 'components'>,
  repoRoot: string,
  warn: (line: string) => void = () => undefined,
): ModuleScope[] {
  const root = real(repoRoot);
  const scopes = new Map<string, Set<string>>();
  for (const component of config.components) {
    const paths = scopes.get(component.module) ?? new Set<string>();
    scopes.set(component.module, paths);
    const relative = path.relative(root, real(component.contextDir));
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      warn(`${component.id}: its context ${component.contextDir} is outside the repository; it counts for no version`);
      continue;
    }
    paths.add(relative.split(path.sep).join('/'));
  }
  return [...scopes].map(([name, paths]) => ({ name, paths: [...paths].sort() }));
}

export interface RepositoryPlan {
  plan: ReleasePlan;
  history: History;
  /** `.slipway/release` beside the config (or at the repository root without one). */
  notesDir: string;
}

export interface PlanRepositoryOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  configFile?: string;
  /** YYYY-MM-DD for the notes; today (UTC) by default. */
  date?: string;
  info(line: string): void;
  warn(line: string): void;
}

/** Without a slipway.config.ts the repository is one app without modules; a --config that is missing is an error. */
async function loadModules(
  options: PlanRepositoryOptions,
): Promise<Pick<ResolvedConfig, 'components' | 'root'> | null> {
  const { findConfigFile, loadConfig } = await import('../../config/load.js');
  if (!options.configFile && !findConfigFile(options.cwd)) {
    options.info('no slipway.config.ts found: planning the app version only (no modules)');
    return null;
  }
  return loadConfig({ cwd: options.cwd, ...(options.configFile ? { configFile: options.configFile } : {}) });
}

export async function planRepository(options: PlanRepositoryOptions): Promise<RepositoryPlan> {
  // both settle before either failure is reported, so no config load keeps writing its cache after the command ended
  const [loaded, read] = await Promise.allSettled([loadModules(options), readHistory(options.cwd, options.env)]);
  if (read.status === 'rejected') throw read.reason;
  if (loaded.status === 'rejected') throw loaded.reason;
  const [config, history] = [loaded.value, read.value];
  const modules = config ? moduleScopes(config, history.root, options.warn) : [];
  const plan = planRelease(history.commits, history.tags, modules, {
    date: options.date ?? new Date().toISOString().slice(0, 10),
    shallow: history.shallow,
  });
  return { plan, history, notesDir: path.join(config?.root ?? history.root, '.slipway', 'release') };
}

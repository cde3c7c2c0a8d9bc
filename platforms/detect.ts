// Which forge this run belongs to, from the CI's own variables, and the one place adapters are created.
//
// For other pillars (and `slipway serve`): `detectPlatform(env)` is pure and cheap (no network, no library loaded);
// `createPlatform({ env, cwd, root })` builds the adapter, loading its client library only then.
import path from 'node:path';
import { SlipwayError } from '../core/errors.js';
import type { RetryPolicy } from './http.js';
import { PLATFORM_NAMES, type Platform, type PlatformName } from './types.js';

export interface PlatformChoice {
  name: PlatformName;
  /** Why: `--platform github`, `GITLAB_CI=true`, `no CI variables`. */
  because: string;
}

/** Comment size each forge stores (GitHub 65,536; GitLab 1,000,000); local files have no limit worth the name. */
export const COMMENT_LIMITS: Record<PlatformName, number> = {
  gitlab: 1_000_000,
  github: 65_535,
  local: 1_000_000,
};

function named(value: string, source: string): PlatformChoice {
  if (!(PLATFORM_NAMES as readonly string[]).includes(value)) {
    throw new SlipwayError('USAGE', `unknown platform "${value}" (${source})`, {
      fix: `use one of: ${PLATFORM_NAMES.join(', ')}`,
    });
  }
  return { name: value as PlatformName, because: source };
}

/**
 * The platform asked for (`--platform`, else SLIPWAY_PLATFORM), else GitLab CI (`GITLAB_CI=true`), else GitHub Actions
 * (`GITHUB_ACTIONS=true`), else `local`. An unknown name fails, listing the valid ones.
 */
export function detectPlatform(env: NodeJS.ProcessEnv, requested?: string): PlatformChoice {
  if (requested !== undefined) return named(requested, `--platform ${requested}`);
  if (env.SLIPWAY_PLATFORM) return named(env.SLIPWAY_PLATFORM, `SLIPWAY_PLATFORM=${env.SLIPWAY_PLATFORM}`);
  if (env.GITLAB_CI === 'true') return { name: 'gitlab', because: 'GITLAB_CI=true' };
  if (env.GITHUB_ACTIONS === 'true') return { name: 'github', because: 'GITHUB_ACTIONS=true' };
  return { name: 'local', because: 'no GitLab CI or GitHub Actions variables' };
}

export interface CreatePlatformOptions {
  env: NodeJS.ProcessEnv;
  /** Where git runs for the local adapter. */
  cwd: string;
  /** The project root: the local adapter writes under `<root>/.slipway/platform`. */
  root: string;
  /** `--platform`, when given. */
  requested?: string;
  info?: (line: string) => void;
  retry?: RetryPolicy;
}

/** Detects the platform and builds its adapter; a forge whose variables are missing fails with PLATFORM_CONFIG. */
export async function createPlatform(options: CreatePlatformOptions): Promise<Platform> {
  const choice = detectPlatform(options.env, options.requested);
  const adapterOptions = {
    ...(options.info ? { info: options.info } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  };
  switch (choice.name) {
    case 'gitlab': {
      const { createGitlabPlatform, gitlabSettings } = await import('./gitlab/index.js');
      return createGitlabPlatform(gitlabSettings(options.env), adapterOptions);
    }
    case 'github': {
      const { createGithubPlatform, githubSettings, readGithubEvent } = await import('./github/index.js');
      return createGithubPlatform(githubSettings(options.env, readGithubEvent(options.env)), adapterOptions);
    }
    case 'local': {
      const { createLocalPlatform } = await import('./local/index.js');
      return createLocalPlatform({
        dir: path.join(options.root, '.slipway', 'platform'),
        cwd: options.cwd,
        env: options.env,
      });
    }
  }
}

// Whether a git remote is the forge's repository of this CI job: `slipway release` publishes a forge release only
// for tags pushed to that repository, never for a push to a fork, a mirror or a local folder.
import type { PlatformName } from './types.js';

export interface RepositoryAddress {
  /** Host name without port or credentials, lower case. */
  host: string;
  /** `group/sub/project`, without `.git` or slashes around it, lower case. */
  path: string;
}

function normalize(host: string, repoPath: string): RepositoryAddress | undefined {
  const cleanPath = repoPath
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '')
    .toLowerCase();
  if (!host || !cleanPath) return undefined;
  return { host: host.toLowerCase(), path: cleanPath };
}

/** Reads `https://[user:token@]host[:port]/path.git`, `ssh://git@host[:port]/path` and `git@host:path`. */
export function parseRemote(url: string): RepositoryAddress | undefined {
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return normalize(scp[1]!, scp[2]!);
  try {
    const parsed = new URL(url);
    if (!['http:', 'https:', 'ssh:', 'git:'].includes(parsed.protocol)) return undefined;
    return normalize(parsed.hostname, decodeURIComponent(parsed.pathname));
  } catch {
    return undefined;
  }
}

/** The repository the CI job belongs to, from its variables (GitLab CI_SERVER_URL + CI_PROJECT_PATH, GitHub
 * GITHUB_SERVER_URL + GITHUB_REPOSITORY). */
export function ciRepository(name: PlatformName, env: NodeJS.ProcessEnv): RepositoryAddress | undefined {
  const [server, repoPath] =
    name === 'gitlab'
      ? [env.CI_SERVER_URL ?? (env.CI_SERVER_HOST ? `https://${env.CI_SERVER_HOST}` : undefined), env.CI_PROJECT_PATH]
      : name === 'github'
        ? [env.GITHUB_SERVER_URL ?? 'https://github.com', env.GITHUB_REPOSITORY]
        : [undefined, undefined];
  if (!server || !repoPath) return undefined;
  try {
    // an instance under a relative URL (https://example.com/gitlab) has it in front of every project path
    const base = new URL(server);
    return normalize(base.hostname, `${base.pathname.replace(/\/+$/, '')}/${repoPath}`);
  } catch {
    return undefined;
  }
}

export function sameRepository(a: RepositoryAddress | undefined, b: RepositoryAddress | undefined): boolean {
  return Boolean(a && b && a.host === b.host && a.path === b.path);
}

// Read-only facts about the git checkout a command runs in (commit, branch, remote), through argv commands.
import { run } from './exec.js';

export interface GitFacts {
  commit: string | undefined;
  /** Branch or tag name, from the CI's variables first (detached checkouts have no branch). */
  ref: string | undefined;
  /** Remote URL without credentials, for org.opencontainers.image.source. */
  source: string | undefined;
}

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    const result = await run({ file: 'git', args, cwd });
    return result.code === 0 ? result.stdout.trim() || undefined : undefined;
  } catch {
    return undefined;
  }
}

/** Drops `user:password@` from a URL so that tokens never reach an image label or a log. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

export async function gitFacts(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<GitFacts> {
  const [commit, branch, remote] = await Promise.all([
    git(cwd, ['rev-parse', 'HEAD']),
    git(cwd, ['symbolic-ref', '--short', '-q', 'HEAD']),
    git(cwd, ['config', '--get', 'remote.origin.url']),
  ]);
  const ref = env.CI_COMMIT_REF_NAME ?? env.GITHUB_HEAD_REF ?? env.GITHUB_REF_NAME ?? branch;
  return {
    commit: env.CI_COMMIT_SHA ?? commit,
    ref: ref || undefined,
    source: remote ? withoutCredentials(remote) : undefined,
  };
}

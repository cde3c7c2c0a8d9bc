// Publishes release tags as GitLab or GitHub releases (or local files), with the tags' notes. Decided first
// (which platform, and whether this push reached the forge's repository), then applied through a Platform.
import { SlipwayError } from '../core/errors.js';
import { run } from '../core/exec.js';
import { withoutCredentials } from '../core/git.js';
import { detectPlatform } from '../platforms/detect.js';
import { ciRepository, parseRemote, sameRepository } from '../platforms/remote.js';
import type { Platform, PlatformName, ReleaseRecord, ReleaseResult } from '../platforms/types.js';

export type PublishDecision =
  { publish: true; platform: PlatformName; because: string } | { publish: false; reason: string };

export interface PublishFacts {
  /** `--platform`, when given. */
  requested: string | undefined;
  env: NodeJS.ProcessEnv;
  /** The remote the tags were pushed to, when they were. */
  pushedTo: string | undefined;
  /** That remote's configured URL (`remote.<name>.url`), when known. */
  remoteUrl: string | undefined;
}

function isForge(name: PlatformName): boolean {
  return name === 'gitlab' || name === 'github';
}

/** Forge releases need the tag on the forge: an explicit forge `--platform` without `--push` is a usage error. */
export function checkPublishFlags(requested: string | undefined, env: NodeJS.ProcessEnv, push: boolean): void {
  if (requested === undefined) return;
  const choice = detectPlatform(env, requested);
  if (isForge(choice.name) && !push) {
    throw new SlipwayError('USAGE', `--platform ${choice.name} publishes releases of pushed tags`, {
      fix: `add --push (or publish tags already pushed with slipway release publish --platform ${choice.name})`,
    });
  }
}

/**
 * Publishes when asked (`--platform`), or when the CI's forge is detected and the tags went to that forge's own
 * repository: a push to a fork, a mirror or a local folder publishes nothing, so a test suite run inside a CI job
 * never creates releases on the project that runs it.
 */
export function decidePublish(facts: PublishFacts): PublishDecision {
  const choice = detectPlatform(facts.env, facts.requested);
  if (facts.requested !== undefined) return { publish: true, platform: choice.name, because: choice.because };
  if (!isForge(choice.name)) return { publish: false, reason: 'no GitLab CI or GitHub Actions job detected' };
  if (!facts.pushedTo)
    return { publish: false, reason: `the tags were not pushed (--push): no ${choice.name} release` };
  const remote = facts.remoteUrl ? parseRemote(facts.remoteUrl) : undefined;
  const ci = ciRepository(choice.name, facts.env);
  if (!sameRepository(remote, ci)) {
    const shown = facts.remoteUrl ? withoutCredentials(facts.remoteUrl) : facts.pushedTo;
    return {
      publish: false,
      reason: `${facts.pushedTo} (${shown}) is not this job's ${choice.name} repository${ci ? ` ${ci.host}/${ci.path}` : ''}: no ${choice.name} release`,
    };
  }
  return { publish: true, platform: choice.name, because: choice.because };
}

/** `remote.<name>.url` as configured (insteadOf rewrites left alone: they change where git goes, not what it is). */
export async function remoteUrl(root: string, remote: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const found = await run({ file: 'git', args: ['config', '--get', `remote.${remote}.url`], cwd: root, env });
  return found.code === 0 ? found.stdout.trim() : undefined;
}

/** Release tags (`v<x.y.z>`, `<module>-v<x.y.z>`) pointing at a commit, with their annotated messages as notes. */
export async function tagsAt(root: string, commit: string, env: NodeJS.ProcessEnv): Promise<ReleaseRecord[]> {
  const listed = await run({
    file: 'git',
    args: ['tag', '--points-at', commit, '--format=%(refname:strip=2)%00%(contents)%00%00'],
    cwd: root,
    env,
  });
  if (listed.code !== 0) {
    throw new SlipwayError('GIT_FAILED', `git tag --points-at ${commit.slice(0, 12)} failed: ${listed.stderr.trim()}`, {
      fix: 'check that git works in this folder: git status',
    });
  }
  return (
    listed.stdout
      .split('\0\0')
      .map((record) => record.replace(/^\n/, ''))
      .filter((record) => record.includes('\0'))
      .map((record) => {
        const [name = '', notes = ''] = record.split('\0');
        return { tag: name, name, notes, commit };
      })
      .filter((r) => /^(?:[a-z0-9][a-z0-9._-]*-)?v\d+\.\d+\.\d+$/i.test(r.tag))
      // the app's release first, as `slipway release` makes them
      .sort((a, b) => Number(!a.tag.startsWith('v')) - Number(!b.tag.startsWith('v')) || a.tag.localeCompare(b.tag))
  );
}

export async function publishReleases(
  platform: Platform,
  releases: ReleaseRecord[],
  info: (line: string) => void,
): Promise<ReleaseResult[]> {
  const results: ReleaseResult[] = [];
  for (const release of releases) {
    const result = await platform.createRelease(release);
    info(`${platform.name} release ${release.tag} ${result.action}${result.url ? `: ${result.url}` : ''}`);
    results.push(result);
  }
  return results;
}

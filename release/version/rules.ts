// The release rules of semantic-release's commit-analyzer (its defaults, as used with the conventionalcommits preset).
import semver from 'semver';
import type { ParsedMessage } from './commits.js';

export type Bump = 'major' | 'minor' | 'patch';

const RANK: Record<Bump, number> = { major: 3, minor: 2, patch: 1 };

/** semantic-release's first version when no release tag exists (lib/definitions/constants.js FIRST_RELEASE). */
export const FIRST_RELEASE = '1.0.0';

export function highestBump(bumps: Iterable<Bump | null>): Bump | null {
  let best: Bump | null = null;
  for (const bump of bumps) if (bump && (!best || RANK[bump] > RANK[best])) best = bump;
  return best;
}

/**
 * commit-analyzer's default rules, the highest that matches: a breaking note → major, a revert → patch,
 * feat → minor, fix / perf → patch (and JSHint's upper-case FEAT / FIX). Every other type, and a header that is not
 * conventional, releases nothing.
 */
export function commitBump(commit: Pick<ParsedMessage, 'type' | 'breaking' | 'revert'>): Bump | null {
  return highestBump([
    commit.breaking.length > 0 ? 'major' : null,
    commit.revert ? 'patch' : null,
    commit.type === 'feat' || commit.type === 'FEAT' ? 'minor' : null,
    commit.type === 'fix' || commit.type === 'perf' || commit.type === 'FIX' ? 'patch' : null,
  ]);
}

function targets(revert: { hash: string | null } | null, hash: string): boolean {
  const target = revert?.hash?.toLowerCase();
  return Boolean(target && target.length >= 7 && hash.toLowerCase().startsWith(target));
}

/**
 * Drops each revert together with the commit it reverts when both are in the list (conventional-commits-filter's
 * filterRevertedCommits, which commit-analyzer and the release notes apply). Newest first, as `git log` lists them:
 * a revert of a revert cancels the first revert, and the original commit stays.
 */
export function withoutRevertedPairs<T extends { hash: string; revert: { hash: string | null } | null }>(
  commits: T[],
): T[] {
  const held = new Set<T>();
  const dropped = new Set<T>();
  for (const commit of commits) {
    const revert = [...held].find((r) => targets(r.revert, commit.hash));
    if (revert) {
      held.delete(revert);
      dropped.add(revert).add(commit);
    } else if (commit.revert) held.add(commit);
  }
  return commits.filter((c) => !dropped.has(c));
}

/**
 * The next version: semver's increment of the current one (so 0.x follows semantic-release too: a breaking change
 * makes 0.4.2 → 1.0.0), FIRST_RELEASE when there is none yet, null when nothing releases.
 */
export function nextVersion(current: string | null, bump: Bump | null): string | null {
  if (!bump) return null;
  if (!current) return FIRST_RELEASE;
  return semver.inc(current, bump);
}

/** The version in a release tag `<prefix>v<x.y.z>`; pre-release and build versions are not releases here. */
export function tagVersion(tag: string, prefix: string): string | null {
  if (!tag.startsWith(`${prefix}v`)) return null;
  const text = tag.slice(prefix.length + 1);
  const parsed = semver.parse(text);
  if (!parsed || parsed.version !== text || parsed.prerelease.length > 0) return null;
  return parsed.version;
}

// The release plan, with no I/O: from the history, the release tags and the modules' folders to versions, tags and notes.
import semver from 'semver';
import { SlipwayError } from '../../core/errors.js';
import { renderNotes } from './changelog.js';
import type { Commit } from './commits.js';
import { commitBump, highestBump, nextVersion, tagVersion, withoutRevertedPairs, type Bump } from './rules.js';

/** A tag reachable from HEAD and the commit it points at (peeled, for annotated tags). */
export interface TagRef {
  name: string;
  commit: string;
}

export interface ModuleScope {
  name: string;
  /** Folders relative to the repository root (the module's components' contexts); '' is the whole repository. */
  paths: string[];
}

export interface VersionPlan {
  current: string | null;
  next: string | null;
  bump: Bump | null;
  /** The tag this release writes, null when nothing releases. */
  tag: string | null;
  /** The release notes (Markdown), empty when nothing releases. */
  changelog: string;
}

export interface PlannedTag {
  name: string;
  version: string;
  /** null for the app's tag. */
  module: string | null;
  notes: string;
}

export interface ReleasePlan extends VersionPlan {
  modules: Record<string, VersionPlan>;
  /** The tags to write at HEAD: the app's first, then each released module's. */
  tags: PlannedTag[];
}

export interface PlanOptions {
  /** YYYY-MM-DD for the notes' headers. */
  date?: string;
  /** Boundary commits of a shallow clone (`.git/shallow`): a range that reaches one is incomplete. */
  shallow?: string[];
}

export function appTagName(version: string): string {
  return `v${version}`;
}

export function moduleTagName(module: string, version: string): string {
  return `${module}-v${version}`;
}

/** The highest release tag `<prefix>v<x.y.z>` among the tags reachable from HEAD. */
export function latestRelease(tags: TagRef[], prefix: string): { version: string; commit: string } | null {
  let best: { version: string; commit: string } | null = null;
  for (const tag of tags) {
    const version = tagVersion(tag.name, prefix);
    if (version && (!best || semver.gt(version, best.version))) best = { version, commit: tag.commit };
  }
  return best;
}

function ancestors(start: string, parents: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const hash = stack.pop()!;
    if (seen.has(hash)) continue;
    seen.add(hash);
    stack.push(...(parents.get(hash) ?? []));
  }
  return seen;
}

/** `git log <tag>..HEAD` on the given history: the commits HEAD has that the release tag's commit does not. */
function since(commits: Commit[], release: { commit: string } | null, shallow: Set<string>, what: string): Commit[] {
  const parents = new Map(commits.map((c) => [c.hash, c.parents]));
  const released = release ? ancestors(release.commit, parents) : new Set<string>();
  const range = commits.filter((c) => !released.has(c.hash));
  if (range.some((c) => shallow.has(c.hash))) {
    throw new SlipwayError(
      'HISTORY_INCOMPLETE',
      `this clone is shallow and its history stops before ${release ? `the last release of ${what}` : `the first commit of ${what} (no release tag yet)`}`,
      {
        fix: 'fetch the full history and the tags: git fetch --unshallow --tags (GitLab CI: GIT_DEPTH: 0; actions/checkout: fetch-depth: 0)',
      },
    );
  }
  return range;
}

function touches(commit: Commit, paths: string[]): boolean {
  return commit.files.some((file) => paths.some((p) => p === '' || file === p || file.startsWith(`${p}/`)));
}

function versionPlan(
  commits: Commit[],
  current: string | null,
  module: string | null,
  options: PlanOptions,
  appendix?: () => string | undefined,
): VersionPlan {
  const included = withoutRevertedPairs(commits);
  const bump = highestBump(included.map(commitBump));
  const next = nextVersion(current, bump);
  if (!next) return { current, next: null, bump: null, tag: null, changelog: '' };
  const extra = appendix?.();
  const changelog = renderNotes({
    version: next,
    ...(module ? { name: module } : {}),
    ...(options.date ? { date: options.date } : {}),
    commits: included,
    ...(extra ? { appendix: extra } : {}),
  });
  const tag = module ? moduleTagName(module, next) : appTagName(next);
  return { current, next, bump, tag, changelog };
}

function moduleSummary(modules: Record<string, VersionPlan>): string | undefined {
  const released = Object.entries(modules).filter(([, m]) => m.next);
  if (released.length === 0) return undefined;
  const lines = released.map(
    ([name, m]) =>
      `* **${name}:** ${m.current ? `${m.current} → ${m.next} (${m.bump})` : `${m.next} (first release)`}, tag ${m.tag}`,
  );
  return `### Modules\n\n${lines.join('\n')}`;
}

/**
 * Plans the release of the app (every commit since its last `v<x.y.z>` tag) and of each module (the commits since its
 * last `<module>-v<x.y.z>` tag that touch its folders; a commit touching two modules counts for both).
 * `commits` is the history reachable from HEAD, newest first; `tags` the tags reachable from HEAD.
 */
export function planRelease(
  commits: Commit[],
  tags: TagRef[],
  modules: ModuleScope[],
  options: PlanOptions = {},
): ReleasePlan {
  const shallow = new Set(options.shallow ?? []);
  const modulePlans: Record<string, VersionPlan> = {};
  for (const module of [...modules].sort((a, b) => a.name.localeCompare(b.name))) {
    const release = latestRelease(tags, `${module.name}-`);
    const range = since(commits, release, shallow, `module ${module.name}`).filter((c) => touches(c, module.paths));
    modulePlans[module.name] = versionPlan(range, release?.version ?? null, module.name, options);
  }
  const release = latestRelease(tags, '');
  const app = versionPlan(since(commits, release, shallow, 'the app'), release?.version ?? null, null, options, () =>
    moduleSummary(modulePlans),
  );
  const planned: PlannedTag[] = [];
  if (app.tag && app.next) planned.push({ name: app.tag, version: app.next, module: null, notes: app.changelog });
  for (const [name, m] of Object.entries(modulePlans)) {
    if (m.tag && m.next) planned.push({ name: m.tag, version: m.next, module: name, notes: m.changelog });
  }
  return { ...app, modules: modulePlans, tags: planned };
}

// `slipway release plan` and `slipway release`: next versions from conventional commits, then annotated tags and notes.
import type { ReleasePlan, VersionPlan } from '../release/version/index.js';
import type { CliCommand, CommandContext } from './command.js';

const RULES = [
  'Versions follow semantic-release with the conventionalcommits preset: feat → minor, fix and perf → patch, a `!` after',
  'the type or a BREAKING CHANGE: footer → major, a revert → patch (a revert and the commit it reverts cancel out when',
  'both are new). The app counts every commit since its last v<x.y.z> tag reachable from HEAD; a module counts the',
  "commits since its last <module>-v<x.y.z> tag that touch its components' build contexts. No tag yet: 1.0.0.",
].join('\n');

function planJson(plan: ReleasePlan) {
  return {
    current: plan.current,
    next: plan.next,
    bump: plan.bump,
    tag: plan.tag,
    modules: plan.modules,
    changelog: plan.changelog,
    tags: plan.tags.map((t) => ({ name: t.name, version: t.version, module: t.module })),
  };
}

function versionLine(name: string, width: number, v: VersionPlan): string {
  const from = v.current ?? '(none)';
  if (!v.next) return `${name.padEnd(width)}  ${from}  (nothing to release)`;
  return `${name.padEnd(width)}  ${from} → ${v.next}  (${v.bump})  tag ${v.tag}`;
}

function planText(plan: ReleasePlan): string {
  const rows: [string, VersionPlan][] = [['app', plan], ...Object.entries(plan.modules)];
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, v]) => versionLine(name, width, v));
  const notes = [plan.changelog, ...Object.values(plan.modules).map((m) => m.changelog)].filter(Boolean);
  return [...lines, ...notes.flatMap((n) => ['', n.trimEnd()])].join('\n');
}

async function plan(command: CommandContext) {
  const { planRepository } = await import('../release/version/index.js');
  return planRepository({
    cwd: command.cwd,
    env: command.env,
    ...(typeof command.flags.config === 'string' ? { configFile: command.flags.config } : {}),
    info: (line) => command.out.info(line),
    warn: (line) => command.out.warn(line),
  });
}

type Publishing = typeof import('../release/publish.js');

interface Published {
  platform: string | null;
  /** Why nothing was published, when nothing was. */
  skipped: string | null;
  releases: { tag: string; action: 'created' | 'updated'; url: string | null }[];
}

function publishedLines(published: Published): string[] {
  if (published.skipped) return [];
  return published.releases.map(
    (r) => `${published.platform} release ${r.tag} ${r.action}${r.url ? `: ${r.url}` : ''}`,
  );
}

/** Forge releases of the tags just made, once they are on the forge (see release/publish.ts for when). */
async function publish(
  command: CommandContext,
  publishing: Publishing,
  input: {
    requested: string | undefined;
    pushedTo: string | undefined;
    root: string;
    releases: { tag: string; name: string; notes: string; commit: string }[];
  },
): Promise<Published> {
  const decision = publishing.decidePublish({
    requested: input.requested,
    env: command.env,
    pushedTo: input.pushedTo,
    remoteUrl: input.pushedTo ? await publishing.remoteUrl(input.root, input.pushedTo, command.env) : undefined,
  });
  if (!decision.publish) {
    command.out.info(`no forge release: ${decision.reason}`);
    return { platform: null, skipped: decision.reason, releases: [] };
  }
  const { createPlatform } = await import('../platforms/detect.js');
  const { SlipwayError } = await import('../core/errors.js');
  try {
    const platform = await createPlatform({
      env: command.env,
      cwd: command.cwd,
      root: input.root,
      ...(input.requested ? { requested: input.requested } : {}),
      info: (line) => command.out.info(line),
    });
    const results = await publishing.publishReleases(platform, input.releases, (line) => command.out.info(line));
    return {
      platform: platform.name,
      skipped: null,
      releases: results.map((r) => ({ tag: r.tag, action: r.action, url: r.url ?? null })),
    };
  } catch (error) {
    if (!(error instanceof SlipwayError) || !input.pushedTo) throw error;
    // the tags are on the remote already: they stay, and the releases can be published again on their own
    throw new SlipwayError(error.code, `${error.message}; the tags are pushed, their releases are not all published`, {
      fix: `${error.fix}, then run slipway release publish${input.requested ? ` --platform ${input.requested}` : ''}`,
      details: error.details,
    });
  }
}

export const releasePlanCommand: CliCommand = {
  name: 'release plan',
  summary: 'compute the next versions (app and modules) and the changelog from conventional commits',
  usage: 'slipway release plan [--json]',
  description: [
    RULES,
    '',
    'Prints each version (current → next, bump) and the release notes; writes nothing. --json prints',
    '{ current, next, bump, tag, modules: { <module>: { current, next, bump, tag, changelog } }, changelog, tags }.',
  ].join('\n'),
  flags: {},
  async run(command) {
    const { SlipwayError } = await import('../core/errors.js');
    if (command.positionals.length > 0) {
      throw new SlipwayError('USAGE', `release plan takes no arguments, got "${command.positionals.join(' ')}"`, {
        fix: 'slipway release plan [--json]',
      });
    }
    const { plan: result } = await plan(command);
    command.out.result(planJson(result), () => planText(result));
    return 0;
  },
};

export const releaseCommand: CliCommand = {
  name: 'release',
  summary: 'write the annotated release tags and notes at HEAD, optionally push them atomically',
  usage: 'slipway release [--dry-run] [--push] [--remote origin] [--platform gitlab|github|local] [--json]',
  description: [
    RULES,
    '',
    'Writes .slipway/release/<tag>.md and an annotated tag carrying the same notes for the app (v<x.y.z>) and each',
    'released module (<module>-v<x.y.z>). With --push the tags go to the remote in one atomic push: when a concurrent',
    'pipeline pushed one of them first, nothing is pushed, the local tags and notes are removed again and the command',
    'fails with TAG_EXISTS (exit 1). A tag that already exists in this clone stops the release before anything is',
    'written. Nothing to release is not an error (exit 0).',
    '',
    "In a GitLab CI or GitHub Actions job, once --push took the tags to that job's own repository, each tag becomes a",
    'GitLab or GitHub release with its notes (a push to another remote publishes nothing); --platform forces it. When',
    'publishing fails after the push, the tags stay: fix the cause and run slipway release publish.',
  ].join('\n'),
  flags: {
    'dry-run': { type: 'boolean', description: 'print the tags and notes that would be written, write nothing' },
    push: { type: 'boolean', description: 'push the new tags to the remote, all or none (git push --atomic)' },
    remote: { type: 'string', value: '<name>', description: 'the remote to push to (default: origin)' },
    platform: {
      type: 'string',
      value: '<name>',
      description: 'publish the releases on gitlab, github or local (default: the CI forge, when the push went to it)',
    },
  },
  async run(command) {
    const { SlipwayError } = await import('../core/errors.js');
    const { flags, out } = command;
    if (command.positionals.length > 0) {
      throw new SlipwayError('USAGE', `unknown release sub-command "${command.positionals.join(' ')}"`, {
        fix: 'use slipway release plan, or slipway release [--dry-run] [--push]',
      });
    }
    if (typeof flags.remote === 'string' && flags.push !== true) {
      throw new SlipwayError('USAGE', '--remote only makes sense with --push', {
        fix: 'slipway release --push --remote <name>',
      });
    }
    const dryRun = flags['dry-run'] === true;
    const remote = typeof flags.remote === 'string' ? flags.remote : 'origin';
    const requested = typeof flags.platform === 'string' ? flags.platform : undefined;
    const publishing = await import('../release/publish.js');
    publishing.checkPublishFlags(requested, command.env, flags.push === true);
    const planned = await plan(command);
    const json = planJson(planned.plan);
    const { history } = planned;
    if (planned.plan.tags.length === 0 || !history.head) {
      out.result({ ...json, released: false, reason: 'nothing to release' }, () => 'nothing to release');
      return 0;
    }
    if (dryRun) {
      out.result({ ...json, released: false, dryRun: true, commit: history.head }, () =>
        [`dry run: would tag ${history.head!.slice(0, 12)} with ${json.tags.map((t) => t.name).join(', ')}`, '']
          .concat(planText(planned.plan))
          .join('\n'),
      );
      return 0;
    }
    const { applyRelease } = await import('../release/version/index.js');
    const applied = await applyRelease({
      root: history.root,
      commit: history.head,
      tags: planned.plan.tags,
      notesDir: planned.notesDir,
      ...(flags.push === true ? { push: { remote } } : {}),
      env: command.env,
      info: (line) => out.info(line),
    });
    const published = await publish(command, publishing, {
      requested,
      pushedTo: applied.pushed ? remote : undefined,
      root: history.root,
      releases: planned.plan.tags.map((t) => ({ tag: t.name, name: t.name, notes: t.notes, commit: history.head! })),
    });
    out.result(
      {
        ...json,
        released: true,
        commit: history.head,
        pushed: applied.pushed,
        remote: applied.pushed ? remote : null,
        notes: applied.notes,
        published,
      },
      () =>
        [
          ...planned.plan.tags.map((t) => `released ${t.name}${applied.pushed ? ` (pushed to ${remote})` : ''}`),
          `notes: ${applied.notes.join(', ')}`,
          ...publishedLines(published),
        ].join('\n'),
    );
    return 0;
  },
};

export const releasePublishCommand: CliCommand = {
  name: 'release publish',
  summary: 'publish the release tags at HEAD (or the given tags) as GitLab or GitHub releases, with their notes',
  usage: 'slipway release publish [<tag>...] [--platform gitlab|github|local] [--json]',
  description: [
    'Reads the release tags (v<x.y.z>, <module>-v<x.y.z>) pointing at HEAD, or the tags given, and publishes each with',
    'its annotated message (the release notes) as a release on the forge of this CI job, detected from GITLAB_CI or',
    'GITHUB_ACTIONS (or --platform). An existing release gets its notes updated, so a rerun after a failure converges.',
    'The tags must be on the forge already (slipway release --push). Tokens: SLIPWAY_GITLAB_TOKEN (else CI_JOB_TOKEN),',
    'SLIPWAY_GITHUB_TOKEN (else GITHUB_TOKEN), from the environment only.',
  ].join('\n'),
  flags: {
    platform: { type: 'string', value: '<name>', description: 'gitlab, github or local (default: detected)' },
  },
  async run(command) {
    const [{ SlipwayError }, { repositoryRoot }, publishing, { createPlatform, detectPlatform }] = await Promise.all([
      import('../core/errors.js'),
      import('../release/version/history.js'),
      import('../release/publish.js'),
      import('../platforms/detect.js'),
    ]);
    const requested = typeof command.flags.platform === 'string' ? command.flags.platform : undefined;
    const choice = detectPlatform(command.env, requested);
    const root = await repositoryRoot(command.cwd, command.env);
    const { run } = await import('../core/exec.js');
    const head = await run({
      file: 'git',
      args: ['rev-parse', '--verify', '--quiet', 'HEAD'],
      cwd: root,
      env: command.env,
    });
    const commits = command.positionals.length > 0 ? command.positionals : [head.stdout.trim()];
    const releases = [];
    for (const target of commits) {
      const resolved = await run({
        file: 'git',
        args: ['rev-parse', '--verify', '--quiet', `${target}^{commit}`],
        cwd: root,
        env: command.env,
      });
      if (resolved.code !== 0) {
        throw new SlipwayError('USAGE', `${target}: no such tag or commit`, {
          fix: 'git fetch --tags, or name an existing tag',
        });
      }
      const found = await publishing.tagsAt(root, resolved.stdout.trim(), command.env);
      const wanted = command.positionals.length > 0 ? found.filter((r) => r.tag === target) : found;
      if (command.positionals.length > 0 && wanted.length === 0) {
        throw new SlipwayError('USAGE', `${target} is not a release tag (v<x.y.z> or <module>-v<x.y.z>)`, {
          fix: 'name a release tag, or run without arguments for the tags at HEAD',
        });
      }
      releases.push(...wanted);
    }
    if (releases.length === 0) {
      command.out.result({ platform: choice.name, releases: [] }, () => 'no release tag at HEAD: nothing to publish');
      return 0;
    }
    const platform = await createPlatform({
      env: command.env,
      cwd: command.cwd,
      root,
      ...(requested ? { requested } : {}),
      info: (line) => command.out.info(line),
    });
    const results = await publishing.publishReleases(platform, releases, (line) => command.out.info(line));
    command.out.result(
      { platform: platform.name, releases: results.map((r) => ({ tag: r.tag, action: r.action, url: r.url ?? null })) },
      () => results.map((r) => `${platform.name} release ${r.tag} ${r.action}${r.url ? `: ${r.url}` : ''}`).join('\n'),
    );
    return 0;
  },
};

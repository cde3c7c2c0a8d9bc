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
  usage: 'slipway release [--dry-run] [--push] [--remote origin] [--json]',
  description: [
    RULES,
    '',
    'Writes .slipway/release/<tag>.md and an annotated tag carrying the same notes for the app (v<x.y.z>) and each',
    'released module (<module>-v<x.y.z>). With --push the tags go to the remote in one atomic push: when a concurrent',
    'pipeline pushed one of them first, nothing is pushed, the local tags and notes are removed again and the command',
    'fails with TAG_EXISTS (exit 1). A tag that already exists in this clone stops the release before anything is',
    'written. Nothing to release is not an error (exit 0).',
  ].join('\n'),
  flags: {
    'dry-run': { type: 'boolean', description: 'print the tags and notes that would be written, write nothing' },
    push: { type: 'boolean', description: 'push the new tags to the remote, all or none (git push --atomic)' },
    remote: { type: 'string', value: '<name>', description: 'the remote to push to (default: origin)' },
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
    out.result(
      {
        ...json,
        released: true,
        commit: history.head,
        pushed: applied.pushed,
        remote: applied.pushed ? remote : null,
        notes: applied.notes,
      },
      () =>
        [
          ...planned.plan.tags.map((t) => `released ${t.name}${applied.pushed ? ` (pushed to ${remote})` : ''}`),
          `notes: ${applied.notes.join(', ')}`,
        ].join('\n'),
    );
    return 0;
  },
};

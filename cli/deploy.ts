// `slipway deploy|promote|rollback|history`: release environments (staging, production) on the engine each one
// names: the local Docker engine, or one or several Kubernetes clusters.
import os from 'node:os';
import type { ReleaseRecord } from '../environments/engine.js';
import type { ReleaseContext } from '../environments/releases.js';
import type { CliCommand, CommandContext } from './command.js';

/**
 * A release often runs on the machine it changes (the Docker engine's host): its own work (config, registry,
 * engine calls, probes) takes the CPU at a low priority, so the containers serving users keep it. Best effort.
 */
function yieldCpu(): void {
  try {
    os.setPriority(Math.max(os.getPriority(), RELEASE_NICE));
  } catch {
    // not allowed here: the release runs at its current priority
  }
}

/** The nice value of `deploy`, `promote` and `rollback` (19 is the lowest priority). */
export const RELEASE_NICE = 10;

async function releaseContext(command: CommandContext): Promise<ReleaseContext> {
  yieldCpu();
  const [{ loadConfig }, { environmentEngines }, { createRegistryClient }] = await Promise.all([
    import('../config/load.js'),
    import('./environment-engines.js'),
    import('../registry/client.js'),
  ]);
  const config = await loadConfig({ cwd: command.cwd, configFile: command.flags.config as string | undefined });
  const progress = (line: string) => command.out.info(line);
  const engines = environmentEngines(config, command.env, progress);
  return {
    config,
    engines: (name) => engines.forEnvironment(name),
    registry: createRegistryClient({ host: config.registry.host, insecure: config.registry.insecure }),
    progress,
    env: command.env,
  };
}

async function usage(message: string, fix: string): Promise<never> {
  const { SlipwayError } = await import('../core/errors.js');
  throw new SlipwayError('USAGE', message, { fix });
}

function summary(record: ReleaseRecord, urls: Record<string, string>) {
  return {
    env: record.env,
    kind: record.kind,
    version: record.version,
    from: record.from,
    images: record.images,
    urls,
    ...(record.clusters ? { clusters: record.clusters } : {}),
  };
}

function human(record: ReleaseRecord, urls: Record<string, string>): string {
  return [
    `${record.kind} of ${record.version} to ${record.env} succeeded${record.from ? ` (from ${record.from})` : ''}`,
    ...(record.clusters ?? []).map((c) => `  ${c.target.padEnd(20)} ${c.result}`),
    ...Object.entries(record.images).map(([id, image]) => `  ${id.padEnd(20)} ${image}`),
    ...Object.entries(urls).map(([id, url]) => `  ${id.padEnd(20)} ${url}`),
  ].join('\n');
}

export const deployCommand: CliCommand = {
  name: 'deploy',
  summary: 'roll the current build manifest out to a release environment, with zero downtime',
  usage: 'slipway deploy <env> [--force] [--json]',
  description:
    'New containers start and pass their health check before the router switches; the old ones drain, then stop.\nA release that never gets ready leaves the previous one serving and exits 1.',
  flags: { force: { type: 'boolean', description: 'deploy even a build older than the one running' } },
  async run(command) {
    const [name] = command.positionals;
    if (!name) await usage('deploy needs an environment name', 'slipway deploy <env>, e.g. slipway deploy staging');
    const context = await releaseContext(command);
    const { deploy } = await import('../environments/releases.js');
    const { plan, record } = await deploy(context, name!, { force: command.flags.force === true });
    command.out.result(summary(record, plan.urls), () => human(record, plan.urls));
    return 0;
  },
};

export const promoteCommand: CliCommand = {
  name: 'promote',
  summary: 'roll out to <to-env> exactly the image digests <from-env> runs (a registry copy, never a rebuild)',
  usage: 'slipway promote <from-env> <to-env> [--commit <sha>] [--json]',
  flags: {
    commit: {
      type: 'string',
      value: '<sha>',
      description: 'promote only if <from-env> runs this commit (7 to 40 hex digits); otherwise exit 1',
    },
  },
  async run(command) {
    const [from, to] = command.positionals;
    if (!from || !to)
      await usage(
        'promote needs two environments',
        'slipway promote <from-env> <to-env>, e.g. slipway promote staging production',
      );
    const commit = command.flags.commit as string | undefined;
    if (commit !== undefined && !/^[0-9a-f]{7,40}$/i.test(commit))
      await usage(
        `--commit ${JSON.stringify(commit)} is not a commit id`,
        'give 7 to 40 hex digits, e.g. --commit "$CI_COMMIT_SHA"',
      );
    const context = await releaseContext(command);
    const { promote } = await import('../environments/releases.js');
    const { plan, record } = await promote(context, from!, to!, { commit });
    command.out.result(summary(record, plan.urls), () => human(record, plan.urls));
    return 0;
  },
};

export const rollbackCommand: CliCommand = {
  name: 'rollback',
  summary: 'return a release environment to its previous release, or to a kept one with --to',
  usage: 'slipway rollback <env> [--to <version>] [--json]',
  flags: {
    to: { type: 'string', value: '<version>', description: 'a version (or release id) from `slipway history <env>`' },
  },
  async run(command) {
    const [name] = command.positionals;
    if (!name) await usage('rollback needs an environment name', 'slipway rollback <env> [--to <version>]');
    const context = await releaseContext(command);
    const { rollback } = await import('../environments/releases.js');
    const { plan, record } = await rollback(context, name!, command.flags.to as string | undefined);
    command.out.result(summary(record, plan.urls), () => human(record, plan.urls));
    return 0;
  },
};

export const historyCommand: CliCommand = {
  name: 'history',
  summary: 'list the releases of an environment: version, digests, who, when, result',
  usage: 'slipway history <env> [--json]',
  flags: {},
  async run(command) {
    const [name] = command.positionals;
    if (!name) await usage('history needs an environment name', 'slipway history <env>');
    const context = await releaseContext(command);
    const { history } = await import('../environments/releases.js');
    const releases = await history(context, name!);
    command.out.result({ env: name, releases }, () =>
      releases.length === 0
        ? `no releases of ${name}`
        : releases
            .map(
              (r) =>
                `${r.at}  ${r.kind.padEnd(8)} ${r.version.padEnd(16)} ${r.result.padEnd(9)} ${r.who}${r.from ? `  from ${r.from}` : ''}${r.reason ? `  ${r.reason}` : ''}`,
            )
            .join('\n'),
    );
    return 0;
  },
};

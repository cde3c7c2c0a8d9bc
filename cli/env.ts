// `slipway env up|down|ls|gc`: per-branch preview environments on the engine the config names (the local Docker
// engine by default, or a Kubernetes cluster), with preview URLs.
import type { ResolvedConfig } from '../config/resolve.js';
import type { Output } from '../core/output.js';
import type { EnvContext } from '../environments/environments.js';
import type { CliCommand, CommandContext } from './command.js';
import type { EngineChoice } from './environment-engines.js';

async function context(
  command: CommandContext,
  options: { engine: boolean },
): Promise<{ config: ResolvedConfig; env: EnvContext; engines: EngineChoice }> {
  const { loadConfig } = await import('../config/load.js');
  const config = await loadConfig({ cwd: command.cwd, configFile: command.flags.config as string | undefined });
  const { environmentEngines } = await import('./environment-engines.js');
  const { defaultLockDir } = await import('../environments/lock.js');
  const progress = (line: string) => command.out.info(line);
  const engines = environmentEngines(config, command.env, progress);
  const engine = options.engine ? await engines.preview() : undefined;
  return { config, engines, env: { config, engine, progress, lockDir: defaultLockDir(command.env) } };
}

function age(from: string, now: Date): string {
  const ms = now.getTime() - Date.parse(from);
  const sign = ms < 0 ? 'in ' : '';
  const abs = Math.abs(ms);
  const text =
    abs >= 86_400_000
      ? `${Math.floor(abs / 86_400_000)}d`
      : abs >= 3_600_000
        ? `${Math.floor(abs / 3_600_000)}h`
        : `${Math.max(0, Math.floor(abs / 60_000))}m`;
  return `${sign}${text}`;
}

function printUrls(out: Output, urls: Record<string, string>): string {
  const width = Math.max(0, ...Object.keys(urls).map((k) => k.length));
  return Object.entries(urls)
    .map(([id, url]) => `  ${id.padEnd(width)}  ${url}`)
    .join('\n');
}

export const envUpCommand: CliCommand = {
  name: 'env up',
  summary: "create or update a branch's preview environment from the build manifest",
  usage: 'slipway env up <branch> [--modules a,b] [--dry-run] [--keep-failed] [--json]',
  description: [
    "The environment is named after the branch's GitLab CI_COMMIT_REF_SLUG. Components run as containers on their own",
    'network, storages get their own volume, migrations and seed data; fronts and backs get preview URLs through the',
    'router. Running it again changes only what changed: new containers are ready before the router switches to them.',
    "With engine: 'kubernetes', the environment is a namespace on the cluster: objects applied server-side, rolled out",
    'component by component, and put back as they were when a rollout fails.',
  ].join('\n'),
  flags: {
    modules: { type: 'string', value: '<a,b>', description: 'only these modules (and what they depend on)' },
    'dry-run': { type: 'boolean', description: 'print the plan without touching the engine' },
    'keep-failed': { type: 'boolean', description: 'leave a failed environment in place to debug it' },
    output: {
      type: 'string',
      short: 'o',
      value: 'yaml',
      description: 'with --dry-run: print the Kubernetes manifests of the plan instead (images must be pushed)',
    },
  },
  async run(command) {
    const [branch] = command.positionals;
    const { SlipwayError } = await import('../core/errors.js');
    if (!branch || command.positionals.length > 1) {
      throw new SlipwayError('USAGE', 'env up takes exactly one branch name', {
        fix: 'slipway env up <branch> (quote names with spaces)',
      });
    }
    const modules = ((command.flags.modules as string | undefined) ?? '').split(',').filter(Boolean);
    const dryRun = command.flags['dry-run'] === true;
    const { env } = await context(command, { engine: !dryRun });
    const { envUp, planUp } = await import('../environments/environments.js');
    const plan = dryRun
      ? await planUp(env, branch, modules)
      : (await envUp(env, branch, modules, { keepFailed: command.flags['keep-failed'] === true })).plan;
    if (dryRun && command.flags.output !== undefined) {
      if (command.flags.output !== 'yaml') {
        throw new SlipwayError('USAGE', `-o ${String(command.flags.output)}: unknown output`, { fix: 'use -o yaml' });
      }
      const [{ kubernetesOptions }, { renderManifests }, { toYaml }] = await Promise.all([
        import('../engines/kubernetes/config.js'),
        import('../engines/kubernetes/manifests.js'),
        import('../engines/kubernetes/yaml.js'),
      ]);
      const objects = renderManifests(plan, kubernetesOptions(env.config.kubernetes));
      command.out.result({ objects }, () => toYaml(objects));
      return 0;
    }
    const json = {
      name: plan.name,
      slug: plan.slug,
      branch: plan.branch,
      urls: plan.urls,
      expiresAt: plan.expiresAt,
      components: plan.components.map((c) => ({
        id: c.id,
        kind: c.kind,
        version: c.version,
        image: c.image,
        container: c.containerName,
        hostname: c.hostname,
        url: c.route?.url ?? null,
      })),
      ...(dryRun
        ? {
            dryRun: true,
            network: plan.network,
            routes: plan.components
              .filter((c) => c.route)
              .map((c) => ({ host: c.route!.host, component: c.id, port: c.port })),
          }
        : {}),
    };
    command.out.result(json, () =>
      [
        `${dryRun ? 'plan for' : 'environment'} ${plan.name} (branch ${JSON.stringify(plan.branch)}, slug ${plan.slug})${dryRun ? `, network ${plan.network}` : ''}`,
        ...plan.components.map(
          (c) =>
            `  ${c.id.padEnd(20)} ${c.kind.padEnd(8)} ${c.version.padEnd(16)} ${dryRun ? c.containerName : c.hostname}`,
        ),
        'preview URLs:',
        printUrls(command.out, plan.urls),
      ].join('\n'),
    );
    return 0;
  },
};

export const envDownCommand: CliCommand = {
  name: 'env down',
  summary:
    "remove a branch's environment: containers, network, volumes and routes, or its namespace (no checkout of the branch needed)",
  usage: 'slipway env down <branch> [--json]',
  flags: {},
  async run(command) {
    const [branch] = command.positionals;
    const { SlipwayError } = await import('../core/errors.js');
    if (!branch)
      throw new SlipwayError('USAGE', 'env down needs a branch (or environment) name', {
        fix: 'slipway env down <branch>',
      });
    const { config, env, engines } = await context(command, { engine: false });
    const { envDown } = await import('../environments/environments.js');
    // a release environment goes from its own engine, and from each of its clusters
    const targets = branch in config.environments ? await engines.forEnvironment(branch) : [await engines.preview()];
    let environment: Awaited<ReturnType<typeof envDown>>['environment'];
    const removed = { containers: 0, volumes: 0 };
    for (const engine of targets) {
      const result = await envDown({ ...env, engine }, branch);
      environment ??= result.environment;
      removed.containers += result.removed.containers;
      removed.volumes += result.removed.volumes;
    }
    if (!environment) {
      command.out.result(
        { name: null, branch, removed },
        () => `no environment for ${JSON.stringify(branch)}: nothing to remove`,
      );
      return 0;
    }
    command.out.result(
      { name: environment.name, branch: environment.branch, removed },
      () =>
        `removed ${environment.name}: ${removed.containers} ${targets[0]!.engine === 'kubernetes' ? 'pods' : 'containers'}, ${removed.volumes} volumes, ${targets[0]!.engine === 'kubernetes' ? 'its namespace' : 'its network and routes'}`,
    );
    return 0;
  },
};

export const envLsCommand: CliCommand = {
  name: 'env ls',
  summary: 'list environments with age, expiry, URLs and versions',
  usage: 'slipway env ls [--json]',
  flags: {},
  async run(command) {
    const { config, engines } = await context(command, { engine: false });
    const all = await engines.all();
    // one list per engine (each cluster): an environment on two clusters shows twice, each with its target
    const environments = (
      await Promise.all(
        all.map(async (engine) =>
          (await engine.listEnvironments(config.project)).map((e) => ({ ...e, engine: engine.target })),
        ),
      )
    ).flat();
    const now = new Date();
    command.out.result({ environments }, () =>
      environments.length === 0
        ? `no environments for ${config.project}`
        : environments
            .map((e) =>
              [
                `${e.name}  branch ${JSON.stringify(e.branch)}  ${e.status}  age ${age(e.createdAt, now)}  expires ${e.lifetime === 'release' ? 'never' : age(e.expiresAt, now)}${all.length > 1 ? `  on ${e.engine}` : ''}`,
                ...e.components.map(
                  (c) => `  ${c.id.padEnd(20)} ${c.version.padEnd(16)} ${c.running ? 'running' : 'stopped'}`,
                ),
                printUrls(command.out, e.urls),
              ].join('\n'),
            )
            .join('\n'),
    );
    return 0;
  },
};

/** The open merge requests' source branches, from the platform of this CI job (platforms/detect.ts). */
async function openFromPlatform(command: CommandContext): Promise<string[]> {
  const { createPlatform } = await import('../platforms/detect.js');
  const requested = typeof command.flags.platform === 'string' ? command.flags.platform : undefined;
  const platform = await createPlatform({
    env: command.env,
    cwd: command.cwd,
    root: command.cwd,
    ...(requested ? { requested } : {}),
    info: (line) => command.out.info(line),
  });
  const branches = await platform.openBranches();
  command.out.info(`open branches from ${platform.name}: ${branches.length === 0 ? 'none' : branches.join(', ')}`);
  return branches;
}

export const envGcCommand: CliCommand = {
  name: 'env gc',
  summary: 'remove expired environments and, given the open branches, orphaned ones',
  usage: 'slipway env gc [--dry-run] [--open <branch>...] [--open-from-platform [--platform <name>]] [--json]',
  description: [
    'With --open-from-platform the open branches are the source branches of the open merge requests (GitLab) or pull',
    "requests (GitHub) of the CI job's project, or the local branches (local), added to any --open. A merged or closed",
    "one's environment is then an orphan. When the forge cannot be asked, nothing is removed (exit 3).",
  ].join('\n'),
  flags: {
    'dry-run': { type: 'boolean', description: 'list what would be removed' },
    open: {
      type: 'string',
      multiple: true,
      value: '<branch>',
      description: 'branches still open; environments of other branches are orphans',
    },
    'open-from-platform': {
      type: 'boolean',
      description: "ask the forge (detected from the CI's variables) for the open merge requests' branches",
    },
    platform: {
      type: 'string',
      value: '<name>',
      description: 'with --open-from-platform: gitlab, github or local (default: detected)',
    },
  },
  async run(command) {
    // asked before the engine is touched: without the forge's list, no environment counts as an orphan
    const fromPlatform = command.flags['open-from-platform'] === true || typeof command.flags.platform === 'string';
    const forge = fromPlatform ? await openFromPlatform(command) : undefined;
    const { env } = await context(command, { engine: true });
    const { envGc } = await import('../environments/environments.js');
    const given = command.flags.open as string[] | undefined;
    const open = forge ? [...new Set([...(given ?? []), ...forge])] : given;
    const candidates = await envGc(env, { dryRun: command.flags['dry-run'] === true, open });
    const removed = candidates.map((c) => ({
      name: c.environment.name,
      branch: c.environment.branch,
      reason: c.reason,
    }));
    command.out.result({ dryRun: command.flags['dry-run'] === true, removed }, () =>
      removed.length === 0
        ? 'nothing to remove'
        : removed
            .map((r) => `${command.flags['dry-run'] ? 'would remove' : 'removed'} ${r.name} (${r.reason})`)
            .join('\n'),
    );
    return 0;
  },
};

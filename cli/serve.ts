// `slipway serve`: a webhook receiver that brings preview environments up and down without a pipeline job.
import { Writable } from 'node:stream';
import type { JobEvent, WebhookServer } from '../pipelines/webhooks/server.js';
import type { Forge } from '../pipelines/webhooks/verify.js';
import type { WorkPlan, WorkStep } from '../pipelines/webhooks/work.js';
import type { CliCommand } from './command.js';

export const DEFAULT_SERVE_PORT = 8790;

/** Secrets come from the environment only (never a flag: flags show in `ps` and shell history). */
export function webhookSecrets(env: NodeJS.ProcessEnv): Partial<Record<Forge, string>> {
  const shared = env.SLIPWAY_WEBHOOK_SECRET || undefined;
  const gitlab = env.SLIPWAY_GITLAB_WEBHOOK_SECRET || shared;
  const github = env.SLIPWAY_GITHUB_WEBHOOK_SECRET || shared;
  return { ...(gitlab ? { gitlab } : {}), ...(github ? { github } : {}) };
}

export interface ServeOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  configFile?: string;
  port: number;
  bind: string;
  log: (line: string) => void;
  onJob?: (event: JobEvent) => void;
}

/** A writable that hands each complete line to `line` (the output of a slipway run, for the log). */
function lines(line: (text: string) => void): Writable & { flushLines(): void } {
  let buffer = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const part of parts) if (part.trim() !== '') line(part);
      done();
    },
  }) as Writable & { flushLines(): void };
  stream.flushLines = () => {
    if (buffer.trim() !== '') line(buffer);
    buffer = '';
  };
  return stream;
}

/**
 * Runs a plan's steps in order (git under one repository-wide lock: fetches and worktrees share .git), then its
 * cleanup whatever happened. slipway runs in this process, as the CLI would, with its output in the log.
 */
export async function createWorkExecutor(options: {
  repository: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}): Promise<(plan: WorkPlan) => Promise<void>> {
  const [{ rm }, { runChecked }, { createSerialQueue }, { main }] = await Promise.all([
    import('node:fs/promises'),
    import('../core/exec.js'),
    import('../pipelines/webhooks/queue.js'),
    import('./main.js'),
  ]);
  const git = createSerialQueue();

  async function step(plan: WorkPlan, current: WorkStep): Promise<void> {
    const prefix = `  ${JSON.stringify(plan.branch)}:`;
    if (current.run === 'clear') {
      await rm(current.path, { recursive: true, force: true });
      return;
    }
    if (current.run === 'git') {
      await git.enqueue('repository', () =>
        runChecked(
          { file: 'git', args: current.argv, cwd: options.repository, env: options.env },
          { code: 'GIT_FAILED', fix: "check that the repository's origin is reachable and holds the branch" },
        ),
      );
      return;
    }
    const cwd = current.in === 'checkout' ? plan.checkout! : options.repository;
    const output = lines((text) => options.log(`${prefix} ${text}`));
    const env = {
      ...options.env,
      // the build labels its images with the branch (a detached checkout has no branch of its own)
      ...(current.argv[0] === 'build' ? { CI_COMMIT_REF_NAME: plan.branch } : {}),
    };
    const code = await main(current.argv, { stdout: output, stderr: output, cwd, env });
    output.flushLines();
    if (code !== 0) throw new Error(`slipway ${current.argv.slice(0, 2).join(' ')} exited with ${code}`);
  }

  return async (plan) => {
    try {
      for (const current of plan.steps) await step(plan, current);
    } finally {
      for (const current of plan.cleanup) {
        await step(plan, current).catch((error: unknown) =>
          options.log(`  cleanup of ${JSON.stringify(plan.branch)}: ${(error as Error).message}`),
        );
      }
    }
  };
}

/** Starts the receiver for the project whose config `cwd` finds; resolves once it listens. */
export async function startServe(options: ServeOptions): Promise<WebhookServer> {
  const [path, { SlipwayError }, { loadConfig }, { defaultLockDir }, { run }, { startWebhookServer }] =
    await Promise.all([
      import('node:path'),
      import('../core/errors.js'),
      import('../config/load.js'),
      import('../environments/lock.js'),
      import('../core/exec.js'),
      import('../pipelines/webhooks/server.js'),
    ]);
  const secrets = webhookSecrets(options.env);
  if (!secrets.gitlab && !secrets.github) {
    throw new SlipwayError('WEBHOOK_SECRET_MISSING', 'slipway serve has no webhook secret', {
      fix: "set SLIPWAY_WEBHOOK_SECRET (or SLIPWAY_GITLAB_WEBHOOK_SECRET / SLIPWAY_GITHUB_WEBHOOK_SECRET) to the webhook's secret",
    });
  }
  const config = await loadConfig({ cwd: options.cwd, configFile: options.configFile });
  const top = await run({ file: 'git', args: ['rev-parse', '--show-toplevel'], cwd: config.root, env: options.env });
  if (top.code !== 0) {
    throw new SlipwayError('NOT_A_REPOSITORY', `${config.root} is not inside a git repository`, {
      fix: "run slipway serve in a clone of the project's repository (its default branch), with an origin to fetch from",
    });
  }
  const repository = top.stdout.trim();
  const stateDir = path.dirname(defaultLockDir(options.env));
  const server = await startWebhookServer({
    port: options.port,
    bind: options.bind,
    secrets,
    layout: {
      checkoutsDir: path.join(stateDir, 'serve', config.project),
      configFile: path.relative(repository, config.configFile).split(path.sep).join('/'),
    },
    execute: await createWorkExecutor({ repository, env: options.env, log: options.log }),
    log: options.log,
    ...(options.onJob ? { onJob: options.onJob } : {}),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
      throw new SlipwayError('PORT_IN_USE', `cannot listen on ${options.bind}:${options.port} (${error.code})`, {
        fix: 'choose another --port, or stop what listens there',
        cause: error,
      });
    }
    throw error;
  });
  // webhookSecrets holds only the configured forges, gitlab first
  const routes = Object.keys(secrets).map((forge) => `POST /webhooks/${forge}`);
  options.log(`listening on ${server.url}: ${routes.join(', ')} (project ${config.project})`);
  return server;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'receive GitLab and GitHub webhooks: preview environments up on merge requests, down when they close',
  usage: 'slipway serve [--port <n>] [--bind <address>]',
  description: [
    'Run it in a clone of the project (its default branch) on a host with the Docker engine and registry access.',
    'Merge request (GitLab) or pull request (GitHub) opened, reopened or given new commits: fetch the branch from',
    'origin into a checkout of its own, `slipway build --push` (reusing the images the pipeline already pushed) and',
    '`slipway env up <branch>`. Closed, merged, or its branch deleted: `slipway env down <branch>`, from the default',
    "branch's files, so a merged branch never leaks its environment even when no pipeline job runs. Work for one",
    'environment is queued and runs one job at a time. Requests from forks are ignored (their code would run here).',
    '',
    'Webhook URLs: POST /webhooks/gitlab (X-Gitlab-Token) and POST /webhooks/github (X-Hub-Signature-256).',
    'Secrets from the environment only: SLIPWAY_WEBHOOK_SECRET, or SLIPWAY_GITLAB_WEBHOOK_SECRET and',
    'SLIPWAY_GITHUB_WEBHOOK_SECRET per forge. Replies: 202 queued, 200 ignored, 400 bad JSON or payload,',
    '401 bad secret, 413 body over 2 MiB. GET /healthz. SIGTERM or SIGINT: stop accepting, finish every queued job.',
  ].join('\n'),
  flags: {
    port: { type: 'string', value: '<n>', description: `port to listen on (default ${DEFAULT_SERVE_PORT}; 0: any)` },
    bind: {
      type: 'string',
      value: '<address>',
      description: 'address to listen on (default 127.0.0.1; put a TLS reverse proxy in front)',
    },
  },
  async run(command) {
    const { SlipwayError } = await import('../core/errors.js');
    const portFlag = (command.flags.port as string | undefined) ?? String(DEFAULT_SERVE_PORT);
    const port = Number(portFlag);
    const fix = 'slipway serve [--port <n>] [--bind <address>] (secrets come from SLIPWAY_WEBHOOK_SECRET)';
    if (command.positionals.length > 0)
      throw new SlipwayError('USAGE', `serve takes no arguments, got ${JSON.stringify(command.positionals[0])}`, {
        fix,
      });
    if (!/^\d+$/.test(portFlag) || port > 65_535)
      throw new SlipwayError('USAGE', `--port ${portFlag}: expected a port number (0-65535)`, { fix });
    const server = await startServe({
      cwd: command.cwd,
      env: command.env,
      ...(typeof command.flags.config === 'string' ? { configFile: command.flags.config } : {}),
      port,
      bind: (command.flags.bind as string | undefined) ?? '127.0.0.1',
      log: (line) => command.out.info(line),
    });
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const stop = (received: NodeJS.Signals) => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        resolve(received);
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
    command.out.info(`${signal}: stopping; ${server.pending()} job(s) to finish first`);
    await server.close();
    command.out.info('stopped');
    return 0;
  },
};

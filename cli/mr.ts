// `slipway mr report`: one merge-request comment (edited on every push) with the gate, previews, k6 and builds,
// plus a commit status or check run with the gate's annotations, and a deployment record per preview.
import type { DeploymentResult } from '../platforms/types.js';
import type { CliCommand, CommandContext } from './command.js';

async function project(command: CommandContext): Promise<{ name: string; root: string }> {
  const { findConfigFile, loadConfig } = await import('../config/load.js');
  const configFile = typeof command.flags.config === 'string' ? command.flags.config : undefined;
  if (configFile || findConfigFile(command.cwd)) {
    const config = await loadConfig({ cwd: command.cwd, ...(configFile ? { configFile } : {}) });
    return { name: config.project, root: config.root };
  }
  const { run } = await import('../core/exec.js');
  const top = await run({ file: 'git', args: ['rev-parse', '--show-toplevel'], cwd: command.cwd, env: command.env });
  const path = await import('node:path');
  const root = top.code === 0 ? top.stdout.trim() : command.cwd;
  return { name: path.basename(root), root };
}

async function headCommit(command: CommandContext): Promise<string | undefined> {
  const { run } = await import('../core/exec.js');
  const head = await run({ file: 'git', args: ['rev-parse', '--verify', '--quiet', 'HEAD'], cwd: command.cwd });
  return head.code === 0 ? head.stdout.trim() : undefined;
}

function describeInput(input: { kind: string; source?: string; looked?: string[] }): string {
  if (input.kind === 'absent') return `not found (${input.looked?.join(', ')})`;
  return `${input.source}${input.kind === 'error' ? ' (the step failed)' : ''}`;
}

export const mrReportCommand: CliCommand = {
  name: 'mr report',
  summary: 'one merge-request comment (edited, never duplicated), a status or check run, and deployment records',
  usage:
    'slipway mr report [--platform gitlab|github|local] [--gate f] [--loadtest f] [--build f] [--env f...] [--dry-run] [--json]',
  description: [
    'Gathers what earlier steps wrote: the gate verdict (`slipway gate --json`, default .slipway/gate/gate.json),',
    'the load test (.slipway/loadtest/report.json), the build (.slipway/build.json) and the previews',
    '(`slipway env up --json`, default .slipway/preview.json). A default file that is absent shows as "not run".',
    'It upserts one comment on the merge request, found again by a hidden marker per project; sets a commit status',
    '(GitLab) or a check run with one annotation per failed place, 50 per request (GitHub); and records a deployment',
    'of each preview with its URL. The platform comes from the CI variables (GITLAB_CI, GITHUB_ACTIONS), else local',
    '(files under .slipway/platform/). Tokens: SLIPWAY_GITLAB_TOKEN (else CI_JOB_TOKEN), SLIPWAY_GITHUB_TOKEN (else',
    'GITHUB_TOKEN); they are read from the environment only and never printed. The exit code is 0 whatever the',
    'verdict: the gate and load-test jobs fail the pipeline themselves.',
  ].join('\n'),
  flags: {
    platform: { type: 'string', value: '<name>', description: 'gitlab, github or local (default: detected)' },
    gate: { type: 'string', value: '<file>', description: 'the output of `slipway gate --json`' },
    loadtest: { type: 'string', value: '<file>', description: 'the report.json `slipway loadtest` wrote' },
    build: { type: 'string', value: '<file>', description: 'the build manifest, or `slipway build --json` output' },
    env: {
      type: 'string',
      multiple: true,
      value: '<file>',
      description: 'the output of `slipway env up --json` (or `env ls --json`)',
    },
    'dry-run': { type: 'boolean', description: 'print the comment, status and deployments; contact nothing' },
  },
  async run(command) {
    const { SlipwayError } = await import('../core/errors.js');
    if (command.positionals.length > 0) {
      throw new SlipwayError('USAGE', `mr report takes no arguments, got "${command.positionals.join(' ')}"`, {
        fix: 'slipway mr report [--gate f] [--loadtest f] [--build f] [--env f]',
      });
    }
    const { flags, out } = command;
    const [{ readMrInputs }, { planMrReport }, { COMMENT_LIMITS, createPlatform, detectPlatform }] = await Promise.all([
      import('../pipelines/mr-inputs.js'),
      import('../pipelines/mr-report.js'),
      import('../platforms/detect.js'),
    ]);
    const requested = typeof flags.platform === 'string' ? flags.platform : undefined;
    const choice = detectPlatform(command.env, requested);
    const { name: projectName, root } = await project(command);
    const inputs = await readMrInputs(root, command.cwd, {
      ...(typeof flags.gate === 'string' ? { gate: flags.gate } : {}),
      ...(typeof flags.loadtest === 'string' ? { loadtest: flags.loadtest } : {}),
      ...(typeof flags.build === 'string' ? { build: flags.build } : {}),
      ...(Array.isArray(flags.env) ? { env: flags.env } : {}),
    });
    const sources = {
      gate: describeInput(inputs.gate),
      loadtest: describeInput(inputs.loadtest),
      build: describeInput(inputs.build),
      env: describeInput(inputs.environments),
    };
    for (const [kind, source] of Object.entries(sources)) out.info(`${kind}: ${source}`);

    if (flags['dry-run'] === true) {
      const plan = planMrReport(
        { project: projectName, sha: await headCommit(command), runUrl: undefined, ...inputs },
        { maxLength: COMMENT_LIMITS[choice.name] },
      );
      out.result({ dryRun: true, platform: choice.name, because: choice.because, inputs: sources, plan }, () =>
        [
          `dry run: would report to ${choice.name} (${choice.because})`,
          `status: ${plan.state} (${plan.title}), ${plan.annotations.length} annotations`,
          ...plan.deployments.map((d) => `deployment: ${d.environment} ${d.url}`),
          '',
          plan.body,
        ].join('\n'),
      );
      return 0;
    }

    const platform = await createPlatform({
      env: command.env,
      cwd: command.cwd,
      root,
      ...(requested ? { requested } : {}),
      info: (line) => out.info(line),
    });
    const facts = platform.facts;
    const sha = facts.sha ?? (await headCommit(command));
    const plan = planMrReport(
      { project: projectName, sha, runUrl: facts.runUrl, ...inputs },
      { maxLength: COMMENT_LIMITS[platform.name] },
    );
    const changeRequest = await platform.changeRequest(facts.ref);
    let comment: Awaited<ReturnType<typeof platform.upsertComment>> | null = null;
    if (changeRequest) {
      comment = await platform.upsertComment(changeRequest, plan.marker, plan.body);
      out.info(`comment ${comment.action} on ${platform.name === 'github' ? '#' : '!'}${changeRequest.number}`);
    } else out.warn(`no open merge request for ${facts.ref ?? 'this commit'}: no comment written`);

    let status: Awaited<ReturnType<typeof platform.reportStatus>> | null = null;
    if (sha) {
      status = await platform.reportStatus({
        sha,
        name: `slipway/${projectName}`,
        state: plan.state,
        title: plan.title,
        summary: plan.body.slice(plan.marker.length).trimStart(),
        annotations: plan.annotations,
        targetUrl: facts.runUrl,
      });
    } else out.warn('no commit to set a status on (not a git checkout, no CI commit variable)');

    const deployments: DeploymentResult[] = [];
    for (const d of plan.deployments) {
      if (!sha) break;
      deployments.push(
        await platform.recordDeployment({
          environment: d.environment,
          slug: d.slug,
          branch: d.branch,
          url: d.url,
          sha,
          ref: facts.ref ?? d.branch,
          tag: facts.tag,
          transient: true,
          logUrl: facts.runUrl,
        }),
      );
    }

    const result = {
      platform: platform.name,
      because: choice.because,
      project: projectName,
      sha: sha ?? null,
      changeRequest: changeRequest ?? null,
      state: plan.state,
      title: plan.title,
      inputs: sources,
      comment,
      status,
      annotations: plan.annotations.length,
      deployments,
      shortened: plan.shortened,
    };
    out.result(result, () =>
      [
        `reported to ${platform.name} (${choice.because}): ${plan.state}, ${plan.title}`,
        comment
          ? `  comment ${comment.action}${comment.url ? `: ${comment.url}` : ` (${comment.id})`}`
          : '  no comment (no open merge request)',
        status
          ? `  ${platform.name === 'github' ? 'check run' : 'status'} slipway/${projectName} on ${sha!.slice(0, 12)}${platform.name === 'github' ? `: ${status.annotations} annotations in ${status.requests} requests` : ''}`
          : '  no status (no commit)',
        ...deployments.map((d) => `  deployment ${d.environment}: ${d.url}`),
      ].join('\n'),
    );
    return 0;
  },
};

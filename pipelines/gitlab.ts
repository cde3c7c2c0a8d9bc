// Renders the pipeline model as a .gitlab-ci.yml: rules per trigger, review apps with on_stop, resource groups, reports.
import { stringify } from 'yaml';
import { GENERATED_HEADER, usedStages, type PipelineJob, type PipelineModel, type Trigger } from './model.js';
import { shellLine, urlLine, type ShellDialect } from './shell.js';

const DIALECT: ShellDialect = {
  variable: { branch: 'CI_COMMIT_REF_NAME', 'target-branch': 'CI_MERGE_REQUEST_TARGET_BRANCH_NAME' },
};

// merge-request-closed: the stop job is started by GitLab itself (on_stop: MR closed or merged, branch deleted,
// auto_stop_in), so it exists in the merge-request pipeline as a manual job
const CONDITIONS: Record<Trigger, string> = {
  'merge-request': '$CI_PIPELINE_SOURCE == "merge_request_event"',
  'merge-request-closed': '$CI_PIPELINE_SOURCE == "merge_request_event"',
  'default-branch': '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"',
  'release-tag': '$CI_COMMIT_TAG =~ /^v\\d+\\.\\d+\\.\\d+/',
  schedule: '$CI_PIPELINE_SOURCE == "schedule"',
};

const ENV_FILE = '.slipway/environment.env';
// GitLab takes `url: $VARIABLE` from a dotenv report, but its schema wants a URI with a scheme: the previews'
// router serves plain HTTP, so the variable carries the rest (host, port, path)
const URL_VARIABLE = 'SLIPWAY_ENVIRONMENT_ADDRESS';
const DEFAULT_CHECKOUT_DIR = '"$SLIPWAY_DEFAULT_CHECKOUT"';

function rules(job: PipelineJob): Record<string, unknown>[] {
  return job.rules.map((rule) => {
    const manual = rule.when === 'manual' || rule.on === 'merge-request-closed';
    // a manual job that may fail keeps the pipeline green until someone runs it
    return { if: CONDITIONS[rule.on], ...(manual ? { when: 'manual', allow_failure: true } : {}) };
  });
}

function script(job: PipelineJob): string[] {
  const lines: string[] = [];
  if (job.checkout === 'default-branch') {
    // GIT_STRATEGY none: the branch (and its commit) may be gone; the default branch has the config and lockfile
    lines.push(
      'SLIPWAY_DEFAULT_CHECKOUT="$(mktemp -d)"',
      `git clone --depth 1 --branch "$CI_DEFAULT_BRANCH" "$CI_REPOSITORY_URL" ${DEFAULT_CHECKOUT_DIR}`,
      `cd ${DEFAULT_CHECKOUT_DIR}`,
      'npm ci',
    );
  }
  lines.push(...job.commands.map((command) => shellLine(command, DIALECT)));
  const url = job.environment?.url;
  if (url) lines.push(urlLine(url.file, url.component, URL_VARIABLE, ENV_FILE, 'address'));
  return lines;
}

function environment(job: PipelineJob): Record<string, unknown> | undefined {
  const env = job.environment;
  if (!env) return undefined;
  return {
    name: env.kind === 'preview' ? `${env.name}/$CI_COMMIT_REF_SLUG` : env.name,
    ...(env.action === 'stop' ? { action: 'stop' } : {}),
    ...(env.url ? { url: `http://$${URL_VARIABLE}` } : {}),
    ...(env.stopJob ? { on_stop: env.stopJob } : {}),
    ...(env.autoStopIn ? { auto_stop_in: env.autoStopIn } : {}),
  };
}

function artifacts(job: PipelineJob): Record<string, unknown> | undefined {
  const reports: Record<string, string> = {};
  const paths = [...job.artifacts];
  for (const report of job.reports) {
    if (report.kind === 'codequality') reports.codequality = report.path;
    else if (report.kind === 'junit') reports.junit = report.path;
    else if (report.kind === 'load-performance') reports.load_performance = report.path;
    // SARIF and Markdown have no GitLab report type: kept for the merge-request report
    else paths.push(report.path);
  }
  if (job.environment?.url) reports.dotenv = ENV_FILE;
  if (paths.length === 0 && Object.keys(reports).length === 0) return undefined;
  return {
    // reports matter most when the job failed
    ...(job.reports.length > 0 ? { when: 'always' } : {}),
    ...(Object.keys(reports).length > 0 ? { reports } : {}),
    ...(paths.length > 0 ? { paths } : {}),
    expire_in: '1 week',
  };
}

function renderJob(job: PipelineJob): Record<string, unknown> {
  const variables: Record<string, string> = {};
  if (job.checkout === 'full-history') variables.GIT_DEPTH = '0';
  if (job.checkout === 'default-branch') variables.GIT_STRATEGY = 'none';
  const rendered: Record<string, unknown> = {
    stage: job.stage,
    rules: rules(job),
    needs: job.needs.map((n) => ({ job: n.job, artifacts: n.artifacts, ...(n.optional ? { optional: true } : {}) })),
  };
  if (Object.keys(variables).length > 0) rendered.variables = variables;
  if (job.checkout === 'default-branch') rendered.before_script = [];
  rendered.script = script(job);
  const env = environment(job);
  if (env) rendered.environment = env;
  if (job.lock) rendered.resource_group = job.lock.perBranch ? `${job.lock.name}/$CI_COMMIT_REF_SLUG` : job.lock.name;
  const files = artifacts(job);
  if (files) rendered.artifacts = files;
  return rendered;
}

/** The pipeline as a GitLab CI document (plain data, ready for YAML). */
export function gitlabDocument(model: PipelineModel): Record<string, unknown> {
  const document: Record<string, unknown> = {
    workflow: {
      rules: [
        { if: CONDITIONS['merge-request'] },
        { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' },
        { if: CONDITIONS['release-tag'] },
        { if: CONDITIONS.schedule },
      ],
    },
    stages: usedStages(model),
    variables: { npm_config_cache: '$CI_PROJECT_DIR/.npm' },
    default: {
      image: `node:${model.node}-bookworm`,
      before_script: ['npm ci'],
      cache: { key: { files: ['package-lock.json'] }, paths: ['.npm/'] },
    },
  };
  for (const job of model.jobs) document[job.id] = renderJob(job);
  return document;
}

export function renderGitlab(model: PipelineModel): string {
  const header = [
    `# ${GENERATED_HEADER}`,
    `# ${model.project}: build, gate and preview on merge requests; deploy and promote from ${'$CI_DEFAULT_BRANCH'};`,
    '# tag pipelines (v<x.y.z>) only promote. env-gc runs in scheduled pipelines: create a schedule',
    `# (${model.gcSchedule}) under Build > Pipeline schedules. Jobs need a Docker engine and registry access.`,
  ];
  return `${header.join('\n')}\n${stringify(gitlabDocument(model), { lineWidth: 0 })}`;
}

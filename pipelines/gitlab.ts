// Renders the pipeline model as a .gitlab-ci.yml: rules per trigger, review apps with on_stop, resource groups, reports.
import path from 'node:path';
import { stringify } from 'yaml';
import {
  GENERATED_HEADER,
  SLIPWAY_BIN,
  usedStages,
  usesSlipway,
  type PipelineJob,
  type PipelineModel,
  type Trigger,
} from './model.js';
import { shellLine, shellQuote, urlLine, type ShellDialect } from './shell.js';

const DIALECT: ShellDialect = {
  variable: {
    branch: 'CI_COMMIT_REF_NAME',
    'target-branch': 'CI_MERGE_REQUEST_TARGET_BRANCH_NAME',
    commit: 'CI_COMMIT_SHA',
  },
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

/** The dotenv report, beside the command's `--json` result (a folder the job made). */
function envFile(url: { file: string }): string {
  return path.posix.join(path.posix.dirname(url.file), 'environment.env');
}
// GitLab takes `url: $VARIABLE` from a dotenv report, but its schema wants a URI with a scheme: the previews'
// router serves plain HTTP, so the variable carries the rest (host, port, path)
const URL_VARIABLE = 'SLIPWAY_ENVIRONMENT_ADDRESS';
const DEFAULT_CHECKOUT_DIR = '"$SLIPWAY_DEFAULT_CHECKOUT"';

function rules(job: PipelineJob): Record<string, unknown>[] | undefined {
  // no rules: the job runs in every pipeline
  if (job.rules.length === 0) return undefined;
  return job.rules.map((rule) => {
    const manual = rule.when === 'manual' || rule.on === 'merge-request-closed';
    // a manual job that may fail keeps the pipeline green until someone runs it
    if (manual) return { if: CONDITIONS[rule.on], when: 'manual', allow_failure: true };
    // `always`: it runs after the jobs it needs whatever became of them
    return { if: CONDITIONS[rule.on], ...(rule.when === 'always' ? { when: 'always' } : {}) };
  });
}

function script(job: PipelineJob, model: PipelineModel): string[] {
  const lines: string[] = [];
  if (job.checkout === 'default-branch') {
    // GIT_STRATEGY none: the branch (and its commit) may be gone; the default branch has the config and lockfile
    lines.push(
      'SLIPWAY_DEFAULT_CHECKOUT="$(mktemp -d)"',
      `git clone --depth 1 --branch "$CI_DEFAULT_BRANCH" "$CI_REPOSITORY_URL" ${DEFAULT_CHECKOUT_DIR}`,
      `cd ${DEFAULT_CHECKOUT_DIR}`,
      ...(model.lockfile && !job.ownSetup ? ['npm ci'] : []),
    );
  }
  lines.push(...job.commands.map((command) => shellLine(command, DIALECT)));
  const url = job.environment?.url;
  if (url) lines.push(urlLine(url.file, url.component, URL_VARIABLE, shellQuote(envFile(url)), 'address'));
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
  if (job.environment?.url) reports.dotenv = envFile(job.environment.url);
  if (paths.length === 0 && Object.keys(reports).length === 0) return undefined;
  return {
    // reports matter most when the job failed, and the merge-request report reads the failed step's output
    ...(job.reports.length > 0 || job.artifacts.length > 0 ? { when: 'always' } : {}),
    ...(Object.keys(reports).length > 0 ? { reports } : {}),
    ...(paths.length > 0 ? { paths } : {}),
    expire_in: '1 week',
  };
}

/** Whether the default `before_script` runs `npm ci`: a lockfile, and some job that does not install by itself. */
function installs(model: PipelineModel): boolean {
  return model.lockfile && model.jobs.some((job) => !job.ownSetup && job.checkout !== 'default-branch');
}

function cache(model: PipelineModel, extra: string[] = []): Record<string, unknown> {
  return { key: model.lockfile ? { files: ['package-lock.json'] } : 'npm', paths: ['.npm/', ...extra] };
}

function renderJob(job: PipelineJob, model: PipelineModel): Record<string, unknown> {
  const variables: Record<string, string> = {};
  if (job.checkout === 'full-history') variables.GIT_DEPTH = '0';
  if (job.checkout === 'default-branch') variables.GIT_STRATEGY = 'none';
  for (const [name, relative] of Object.entries(job.workspacePaths ?? {}))
    variables[name] = `$CI_PROJECT_DIR/${relative}`;
  const rendered: Record<string, unknown> = { stage: job.stage };
  if (job.runnerTags?.length) rendered.tags = job.runnerTags;
  const jobRules = rules(job);
  if (jobRules) rendered.rules = jobRules;
  rendered.needs = job.needs.map((n) => ({
    job: n.job,
    artifacts: n.artifacts,
    ...(n.optional ? { optional: true } : {}),
  }));
  if (Object.keys(variables).length > 0) rendered.variables = variables;
  // a job's cache replaces the default one: it keeps npm's cache too
  if (job.cache?.length) rendered.cache = cache(model, job.cache);
  if (installs(model) && (job.checkout === 'default-branch' || job.ownSetup)) rendered.before_script = [];
  rendered.script = script(job, model);
  const env = environment(job);
  if (env) rendered.environment = env;
  if (job.lock) rendered.resource_group = job.lock.perBranch ? `${job.lock.name}/$CI_COMMIT_REF_SLUG` : job.lock.name;
  const files = artifacts(job);
  if (files) rendered.artifacts = files;
  return rendered;
}

/** The pipeline as a GitLab CI document (plain data, ready for YAML). */
export function gitlabDocument(model: PipelineModel): Record<string, unknown> {
  const document: Record<string, unknown> = {};
  // a job meant for every pipeline must not have its pipelines filtered out
  if (model.jobs.every((job) => job.rules.length > 0)) {
    document.workflow = {
      rules: [
        { if: CONDITIONS['merge-request'] },
        { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' },
        { if: CONDITIONS['release-tag'] },
        { if: CONDITIONS.schedule },
      ],
    };
  }
  document.stages = usedStages(model);
  document.variables = {
    npm_config_cache: '$CI_PROJECT_DIR/.npm',
    // a CI/CD variable of the project (or --variable in gitlab-ci-local) overrides this default
    ...(usesSlipway(model) ? { [SLIPWAY_BIN]: model.slipwayCommand } : {}),
  };
  document.default = {
    image: `node:${model.node}-bookworm`,
    ...(installs(model) ? { before_script: ['npm ci'] } : {}),
    ...(model.jobs.every((job) => job.cache?.length) ? {} : { cache: cache(model) }),
  };
  for (const job of model.jobs) document[job.id] = renderJob(job, model);
  return document;
}

export function renderGitlab(model: PipelineModel): string {
  const header = [
    `# ${GENERATED_HEADER}`,
    ...(
      model.header ?? [
        `${model.project}: build, gate and preview on merge requests; deploy and promote from ${'$CI_DEFAULT_BRANCH'};`,
        'tag pipelines (v<x.y.z>) only promote. env-gc runs in scheduled pipelines: create a schedule',
        `(${model.gcSchedule}) under Build > Pipeline schedules. Jobs need a Docker engine and registry access;`,
        `${SLIPWAY_BIN} (default: ${model.slipwayCommand}) is the command line that runs slipway.`,
        ...(model.jobs.some((job) => job.forge)
          ? [
              'Tokens: mr-report (merge-request comment, commit status, deployments) and env-gc (open merge requests)',
              'need a project access token with the api scope as the masked CI/CD variable SLIPWAY_GITLAB_TOKEN;',
              'CI_JOB_TOKEN cannot write notes or statuses. The release job (manual) pushes tags, as gate-baseline',
              'pushes its ref: let the job token push to the repository (Settings > CI/CD > Job token permissions).',
            ]
          : []),
      ]
    ).map((line) => `# ${line}`),
  ];
  return `${header.join('\n')}\n${stringify(gitlabDocument(model), { lineWidth: 0 })}`;
}

// Renders the pipeline model as a GitHub Actions workflow: event conditions, concurrency groups, SARIF upload.
import path from 'node:path';
import { stringify } from 'yaml';
import {
  GENERATED_HEADER,
  SLIPWAY_BIN,
  usesSlipway,
  type JobRule,
  type PipelineJob,
  type PipelineModel,
  type Trigger,
} from './model.js';
import { shellLine, urlLine, type ShellDialect } from './shell.js';

// branch names come from the pull request's author: they reach scripts as environment variables, never as ${{ }}
const BRANCH = '${{ github.head_ref || github.ref_name }}';
const DIALECT: ShellDialect = {
  variable: { branch: 'SLIPWAY_BRANCH', 'target-branch': 'SLIPWAY_TARGET_BRANCH', commit: 'GITHUB_SHA' },
};

function condition(trigger: Trigger, model: PipelineModel): string {
  switch (trigger) {
    case 'merge-request':
      return "(github.event_name == 'pull_request' && github.event.action != 'closed')";
    case 'merge-request-closed':
      return "(github.event_name == 'pull_request' && github.event.action == 'closed')";
    case 'default-branch':
      return `(github.event_name == 'push' && github.ref == 'refs/heads/${model.defaultBranch}')`;
    case 'release-tag':
      return "(github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v'))";
    case 'schedule':
      return "(github.event_name == 'schedule')";
  }
}

/** A manual job without an environment to approve: it runs when someone starts the workflow (workflow_dispatch). */
function dispatched(job: PipelineJob, rule: JobRule): boolean {
  return rule.when === 'manual' && rule.on === 'default-branch' && job.environment === undefined;
}

function ruleCondition(job: PipelineJob, rule: JobRule, model: PipelineModel): string {
  if (dispatched(job, rule))
    return `(github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/${model.defaultBranch}')`;
  return condition(rule.on, model);
}

function jobCondition(job: PipelineJob, model: PipelineModel): string | undefined {
  // no rules: the job runs on every event of the workflow
  if (job.rules.length === 0) return undefined;
  const triggers = job.rules.map((rule) => ruleCondition(job, rule, model)).join(' || ');
  // it reports on the jobs it needs, failed or skipped; a cancelled run (superseded by a newer push) reports nothing
  if (job.rules.some((rule) => rule.when === 'always')) return `\${{ !cancelled() && (${triggers}) }}`;
  // a needed job skipped on this trigger must not skip this one; a failed or cancelled one still does
  return job.needs.some((n) => n.optional) ? `\${{ !cancelled() && !failure() && (${triggers}) }}` : triggers;
}

function checkout(job: PipelineJob): Record<string, unknown> {
  if (job.checkout === 'full-history') return { uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } };
  if (job.checkout === 'default-branch') {
    // the pull request's branch (and merge ref) may be gone once it is closed
    return { uses: 'actions/checkout@v4', with: { ref: '${{ github.event.repository.default_branch }}' } };
  }
  return { uses: 'actions/checkout@v4' };
}

/** Where an artifact lands: upload-artifact stores paths relative to their common folder. */
function commonDir(files: string[]): string {
  const parts = files.map((file) => path.posix.dirname(file).split('/'));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => p[i] !== undefined && p[i] === parts[0]![i]); i++) common.push(parts[0]![i]!);
  return common.join('/') || '.';
}

function reportSteps(job: PipelineJob): Record<string, unknown>[] {
  const steps: Record<string, unknown>[] = [];
  const exists = (file: string) => `always() && hashFiles('${file}') != ''`;
  for (const report of job.reports) {
    if (report.kind === 'sarif') {
      steps.push({
        name: 'upload the SARIF report',
        if: exists(report.path),
        uses: 'github/codeql-action/upload-sarif@v3',
        with: { sarif_file: report.path, category: `slipway-${job.id}` },
      });
    } else if (report.kind === 'markdown') {
      steps.push({ name: 'job summary', if: exists(report.path), run: `cat ${report.path} >> "$GITHUB_STEP_SUMMARY"` });
    }
  }
  const files = job.reports.filter((r) => r.kind === 'junit' || r.kind === 'load-performance').map((r) => r.path);
  if (files.length > 0) {
    steps.push({
      name: 'keep the reports',
      if: 'always()',
      uses: 'actions/upload-artifact@v4',
      with: { name: `${job.id}-reports`, path: files.join('\n'), 'if-no-files-found': 'ignore' },
    });
  }
  return steps;
}

function steps(job: PipelineJob, model: PipelineModel, jobs: Map<string, PipelineJob>): Record<string, unknown>[] {
  const list: Record<string, unknown>[] = [
    checkout(job),
    // setup-node's npm cache is keyed on the lockfile and fails without one
    {
      uses: 'actions/setup-node@v4',
      with: { 'node-version': model.node, ...(model.lockfile ? { cache: 'npm' } : {}) },
    },
  ];
  if (job.cache?.length) {
    list.push({
      uses: 'actions/cache@v4',
      with: {
        path: job.cache.join('\n'),
        key: `slipway-${job.id}-\${{ runner.os }}-\${{ hashFiles('package-lock.json') }}`,
      },
    });
  }
  if (model.lockfile && !job.ownSetup) list.push({ run: 'npm ci' });
  for (const need of job.needs.filter((n) => n.artifacts)) {
    const files = jobs.get(need.job)?.artifacts ?? [];
    if (files.length === 0) continue;
    list.push({
      uses: 'actions/download-artifact@v4',
      // a needed job that did not run (or failed before uploading) left no artifact: its step shows as not run
      ...(need.optional ? { 'continue-on-error': true } : {}),
      with: { name: need.job, path: commonDir(files) },
    });
  }
  const url = job.environment?.url;
  list.push({
    ...(url ? { id: 'slipway' } : {}),
    name: job.title,
    run: [
      ...job.commands.map((command) => shellLine(command, DIALECT)),
      ...(url ? [urlLine(url.file, url.component, 'url', '"$GITHUB_OUTPUT"', 'url')] : []),
    ].join('\n'),
  });
  if (job.artifacts.length > 0) {
    // a failed step's output (its error as JSON) is what the merge-request report shows
    list.push({
      if: 'always()',
      uses: 'actions/upload-artifact@v4',
      with: { name: job.id, path: job.artifacts.join('\n') },
    });
  }
  return [...list, ...reportSteps(job)];
}

function jobName(job: PipelineJob, model: PipelineModel): string {
  if (job.rules.some((rule) => dispatched(job, rule)))
    return `${job.title} (run the workflow on ${model.defaultBranch})`;
  if (job.rules.some((r) => r.when === 'manual'))
    return `${job.title} (protect the ${job.environment?.name ?? 'target'} environment to approve it)`;
  return job.title;
}

function permissions(job: PipelineJob): Record<string, string> | undefined {
  const granted: Record<string, string> = {};
  if (job.reports.some((r) => r.kind === 'sarif')) granted['security-events'] = 'write';
  for (const scope of job.forge?.read ?? []) granted[scope] = 'read';
  for (const scope of job.forge?.write ?? []) granted[scope] = 'write';
  if (Object.keys(granted).length === 0) return undefined;
  return { contents: 'read', ...granted };
}

function renderJob(job: PipelineJob, model: PipelineModel, jobs: Map<string, PipelineJob>): Record<string, unknown> {
  const condition = jobCondition(job, model);
  const rendered: Record<string, unknown> = {
    name: jobName(job, model),
    ...(condition ? { if: condition } : {}),
    'runs-on': job.runnerTags?.length ? ['self-hosted', ...job.runnerTags] : 'ubuntu-latest',
  };
  const env: Record<string, string> = Object.fromEntries(
    Object.entries(job.workspacePaths ?? {}).map(([name, relative]) => [name, `\${{ github.workspace }}/${relative}`]),
  );
  // the token slipway's platform adapter reads (a repository secret SLIPWAY_GITHUB_TOKEN would win over it)
  if (job.forge) env.GITHUB_TOKEN = '${{ secrets.GITHUB_TOKEN }}';
  if (Object.keys(env).length > 0) rendered.env = env;
  if (job.needs.length > 0) rendered.needs = job.needs.map((n) => n.job);
  const granted = permissions(job);
  if (granted) rendered.permissions = granted;
  const environment = job.environment;
  // GitHub has no stop action: the closed-pull-request job removes the environment without deploying to it
  if (environment && environment.action === 'start') {
    rendered.environment = {
      name: environment.kind === 'preview' ? `${environment.name}/${BRANCH}` : environment.name,
      ...(environment.url ? { url: '${{ steps.slipway.outputs.url }}' } : {}),
    };
  }
  if (job.lock) {
    rendered.concurrency = {
      group: job.lock.perBranch ? `slipway-${job.lock.name}-${BRANCH}` : `slipway-${job.lock.name}`,
      'cancel-in-progress': false,
    };
  }
  rendered.steps = steps(job, model, jobs);
  return rendered;
}

/** The pipeline as a GitHub Actions workflow (plain data, ready for YAML). */
export function githubDocument(model: PipelineModel): Record<string, unknown> {
  const jobs = new Map(model.jobs.map((job) => [job.id, job]));
  const dispatch = model.jobs.some((job) => job.rules.some((rule) => dispatched(job, rule)));
  return {
    name: 'slipway',
    on: {
      pull_request: { types: ['opened', 'synchronize', 'reopened', 'closed'] },
      push: { branches: [model.defaultBranch], tags: ['v*.*.*'] },
      schedule: [{ cron: model.gcSchedule }],
      // Actions > slipway > Run workflow, on the default branch: the manual jobs without an environment
      ...(dispatch ? { workflow_dispatch: {} } : {}),
    },
    permissions: { contents: 'read' },
    env: {
      SLIPWAY_BRANCH: BRANCH,
      SLIPWAY_TARGET_BRANCH: '${{ github.base_ref }}',
      // a repository variable SLIPWAY_BIN overrides the default
      ...(usesSlipway(model) ? { [SLIPWAY_BIN]: `\${{ vars.${SLIPWAY_BIN} || '${model.slipwayCommand}' }}` } : {}),
    },
    jobs: Object.fromEntries(model.jobs.map((job) => [job.id, renderJob(job, model, jobs)])),
  };
}

export function renderGithub(model: PipelineModel): string {
  const header = [
    `# ${GENERATED_HEADER}`,
    ...(
      model.header ?? [
        `${model.project}: build, gate and preview on pull requests; deploy and promote from ${model.defaultBranch};`,
        'tags v<x.y.z> only promote. GitHub has no manual jobs: require reviewers on the environments promoted to;',
        `the release job runs when the workflow is started by hand (Run workflow) on ${model.defaultBranch}. Jobs need a`,
        'Docker engine and registry access (a self-hosted runner, or set runs-on); the repository variable',
        `${SLIPWAY_BIN} (default: ${model.slipwayCommand}) is the command line that runs slipway. Jobs talking to GitHub`,
        'get GITHUB_TOKEN with only the permissions they need. A tag pushed with it starts no workflow run (GitHub',
        "prevents that): after a release, promote from the default branch's run.",
      ]
    ).map((line) => `# ${line}`),
  ];
  return `${header.join('\n')}\n${stringify(githubDocument(model), { lineWidth: 0 })}`;
}

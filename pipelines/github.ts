// Renders the pipeline model as a GitHub Actions workflow: event conditions, concurrency groups, SARIF upload.
import path from 'node:path';
import { stringify } from 'yaml';
import { GENERATED_HEADER, type PipelineJob, type PipelineModel, type Trigger } from './model.js';
import { shellLine, urlLine, type ShellDialect } from './shell.js';

// branch names come from the pull request's author: they reach scripts as environment variables, never as ${{ }}
const BRANCH = '${{ github.head_ref || github.ref_name }}';
const DIALECT: ShellDialect = { variable: { branch: 'SLIPWAY_BRANCH', 'target-branch': 'SLIPWAY_TARGET_BRANCH' } };

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

function jobCondition(job: PipelineJob, model: PipelineModel): string {
  const triggers = job.rules.map((rule) => condition(rule.on, model)).join(' || ');
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
    { uses: 'actions/setup-node@v4', with: { 'node-version': model.node, cache: 'npm' } },
    { run: 'npm ci' },
  ];
  for (const need of job.needs.filter((n) => n.artifacts)) {
    const files = jobs.get(need.job)?.artifacts ?? [];
    if (files.length === 0) continue;
    list.push({ uses: 'actions/download-artifact@v4', with: { name: need.job, path: commonDir(files) } });
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
    list.push({ uses: 'actions/upload-artifact@v4', with: { name: job.id, path: job.artifacts.join('\n') } });
  }
  return [...list, ...reportSteps(job)];
}

function renderJob(job: PipelineJob, model: PipelineModel, jobs: Map<string, PipelineJob>): Record<string, unknown> {
  const rendered: Record<string, unknown> = {
    name: job.rules.some((r) => r.when === 'manual')
      ? `${job.title} (protect the ${job.environment?.name ?? 'target'} environment to approve it)`
      : job.title,
    if: jobCondition(job, model),
    'runs-on': 'ubuntu-latest',
  };
  if (job.needs.length > 0) rendered.needs = job.needs.map((n) => n.job);
  if (job.reports.some((r) => r.kind === 'sarif'))
    rendered.permissions = { contents: 'read', 'security-events': 'write' };
  const env = job.environment;
  // GitHub has no stop action: the closed-pull-request job removes the environment without deploying to it
  if (env && env.action === 'start') {
    rendered.environment = {
      name: env.kind === 'preview' ? `${env.name}/${BRANCH}` : env.name,
      ...(env.url ? { url: '${{ steps.slipway.outputs.url }}' } : {}),
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
  return {
    name: 'slipway',
    on: {
      pull_request: { types: ['opened', 'synchronize', 'reopened', 'closed'] },
      push: { branches: [model.defaultBranch], tags: ['v*.*.*'] },
      schedule: [{ cron: model.gcSchedule }],
    },
    permissions: { contents: 'read' },
    env: { SLIPWAY_BRANCH: BRANCH, SLIPWAY_TARGET_BRANCH: '${{ github.base_ref }}' },
    jobs: Object.fromEntries(model.jobs.map((job) => [job.id, renderJob(job, model, jobs)])),
  };
}

export function renderGithub(model: PipelineModel): string {
  const header = [
    `# ${GENERATED_HEADER}`,
    `# ${model.project}: build, gate and preview on pull requests; deploy and promote from ${model.defaultBranch};`,
    '# tags v<x.y.z> only promote. GitHub has no manual jobs: require reviewers on the environments promoted to.',
    '# Jobs need a Docker engine and registry access (a self-hosted runner, or set runs-on).',
  ];
  return `${header.join('\n')}\n${stringify(githubDocument(model), { lineWidth: 0 })}`;
}

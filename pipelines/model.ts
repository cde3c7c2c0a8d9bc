// The forge-neutral pipeline slipway generates from a config: jobs, triggers, needs, environments, locks and reports.
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve.js';
import { DEFAULT_INPUTS } from './mr-inputs.js';

/** What started the pipeline. `merge-request-closed` is GitHub's `pull_request: closed`; GitLab runs it via `on_stop`. */
export type Trigger = 'merge-request' | 'merge-request-closed' | 'default-branch' | 'release-tag' | 'schedule';

export type StageName =
  'build' | 'test' | 'preview' | 'verify' | 'report' | 'deploy' | 'release' | 'promote' | 'cleanup';

export const STAGES: readonly StageName[] = [
  'build',
  'test',
  'preview',
  'verify',
  'report',
  'deploy',
  'release',
  'promote',
  'cleanup',
];

/** A value only the forge knows; each renderer maps it to its own variable (never pasted into a shell unquoted). */
export type ForgeValue = 'branch' | 'target-branch' | 'commit';

/** `program: slipway` is the slipway command line the project chose (`SLIPWAY_BIN`, default `npx slipway`). */
export type Arg = string | { value: ForgeValue } | { program: 'slipway' };

/** One script line: an argv, optionally with its stdout sent to a file. */
export interface Command {
  argv: Arg[];
  stdout?: string;
}

/**
 * `commit`: the pipeline's commit, shallow. `full-history`: with history (the gate needs the merge-base).
 * `default-branch`: the default branch's files, never the pipeline's ref (which may be deleted by then).
 */
export type Checkout = 'commit' | 'full-history' | 'default-branch';

export type ReportKind = 'codequality' | 'junit' | 'sarif' | 'load-performance' | 'markdown';

export interface Report {
  kind: ReportKind;
  path: string;
}

export interface JobEnvironment {
  kind: 'preview' | 'release';
  /** The release environment's name; `preview` for previews (the renderer adds the branch). */
  name: string;
  action: 'start' | 'stop';
  /** The environment's URL: `urls[component]` of the command's `--json` output written to `file`. */
  url?: { file: string; component: string };
  /** The job that stops this environment (GitLab `on_stop`). */
  stopJob?: string;
  /** GitLab `auto_stop_in`, e.g. `72 hours`; slipway's own TTL, reset by each deployment as slipway's is. */
  autoStopIn?: string;
}

/**
 * Empty `rules` on a job: it runs in every pipeline the forge starts (and the pipeline is not filtered).
 * `always`: it runs even when a job it needs failed or was skipped (it reports on them); not when the run is cancelled.
 * `manual`: someone starts it (GitLab `when: manual`; GitHub: the approval of the job's environment, or, for a job
 * without one, a run of the workflow started by hand on the default branch).
 */
export interface JobRule {
  on: Trigger;
  when: 'auto' | 'manual' | 'always';
}

export interface JobNeed {
  job: string;
  /** Download the needed job's artifacts. */
  artifacts: boolean;
  /** The needed job does not run on every trigger this job runs on. */
  optional: boolean;
}

/** What a job does through the forge's API (platforms/): GitHub grants its token these scopes. */
export type ForgeScope = 'contents' | 'pull-requests' | 'checks' | 'deployments' | 'statuses';

export interface ForgeAccess {
  read: ForgeScope[];
  write: ForgeScope[];
}

export interface PipelineJob {
  id: string;
  stage: StageName;
  title: string;
  rules: JobRule[];
  needs: JobNeed[];
  checkout: Checkout;
  commands: Command[];
  environment?: JobEnvironment;
  /** Jobs holding the same lock never run at once (GitLab `resource_group`, GitHub `concurrency`). */
  lock?: { name: string; perBranch: boolean };
  reports: Report[];
  /** Files passed on to the jobs that need this one. */
  artifacts: string[];
  /** The job's commands install what they need themselves: no `npm ci` before them. */
  ownSetup?: boolean;
  /** Runner labels the job needs (GitLab `tags`; GitHub self-hosted runner labels). */
  runnerTags?: string[];
  /** Folders of the checkout kept from one pipeline to the next, besides npm's cache. */
  cache?: string[];
  /** Environment variables holding an absolute path inside the checkout, by path relative to it. */
  workspacePaths?: Record<string, string>;
  /** The job's slipway command talks to the forge (comments, statuses, deployments, releases, open merge requests). */
  forge?: ForgeAccess;
}

export interface PipelineModel {
  project: string;
  /** Needed by GitHub's `on.push.branches`; GitLab uses `$CI_DEFAULT_BRANCH`. */
  defaultBranch: string;
  /** Node major version the jobs run on. */
  node: string;
  /** Cron for `env gc` (GitHub `on.schedule`; on GitLab a pipeline schedule made in the UI). */
  gcSchedule: string;
  /** The repository root has a package-lock.json: jobs run `npm ci` first and npm's cache is keyed on it. */
  lockfile: boolean;
  /** What `SLIPWAY_BIN` defaults to: the command line that runs slipway in a job. */
  slipwayCommand: string;
  /** Header comment lines after the generated-file line; absent: the renderer describes the slipway pipeline. */
  header?: string[];
  jobs: PipelineJob[];
}

export interface PipelineOptions {
  defaultBranch?: string;
  /** The config file relative to the repository root, when `slipway` would not find it from there. */
  configFile?: string;
  /** The load test's reports folder relative to the repository root; absent: no load-test job. */
  loadtest?: { reportsDir: string };
  gcSchedule?: string;
  /**
   * The repository root has a package-lock.json (default true). Without one, jobs install nothing and run the
   * slipway release that generated the pipeline through npx (`slipwayVersion`).
   */
  lockfile?: boolean;
  /** The generating slipway's version, pinned in `SLIPWAY_BIN` when there is no lockfile to pin it. */
  slipwayVersion?: string;
}

/** The environment variable naming the command line that runs slipway in a job (word-split on purpose). */
export const SLIPWAY_BIN = 'SLIPWAY_BIN';

/** What runs slipway in a job: the project's own devDependency, or (no lockfile) the generating release. */
export function slipwayCommand(options: Pick<PipelineOptions, 'lockfile' | 'slipwayVersion'>): string {
  if (options.lockfile ?? true) return 'npx slipway';
  return `npx --yes slipway${options.slipwayVersion ? `@${options.slipwayVersion}` : ''}`;
}

/** Whether some job runs slipway (and so needs `SLIPWAY_BIN`). */
export function usesSlipway(model: PipelineModel): boolean {
  return model.jobs.some((job) =>
    job.commands.some((command) => command.argv.some((arg) => typeof arg === 'object' && 'program' in arg)),
  );
}

/** Where the gate job writes its reports, by `slipway gate` flag (it writes wherever its flags say). */
export const GATE_REPORTS: Record<'codeclimate' | 'sarif' | 'junit' | 'markdown', string> = {
  codeclimate: '.slipway/gate/gl-code-quality-report.json',
  junit: '.slipway/gate/junit.xml',
  sarif: '.slipway/gate/gate.sarif',
  markdown: '.slipway/gate/gate.md',
};

export const BUILD_MANIFEST = '.slipway/build.json';

/**
 * The files `slipway mr report` reads by default (pipelines/mr-inputs.ts), relative to the project root (the config's
 * folder): the jobs write their results there and pass them on as artifacts.
 */
export const MR_INPUTS = {
  gate: DEFAULT_INPUTS.gate[0]!,
  loadtest: DEFAULT_INPUTS.loadtest[0]!,
  build: DEFAULT_INPUTS.build[0]!,
  preview: DEFAULT_INPUTS.env[0]!,
} as const;

/** A release tag made by `slipway release` for the app (module tags `<module>-v…` promote nothing). */
export const RELEASE_TAG = /^v\d+\.\d+\.\d+/;

function autoStopIn(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} days`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hours`;
  return `${Math.ceil(ms / 60_000)} minutes`;
}

/** The component whose URL stands for the environment: the first front, else the first back. */
function entryComponent(config: ResolvedConfig): string | undefined {
  return (
    config.components.find((c) => c.kind === 'front' && c.port !== undefined)?.id ??
    config.components.find((c) => c.kind === 'back' && c.port !== undefined)?.id
  );
}

function need(job: string, options: { artifacts?: boolean; optional?: boolean } = {}): JobNeed {
  return { job, artifacts: options.artifacts ?? false, optional: options.optional ?? false };
}

function auto(...triggers: Trigger[]): JobRule[] {
  return triggers.map((on) => ({ on, when: 'auto' }));
}

export function planPipeline(config: ResolvedConfig, options: PipelineOptions = {}): PipelineModel {
  const slipway = (...args: Arg[]): Command => ({
    argv: [{ program: 'slipway' }, ...args, ...(options.configFile ? ['--config', options.configFile] : [])],
  });
  // the shell opens the file before slipway runs: its folder must exist (a fresh checkout has no .slipway/)
  const withJson = (command: Command, file: string): Command[] => [
    { argv: ['mkdir', '-p', path.posix.dirname(file)] },
    { argv: [...command.argv, '--json'], stdout: file },
  ];
  // slipway reads and writes its files (the build manifest, what `mr report` reads) under the config's folder; the
  // jobs run at the repository root
  const projectDir = options.configFile ? path.posix.dirname(options.configFile) : '.';
  const inProject = (file: string): string => path.posix.join(projectDir, file);
  const manifest = inProject(BUILD_MANIFEST);
  const gateJson = inProject(MR_INPUTS.gate);
  const previewFile = inProject(MR_INPUTS.preview);
  const entry = entryComponent(config);
  const jobs: PipelineJob[] = [];

  // One build job, not one per component behind `rules:changes`: `slipway build` already rebuilds only the
  // components whose input digest changed (which also sees base images and build args, which paths cannot), and
  // every later job needs a manifest naming every component's digest, which a skipped build would not write.
  jobs.push({
    id: 'build',
    stage: 'build',
    title: 'build changed images',
    rules: auto('merge-request', 'default-branch'),
    needs: [],
    checkout: 'commit',
    commands: [slipway('build', '--push')],
    reports: [],
    artifacts: [manifest],
  });

  jobs.push({
    id: 'gate',
    stage: 'test',
    title: 'quality gate on new code',
    rules: auto('merge-request'),
    needs: [],
    checkout: 'full-history',
    commands: withJson(
      slipway(
        'gate',
        '--base',
        { value: 'target-branch' },
        '--codeclimate',
        GATE_REPORTS.codeclimate,
        '--sarif',
        GATE_REPORTS.sarif,
        '--junit',
        GATE_REPORTS.junit,
        '--markdown',
        GATE_REPORTS.markdown,
      ),
      // the verdict `mr report` reads; on a crash, the error as JSON
      gateJson,
    ),
    reports: [
      { kind: 'codequality', path: GATE_REPORTS.codeclimate },
      { kind: 'sarif', path: GATE_REPORTS.sarif },
      { kind: 'junit', path: GATE_REPORTS.junit },
      { kind: 'markdown', path: GATE_REPORTS.markdown },
    ],
    artifacts: [gateJson],
  });

  // the merge requests' gate compares with this baseline; pushing the ref needs a token with write access
  jobs.push({
    id: 'gate-baseline',
    stage: 'test',
    title: 'record the quality baseline',
    rules: auto('default-branch'),
    needs: [],
    checkout: 'full-history',
    commands: [slipway('gate', '--record', '--push')],
    reports: [],
    artifacts: [],
  });

  jobs.push({
    id: 'preview',
    stage: 'preview',
    title: 'preview environment',
    rules: auto('merge-request'),
    needs: [need('build', { artifacts: true })],
    checkout: 'commit',
    commands: withJson(slipway('env', 'up', { value: 'branch' }), previewFile),
    environment: {
      kind: 'preview',
      name: 'preview',
      action: 'start',
      ...(entry ? { url: { file: previewFile, component: entry } } : {}),
      stopJob: 'preview-stop',
      autoStopIn: autoStopIn(config.preview.ttlMs),
    },
    lock: { name: 'preview', perBranch: true },
    reports: [],
    // the environment's URLs, or the error as JSON when `env up` failed
    artifacts: [previewFile],
  });

  // runs once the branch may be gone: it uses the default branch's files (config, lockfile), never the branch's
  jobs.push({
    id: 'preview-stop',
    stage: 'preview',
    title: 'remove the preview environment',
    rules: auto('merge-request-closed'),
    needs: [],
    checkout: 'default-branch',
    commands: [slipway('env', 'down', { value: 'branch' })],
    environment: { kind: 'preview', name: 'preview', action: 'stop' },
    lock: { name: 'preview', perBranch: true },
    reports: [],
    artifacts: [],
  });

  if (options.loadtest) {
    const dir = options.loadtest.reportsDir;
    jobs.push({
      id: 'loadtest',
      stage: 'verify',
      title: 'load test of the preview environment',
      rules: auto('merge-request'),
      needs: [need('preview')],
      checkout: 'commit',
      commands: [slipway('loadtest', { value: 'branch' })],
      lock: { name: 'preview', perBranch: true },
      reports: [
        { kind: 'junit', path: `${dir}/junit.xml` },
        // k6's --summary-export, the format GitLab's load-performance widget reads (loadtest/plan.ts names it)
        { kind: 'load-performance', path: `${dir}/work/summary-export.json` },
        { kind: 'markdown', path: `${dir}/report.md` },
      ],
      artifacts: [`${dir}/report.json`],
    });
  }

  // after the others, whatever became of them: a failed step shows in the report as failed, a skipped one as not run
  const reported = ['build', 'gate', 'preview', ...(options.loadtest ? ['loadtest'] : [])];
  jobs.push({
    id: 'mr-report',
    stage: 'report',
    title: 'merge-request report: comment, status and preview deployments',
    rules: [{ on: 'merge-request', when: 'always' }],
    needs: reported.map((job) => need(job, { artifacts: true, optional: true })),
    checkout: 'commit',
    commands: [slipway('mr', 'report')],
    forge: { read: [], write: ['pull-requests', 'checks', 'deployments'] },
    reports: [],
    artifacts: [],
  });

  // release environments in config order: the first is deployed from the default branch, each next one is promoted
  // from the one before; a tag pipeline only promotes digests that exist, it never builds
  const releases = Object.keys(config.environments);
  releases.forEach((name, index) => {
    const file = inProject(`.slipway/release-${name}.json`);
    const environment: JobEnvironment = {
      kind: 'release',
      name,
      action: 'start',
      ...(entry ? { url: { file, component: entry } } : {}),
    };
    if (index === 0) {
      jobs.push({
        id: `deploy-${name}`,
        stage: 'deploy',
        title: `deploy to ${name}`,
        rules: auto('default-branch'),
        needs: [need('build', { artifacts: true })],
        checkout: 'commit',
        commands: withJson(slipway('deploy', name), file),
        environment,
        lock: { name: `release-${name}`, perBranch: false },
        reports: [],
        artifacts: [],
      });
      return;
    }
    const from = releases[index - 1]!;
    const previous = index === 1 ? `deploy-${from}` : `promote-${from}`;
    jobs.push({
      id: `promote-${name}`,
      stage: 'promote',
      title: `promote ${from} to ${name}`,
      rules: [
        { on: 'default-branch', when: 'manual' },
        { on: 'release-tag', when: 'auto' },
      ],
      // on a tag pipeline the deploy job does not run: the promotion copies what runs in the previous environment
      needs: [need(previous, { optional: index === 1 })],
      checkout: 'commit',
      // what this pipeline's commit put in `from`, not whatever runs there when the job starts (a later deploy)
      commands: withJson(slipway('promote', from, name, '--commit', { value: 'commit' }), file),
      environment,
      lock: { name: `release-${name}`, perBranch: false },
      reports: [],
      artifacts: [],
    });
  });

  // tags HEAD and publishes the forge releases; a tag pipeline then promotes (the jobs above with `release-tag`)
  const first = releases[0];
  jobs.push({
    id: 'release',
    stage: 'release',
    title: 'tag the release and publish its notes on the forge',
    rules: [{ on: 'default-branch', when: 'manual' }],
    // after the first environment's deploy when there is one; a run without it (GitHub's workflow_dispatch) still tags
    needs: first ? [need(`deploy-${first}`, { optional: true })] : [],
    // the version comes from the commits since the last tag
    checkout: 'full-history',
    commands: [slipway('release', '--push')],
    lock: { name: 'release', perBranch: false },
    forge: { read: [], write: ['contents'] },
    reports: [],
    artifacts: [],
  });

  // the open merge requests come from the forge's API: a merged or closed branch's environment is an orphan
  jobs.push({
    id: 'env-gc',
    stage: 'cleanup',
    title: 'remove expired and orphaned preview environments',
    rules: auto('schedule'),
    needs: [],
    checkout: 'commit',
    commands: [slipway('env', 'gc', '--open-from-platform')],
    forge: { read: ['pull-requests'], write: [] },
    reports: [],
    artifacts: [],
  });

  return {
    project: config.project,
    defaultBranch: options.defaultBranch ?? 'main',
    node: '20',
    gcSchedule: options.gcSchedule ?? '17 */6 * * *',
    lockfile: options.lockfile ?? true,
    slipwayCommand: slipwayCommand(options),
    jobs,
  };
}

/** The stages some job uses, in pipeline order. */
export function usedStages(model: PipelineModel): StageName[] {
  return STAGES.filter((stage) => model.jobs.some((job) => job.stage === stage));
}

export const GENERATED_HEADER = 'generated by slipway pipeline generate; do not edit';

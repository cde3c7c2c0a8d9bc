// slipway's own pipeline as a pipeline model: the job .ci/run is (`slipway pipeline generate --self` writes it).
import type { PipelineModel } from './model.js';

/** The pipeline of slipway's repository: one job that runs the whole test suite on every pipeline. */
export function planSelfPipeline(): PipelineModel {
  return {
    project: 'slipway',
    defaultBranch: 'main',
    node: '20',
    gcSchedule: '',
    lockfile: true,
    slipwayCommand: 'node bin/slipway.js',
    header: [
      "slipway's own pipeline: the same steps as .ci/run (regenerate: slipway pipeline generate --target gitlab --self).",
      'The job starts its own Docker engine and registry (as the tests need real ones), so it runs on a runner that',
      'allows privileged containers.',
    ],
    jobs: [
      {
        id: 'test',
        stage: 'test',
        title: 'type-check, lint and every test against the real engine, then the quality gate',
        // every pipeline: branch and tag pushes, schedules, manual runs
        rules: [],
        needs: [],
        checkout: 'commit',
        commands: [{ argv: ['bash', '.ci/run'] }],
        // .ci/run installs (npm ci trips over the optional per-platform packages of the lockfile; see install.sh)
        ownSetup: true,
        runnerTags: ['privileged'],
        // the base image's root file system, the tools machine-setup.sh fetches and the Kubernetes binaries built from
        // the Go proxy (not its run state, k8s-run/), so a new runner skips them
        cache: ['.machine/bookworm-minbase.tar', '.machine/bin/', '.machine/k8s/'],
        workspacePaths: { SLIPWAY_MACHINE_STATE: '.machine' },
        reports: [{ kind: 'junit', path: '.slipway/junit.xml' }],
        artifacts: ['.slipway/'],
      },
    ],
  };
}

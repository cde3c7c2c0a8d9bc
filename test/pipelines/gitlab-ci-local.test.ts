// Given the example app in a real git repository with a merge-request branch and the pipeline `slipway pipeline
// generate --target gitlab` wrote for it, when gitlab-ci-local runs that pipeline with its shell executor on the real
// Docker engine, then build pushes every image to the registry, the gate passes, the preview environment answers
// through the router, the merge-request report gathers the gate's verdict and the preview's URL from the jobs'
// artifacts, and the stop job (GitLab's on_stop) removes the environment from a fresh clone of the default branch.
//
// Adaptations, each the smallest that keeps the run honest:
// - shell executor (`--force-shell-executor`): the jobs run on this machine, next to the engine, like a GitLab shell
//   runner; the generated `image: node:20-bookworm` would need docker-in-docker or the engine's socket mounted.
//   `--shell-isolation` gives each job its own copy of the tracked files, so artifacts travel as GitLab moves them.
// - SLIPWAY_BIN: the sample is not an npm project, so the generated pipeline installs nothing and would run the
//   published slipway through npx; the project variable points it at this checkout, compiled as users run it.
// - the merge-request pipeline's predefined variables come from `--variable`, and CI_REPOSITORY_URL (empty in
//   gitlab-ci-local) names the sample's "forge" repository, a bare clone the stop job clones from.
// - SLIPWAY_PLATFORM=local: there is no GitLab to write the report to, so mr-report writes the comment, the status and
//   the deployment as files (platforms/local), read here in the job's folder.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../core/exec.js';
import { runCli } from '../helpers/cli.js';
import { docker, registryDigest, removeProjectImages, shouldRunEngineTests } from '../helpers/engine.js';
import { cleanEnv } from '../helpers/git-repo.js';
import { getViaRouter, type RouterReply } from '../helpers/router.js';
import { copyExample, git, REPO_ROOT, type TempProject } from '../helpers/project.js';
import { compileSlipway, type CompiledSlipway } from './compiled-slipway.js';

const ROUTER_PORT = 18680;
const ADMIN_PORT = 12680;
const ROUTER = `slipway-router-${ROUTER_PORT}`;
const BRANCH = 'feature/report-card';
const GITLAB_CI_LOCAL = path.join(REPO_ROOT, 'node_modules/gitlab-ci-local/dist/index.js');

/** A request through the router on 127.0.0.1, addressed by the preview host name. */
function viaRouter(address: string, pathname: string): Promise<RouterReply> {
  return getViaRouter(ROUTER_PORT, address, pathname);
}

/** Reads a dotenv file as GitLab does for `artifacts:reports:dotenv`. */
function dotenv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe.runIf(await shouldRunEngineTests())('the generated GitLab pipeline, run by gitlab-ci-local', () => {
  let example: TempProject;
  let slipway: CompiledSlipway;
  let scratch: string;
  let origin: string;
  let head: string;

  /** gitlab-ci-local in the sample, as an argv (never a shell string), with the project's CI/CD variables. */
  async function gitlabCiLocal(...args: string[]): Promise<{ code: number; output: string }> {
    const variables = {
      SLIPWAY_BIN: slipway.command,
      SLIPWAY_STATE_DIR: path.join(scratch, 'state'),
      CI_REPOSITORY_URL: `file://${origin}`,
      // the stop job's clone goes under mktemp's folder: keep it in this test's scratch space
      TMPDIR: path.join(scratch, 'tmp'),
    };
    const result = await run({
      file: process.execPath,
      args: [
        GITLAB_CI_LOCAL,
        '--force-shell-executor',
        '--shell-isolation',
        '--no-color',
        '--home',
        path.join(scratch, 'home'),
        '--ignore-predefined-vars',
        'CI_PIPELINE_SOURCE,CI_COMMIT_REF_NAME,CI_REPOSITORY_URL,CI_MERGE_REQUEST_IID',
        ...Object.entries(variables).flatMap(([key, value]) => ['--variable', `${key}=${value}`]),
        ...args,
      ],
      cwd: example.dir,
      env: cleanEnv({ TMPDIR: path.join(scratch, 'tmp') }),
    });
    return { code: result.code, output: result.stdout + result.stderr };
  }

  const mergeRequest = [
    '--variable',
    'CI_PIPELINE_SOURCE=merge_request_event',
    '--variable',
    'CI_MERGE_REQUEST_IID=7',
    '--variable',
    `CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=${BRANCH}`,
    '--variable',
    'CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main',
    '--variable',
    `CI_COMMIT_REF_NAME=${BRANCH}`,
    '--variable',
    'SLIPWAY_PLATFORM=local',
  ];

  beforeAll(async () => {
    slipway = await compileSlipway();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'slipway-gcl-'));
    for (const dir of ['state', 'tmp', 'home']) await mkdir(path.join(scratch, dir));
    example = await copyExample('gcl');
    const configFile = path.join(example.dir, 'slipway.config.ts');
    await writeFile(
      configFile,
      (await readFile(configFile, 'utf8')).replace(
        "registry: { url: '127.0.0.1:5000' },",
        `registry: { url: '127.0.0.1:5000' },\n  router: { port: ${ROUTER_PORT}, adminPort: ${ADMIN_PORT} },\n  preview: { drainSeconds: 0 },`,
      ),
    );
    const generated = await runCli(['pipeline', 'generate', '--target', 'gitlab'], { cwd: example.dir });
    expect(generated.code, generated.stderr).toBe(0);
    await writeFile(path.join(example.dir, '.gitignore'), '.slipway/\n.gitlab-ci-local/\n');
    git(example.dir, 'add', '-A');
    git(example.dir, 'commit', '-q', '-m', 'ci: the slipway pipeline');
    // the forge's copy of the repository: the default branch the stop job clones, the remote the gate fetches from
    origin = path.join(scratch, 'origin.git');
    git(scratch, 'clone', '-q', '--bare', example.dir, origin);
    git(example.dir, 'remote', 'add', 'origin', `file://${origin}`);
    git(example.dir, 'fetch', '-q', 'origin');
    git(example.dir, 'checkout', '-q', '-b', BRANCH);
    const server = path.join(example.dir, 'students/api/src/server.js');
    await writeFile(server, `${await readFile(server, 'utf8')}// report cards come next\n`);
    git(example.dir, 'commit', '-qam', 'feat(students): prepare report cards');
    git(example.dir, 'push', '-q', 'origin', BRANCH);
    head = git(example.dir, 'rev-parse', 'HEAD');
  });

  afterAll(async () => {
    if (example) {
      await runCli(['env', 'down', BRANCH], {
        cwd: example.dir,
        env: { SLIPWAY_STATE_DIR: path.join(scratch, 'state') },
      });
      await removeProjectImages(example.project);
      await example.cleanup();
    }
    await docker
      .getContainer(ROUTER)
      .remove({ force: true })
      .catch(() => undefined);
    await docker
      .getNetwork(ROUTER)
      .remove()
      .catch(() => undefined);
    await docker
      .getVolume(`${ROUTER}-data`)
      .remove()
      .catch(() => undefined);
    if (scratch) await rm(scratch, { recursive: true, force: true });
    await slipway?.cleanup();
  });

  it('evaluates the rules: a merge request gets build, gate, preview and the report, with the stop job manual', async () => {
    const listed = await gitlabCiLocal('--list-csv', ...mergeRequest);
    expect(listed.code, listed.output).toBe(0);
    const rows = listed.output.split('\n').filter((line) => /^[a-z-]+;/.test(line) && !line.startsWith('name;'));
    expect(rows.map((row) => row.split(';').slice(0, 3).join(';'))).toEqual([
      'build;build;on_success',
      'gate;test;on_success',
      'preview;preview;on_success',
      'preview-stop;preview;manual',
      'mr-report;report;always',
    ]);
    expect(rows.find((row) => row.startsWith('preview;'))).toContain(';preview/feature-report-card;');

    // a push to the default branch builds and records the gate's baseline, and offers the release; no preview
    git(example.dir, 'checkout', '-q', 'main');
    try {
      const main = await gitlabCiLocal('--list-csv');
      expect(main.code, main.output).toBe(0);
      const jobs = main.output.split('\n').filter((line) => /^[a-z-]+;/.test(line) && !line.startsWith('name;'));
      expect(jobs.map((row) => row.split(';').slice(0, 3).join(';'))).toEqual([
        'build;build;on_success',
        'gate-baseline;test;on_success',
        'release;release;manual',
      ]);
    } finally {
      git(example.dir, 'checkout', '-q', BRANCH);
    }
  });

  it('runs build, gate, preview and the report: images in the registry, the preview answering, the report written', async () => {
    const pipeline = await gitlabCiLocal(...mergeRequest);
    expect(pipeline.code, pipeline.output).toBe(0);
    for (const job of ['build', 'gate', 'preview', 'mr-report'])
      expect(pipeline.output).toMatch(new RegExp(`PASS\\s+${job}\\b`));
    expect(pipeline.output).not.toMatch(/FAIL/);
    // the preview job got the build job's manifest as an artifact, and ran `env up` on the branch, quoted
    expect(pipeline.output).toContain('$SLIPWAY_BIN env up "$CI_COMMIT_REF_NAME" --json > .slipway/preview.json');

    // the build job's artifact: every component pushed, from this branch's commit
    const artifacts = path.join(example.dir, '.gitlab-ci-local/artifacts');
    const manifest = JSON.parse(await readFile(path.join(artifacts, 'build/.slipway/build.json'), 'utf8')) as {
      commit: string;
      pushed: boolean;
      components: Record<string, { repository: string; tag: string; digest: string }>;
    };
    expect(manifest).toMatchObject({ commit: head, pushed: true });
    expect(Object.keys(manifest.components)).toHaveLength(6);
    for (const component of Object.values(manifest.components)) {
      const repository = component.repository.replace('127.0.0.1:5000/', '');
      expect(await registryDigest(repository, component.tag)).toBe(component.digest);
    }

    // the gate's reports where the pipeline tells GitLab to find them (gitlab-ci-local keeps `paths` artifacts;
    // the Code Quality and JUnit reports stay in the job's folder)
    const gate = path.join(artifacts, 'gate/.slipway/gate');
    expect(JSON.parse(await readFile(path.join(gate, 'gate.sarif'), 'utf8'))).toMatchObject({ version: '2.1.0' });
    expect(await readFile(path.join(gate, 'gate.md'), 'utf8')).toContain('Quality gate: no baseline yet');
    const job = path.join(example.dir, '.gitlab-ci-local/builds/gate/.slipway/gate');
    expect(JSON.parse(await readFile(path.join(job, 'gl-code-quality-report.json'), 'utf8'))).toEqual([]);
    expect(await readFile(path.join(job, 'junit.xml'), 'utf8')).toContain('<testsuite');

    // the environment URL GitLab would show, from the preview job's dotenv report
    const report = dotenv(
      await readFile(path.join(artifacts, 'preview/.gitlab-ci-reports/dotenv/.slipway/environment.env'), 'utf8'),
    );
    const address = report.SLIPWAY_ENVIRONMENT_ADDRESS!;
    expect(address).toBe(`web-students--feature-report-card.localhost:${ROUTER_PORT}`);
    const page = await viaRouter(address.replace(/:\d+$/, ''), '/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html');
    const students = await viaRouter('api-students--feature-report-card.localhost', '/api/students');
    expect(students.status).toBe(200);
    expect(Array.isArray(JSON.parse(students.text))).toBe(true);

    // the gate's verdict as JSON, kept for the report
    const verdict = JSON.parse(await readFile(path.join(gate, 'gate.json'), 'utf8')) as { verdict: string };
    expect(verdict.verdict).toBe('no-baseline');
    expect(JSON.parse(await readFile(path.join(artifacts, 'preview/.slipway/preview.json'), 'utf8'))).toMatchObject({
      branch: BRANCH,
      urls: { 'students/web': `http://${address}` },
    });

    // mr-report got every job's file through `needs` and found each where it looks by default
    const log = pipeline.output.split('\n').filter((line) => /^mr-report\s/.test(line));
    for (const input of ['gate: .slipway/gate/gate.json', 'build: .slipway/build.json', 'env: .slipway/preview.json'])
      expect(
        log.some((line) => line.includes(input)),
        log.join('\n'),
      ).toBe(true);
    // the load test is not configured: shown as not run, which fails nothing
    expect(log.some((line) => line.includes('loadtest: not found'))).toBe(true);
    const platform = path.join(example.dir, '.gitlab-ci-local/builds/mr-report/.slipway/platform');
    const comments = await readdir(path.join(platform, 'comments'));
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatch(/^feature_report-card-[0-9a-f]{12}\.md$/);
    const comment = await readFile(path.join(platform, 'comments', comments[0]!), 'utf8');
    expect(comment).toContain('Quality gate');
    expect(comment).toContain('new code passed; no baseline of `main`');
    expect(comment).toContain(`(http://${address})`);
    const statuses = await readdir(path.join(platform, 'statuses'));
    const status = JSON.parse(await readFile(path.join(platform, 'statuses', statuses[0]!), 'utf8')) as {
      sha: string;
      state: string;
    };
    expect(status).toMatchObject({ sha: head, state: 'success' });
    const deployments = await readdir(path.join(platform, 'deployments'));
    const deployment = JSON.parse(await readFile(path.join(platform, 'deployments', deployments[0]!), 'utf8')) as {
      url: string;
      branch: string;
    };
    expect(deployment).toMatchObject({ url: `http://${address}`, branch: BRANCH });
  });

  it('removes the environment with the stop job, from a clone of the default branch', async () => {
    const stop = await gitlabCiLocal(...mergeRequest, 'preview-stop');
    expect(stop.code, stop.output).toBe(0);
    expect(stop.output).toMatch(/PASS\s+preview-stop/);
    expect(stop.output).toContain('removed feature-report-card: 6 containers, 2 volumes');
    const containers = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`dev.slipway.project=${example.project}`] }),
    });
    expect(containers).toEqual([]);
    expect((await viaRouter('web-students--feature-report-card.localhost', '/')).status).not.toBe(200);
  });
});

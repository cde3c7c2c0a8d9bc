// Given the example app with staging on the CI cluster and production on two kube contexts (both pointing at that
// cluster), when builds are deployed, promoted and rolled back, then production runs exactly staging's digests,
// a new version rolls out under k6 load with zero failed requests, a release whose pods never get ready rolls
// back by itself, a release that fails its post-switch check (through the API server's service proxy) goes back,
// a failure on the first cluster leaves the second untouched, and history tells what happened.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shouldRunClusterTests } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { removeProjectImages } from '../helpers/engine.js';
import { copyExample, git, type TempProject } from '../helpers/project.js';
import {
  configure,
  eventually200,
  get,
  k6Load,
  kubeconfigWith,
  kubernetesSection,
  provisionVolumes,
  removeNamespaces,
  runningImages,
  serviceUrl,
} from './fixture.js';

const SECOND = 'slipway-ci-second';

describe.runIf(await shouldRunClusterTests())('release environments on Kubernetes', () => {
  let example: TempProject;
  let volumes: ReturnType<typeof provisionVolumes> | undefined;
  const env = { SLIPWAY_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'slipway-state-')) };
  const versions: string[] = [];

  async function commitAndBuild(message: string): Promise<void> {
    git(example.dir, 'add', '-A');
    git(example.dir, 'commit', '-qm', message);
    const build = await runCli(['build', '--push'], { cwd: example.dir, env });
    expect(build.code, build.stderr).toBe(0);
  }

  beforeAll(async () => {
    example = await copyExample('k8srel');
    const kubeconfig = kubeconfigWith([{ name: SECOND }]);
    await configure(
      example,
      [
        `  engine: 'kubernetes',`,
        kubernetesSection(`, kubeconfig: ${JSON.stringify(kubeconfig)}`),
        `  environments: {`,
        `    staging: { readyTimeoutSeconds: 60, check: { seconds: 2, paths: { 'students/api': ['/api/students'] } } },`,
        `    production: { replicas: 2, readyTimeoutSeconds: 60, clusters: ['slipway-ci', '${SECOND}'], check: { seconds: 2 } },`,
        `  },`,
      ].join('\n'),
    );
    const build = await runCli(['build', '--push'], { cwd: example.dir, env });
    expect(build.code, build.stderr).toBe(0);
    volumes = provisionVolumes(example.project);
  });

  afterAll(async () => {
    await removeNamespaces(example.project);
    await volumes?.stop();
    await removeProjectImages(example.project);
    await example.cleanup();
  });

  it('deploys to staging and promotes the very same digests to production, cluster by cluster', async () => {
    const staging = await runCli(['deploy', 'staging', '--json'], { cwd: example.dir, env });
    expect(staging.code, staging.stderr).toBe(0);
    const promoted = await runCli(['promote', 'staging', 'production', '--json'], { cwd: example.dir, env });
    expect(promoted.code, promoted.stderr).toBe(0);
    const json = promoted.json as { version: string; clusters: { target: string; result: string }[] };
    versions.push(json.version);
    expect(json.clusters).toEqual([
      { target: 'kubernetes:slipway-ci', result: 'succeeded' },
      { target: `kubernetes:${SECOND}`, result: 'succeeded' },
    ]);
    const production = await runningImages(example.project, 'production');
    expect(production).toEqual(await runningImages(example.project, 'staging'));
    for (const image of Object.values(production)) expect(image).toMatch(/@sha256:[0-9a-f]{64}$/);
    const api = await serviceUrl(example.project, 'production', 'students-api');
    expect((await eventually200(`${api}/api/students`)).status).toBe(200);
  });

  it('rolls a new version out to production under k6 load with zero failed requests', async () => {
    await appendFile(path.join(example.dir, 'students/api/src/server.js'), '\n// release 2\n');
    await commitAndBuild('feat(students): release 2');
    expect((await runCli(['deploy', 'staging'], { cwd: example.dir, env })).code).toBe(0);
    const api = await serviceUrl(example.project, 'production', 'students-api');
    const web = await serviceUrl(example.project, 'production', 'students-web');
    const load = k6Load([`${api}/api/students`, `${api}/healthz`, `${web}/api/students`], { rate: 120, seconds: 30 });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const promoted = await runCli(['promote', 'staging', 'production', '--json'], { cwd: example.dir, env });
    const traffic = await load;
    expect(promoted.code, promoted.stderr).toBe(0);
    versions.push((promoted.json as { version: string }).version);
    expect(versions[1]).not.toBe(versions[0]);
    expect(traffic.failed).toBe(0);
    expect(traffic.requests).toBeGreaterThanOrEqual(100 * 28);
    expect(await runningImages(example.project, 'production')).toEqual(await runningImages(example.project, 'staging'));
    const health = await get(`${api}/healthz`);
    expect(health.status).toBe(200);
  });

  it('rolls a release whose pods never get ready back by itself, the previous digests serving', async () => {
    const server = path.join(example.dir, 'students/api/src/server.js');
    await writeFile(server, `${await readFile(server, 'utf8')}\nprocess.exit(3);\n`);
    await commitAndBuild('fix(students): a broken release');
    const before = await runningImages(example.project, 'staging');
    const deployed = await runCli(['deploy', 'staging'], { cwd: example.dir, env });
    expect(deployed.code).toBe(1);
    // what the kubelet reported first leads the reason (the startup probe's refusal, or the exit): both are named
    expect(deployed.stderr).toMatch(
      /^error ENV_FAILED: deploy to staging rolled back: students\/api never became ready: (.*; )?the container exited with code 3/m,
    );
    expect(deployed.stderr).toContain('going back to the previous objects');
    expect(await runningImages(example.project, 'staging')).toEqual(before);
    const api = await serviceUrl(example.project, 'staging', 'students-api');
    expect((await eventually200(`${api}/api/students`)).status).toBe(200);
  });

  it('stops a multi-cluster release at the first cluster that fails, leaving the next one untouched', async () => {
    const before = await runningImages(example.project, 'production');
    const deployed = await runCli(['deploy', 'production', '--json'], { cwd: example.dir, env });
    expect(deployed.code).toBe(1);
    expect(deployed.stderr).toMatch(
      new RegExp(
        `^error ENV_FAILED: deploy to production rolled back on kubernetes:slipway-ci \\(kubernetes:${SECOND} stays on the previous one\\): students/api never became ready`,
        'm',
      ),
    );
    expect(deployed.stderr).not.toContain(`kubernetes:${SECOND}: rolling out`);
    expect(await runningImages(example.project, 'production')).toEqual(before);
  });

  it('goes back when the post-switch check, through the API server, sees errors', async () => {
    const server = path.join(example.dir, 'students/api/src/server.js');
    await writeFile(server, (await readFile(server, 'utf8')).replace('\nprocess.exit(3);\n', '\n'));
    const students = path.join(example.dir, 'students/api/src/students.js');
    await writeFile(
      students,
      (await readFile(students, 'utf8')).replaceAll('FROM students ORDER BY', 'FROM students_typo ORDER BY'),
    );
    await commitAndBuild('fix(students): a bug only requests see');
    const before = await runningImages(example.project, 'staging');
    const deployed = await runCli(['deploy', 'staging'], { cwd: example.dir, env });
    expect(deployed.code).toBe(1);
    expect(deployed.stderr).toMatch(
      /^error ENV_FAILED: deploy to staging rolled back: the post-switch check failed: \d+ of \d+ requests failed/m,
    );
    expect(deployed.stderr).toContain('/api/students: HTTP 500');
    expect(await runningImages(example.project, 'staging')).toEqual(before);
    const api = await serviceUrl(example.project, 'staging', 'students-api');
    expect((await eventually200(`${api}/api/students`)).status).toBe(200);
  });

  it('rolls production back to a kept release with --to, and lists the history', async () => {
    const back = await runCli(['rollback', 'production', '--to', versions[0]!, '--json'], { cwd: example.dir, env });
    expect(back.code, back.stderr).toBe(0);
    expect((back.json as { version: string }).version).toBe(versions[0]);
    const history = await runCli(['history', 'production', '--json'], { cwd: example.dir, env });
    const releases = (history.json as { releases: { kind: string; version: string; result: string }[] }).releases;
    expect(releases.map((r) => [r.kind, r.version, r.result])).toEqual([
      ['rollback', versions[0], 'succeeded'],
      ['deploy', expect.any(String), 'failed'],
      ['promote', versions[1], 'succeeded'],
      ['promote', versions[0], 'succeeded'],
    ]);
    const staging = await runCli(['history', 'staging', '--json'], { cwd: example.dir, env });
    expect((staging.json as { releases: { result: string }[] }).releases[0]!.result).toBe('failed');
  });
});

// Given the example app built and pushed to the local registry, when `env up` puts a branch's preview on the real
// cluster, then it gets its own labelled namespace, its back answers over HTTP (by ClusterIP, and through the API
// server's service proxy) with its seeded data, `env ls` lists it, `--dry-run -o yaml` prints what was applied, a
// second `env up` changes nothing, and `env down` removes the namespace.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shouldRunClusterTests } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { removeProjectImages } from '../helpers/engine.js';
import { copyExample, type TempProject } from '../helpers/project.js';
import {
  configure,
  eventually200,
  kube,
  kubernetesSection,
  provisionVolumes,
  namespaceExists,
  namespaceOf,
  removeNamespaces,
  runningImages,
  serviceUrl,
} from './fixture.js';

const BRANCH = 'feature/k8s-preview';

describe.runIf(await shouldRunClusterTests())('preview environments on Kubernetes', () => {
  let example: TempProject;
  let volumes: ReturnType<typeof provisionVolumes> | undefined;
  let name: string;
  const env = { SLIPWAY_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'slipway-state-')) };

  beforeAll(async () => {
    example = await copyExample('k8s');
    await configure(
      example,
      `  engine: 'kubernetes',\n${kubernetesSection()}\n  preview: { readyTimeoutSeconds: 90 },`,
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

  it('brings up a preview of the example app in its own labelled namespace; its back answers over HTTP', async () => {
    const up = await runCli(['env', 'up', BRANCH, '--json'], { cwd: example.dir, env });
    expect(up.code, up.stderr).toBe(0);
    const json = up.json as { name: string; urls: Record<string, string>; components: { id: string }[] };
    name = json.name;
    expect(name).toBe('feature-k8s-preview');
    // Ingress hosts: no router port on Kubernetes
    expect(json.urls['students/web']).toBe(`http://web-students--${name}.localhost`);
    expect(up.stderr).toMatch(/students\/db: applying migrations\/001_create_students\.sql/);
    expect(up.stderr).toMatch(/students\/api: sha-[0-9a-f]{12} rolled out/);

    const namespace = await kube().core.readNamespace({ name: namespaceOf(example.project, name) });
    expect(namespace.metadata!.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'slipway',
      'dev.slipway.project': example.project,
      'dev.slipway.env': name,
      'dev.slipway.lifetime': 'preview',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect(namespace.metadata!.labels!['dev.slipway.expires-at']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(namespace.metadata!.annotations).toMatchObject({
      'dev.slipway.branch': BRANCH,
      'dev.slipway.status': 'ready',
    });

    const api = await serviceUrl(example.project, name, 'students-api');
    const students = await eventually200(`${api}/api/students`);
    expect((JSON.parse(students.text) as unknown[]).length).toBeGreaterThan(0);
    // the front reaches its back by the same stable name as on Docker (cluster DNS, Service port 80)
    const web = await serviceUrl(example.project, name, 'students-web');
    expect((await eventually200(`${web}/api/students`)).status).toBe(200);
    // and through the API server's service proxy, as the post-switch check does
    const proxied = await kube().core.connectGetNamespacedServiceProxyWithPath({
      name: 'grades-api:http',
      namespace: namespaceOf(example.project, name),
      path: 'healthz',
    });
    expect(JSON.stringify(proxied)).toContain('ok');
  });

  it('lists it with its components, versions and URLs', async () => {
    const ls = await runCli(['env', 'ls', '--json'], { cwd: example.dir, env });
    expect(ls.code, ls.stderr).toBe(0);
    const [listed] = (
      ls.json as {
        environments: {
          name: string;
          branch: string;
          status: string;
          components: { id: string; running: boolean }[];
        }[];
      }
    ).environments;
    expect(listed).toMatchObject({ name, branch: BRANCH, status: 'ready' });
    expect(listed!.components.map((c) => c.id).sort()).toEqual([
      'grades/api',
      'grades/db',
      'grades/web',
      'students/api',
      'students/db',
      'students/web',
    ]);
    expect(listed!.components.every((c) => c.running)).toBe(true);
  });

  it('prints with --dry-run -o yaml exactly the images it applied, touching nothing', async () => {
    const dry = await runCli(['env', 'up', BRANCH, '--dry-run', '-o', 'yaml'], { cwd: example.dir, env });
    expect(dry.code, dry.stderr).toBe(0);
    const objects = parseAllDocuments(dry.stdout).map(
      (d) =>
        d.toJS() as {
          kind: string;
          metadata: { annotations?: Record<string, string> };
          spec?: { template?: { spec: { containers: { image: string }[] } } };
        },
    );
    const images = Object.fromEntries(
      objects
        .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
        .map((o) => [o.metadata.annotations!['dev.slipway.component'], o.spec!.template!.spec.containers[0]!.image]),
    );
    expect(images).toEqual(await runningImages(example.project, name));
  });

  it('changes nothing when run again with the same build', async () => {
    const { apps } = kube();
    const namespace = namespaceOf(example.project, name);
    const generations = async () =>
      Object.fromEntries(
        (await apps.listNamespacedDeployment({ namespace })).items.map((d) => [
          d.metadata!.name,
          d.metadata!.generation,
        ]),
      );
    const before = await generations();
    const again = await runCli(['env', 'up', BRANCH, '--json'], { cwd: example.dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(await generations()).toEqual(before);
  });

  it('removes the namespace on env down, and a second env down has nothing to do', async () => {
    const down = await runCli(['env', 'down', BRANCH, '--json'], { cwd: example.dir, env });
    expect(down.code, down.stderr).toBe(0);
    expect(down.json).toMatchObject({ name, removed: { containers: 6, volumes: expect.any(Number) } });
    expect(await namespaceExists(namespaceOf(example.project, name))).toBe(false);
    const again = await runCli(['env', 'down', BRANCH], { cwd: example.dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to remove');
  });
});

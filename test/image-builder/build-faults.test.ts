// Given small real projects, when builds meet secrets, failing steps or bad input, then slipway keeps secrets out of
// images and logs, reports one clear line with the documented exit code, and leaves nothing half-done.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { docker, registryDigest, removeProjectImages, shouldRunEngineTests } from '../helpers/engine.js';
import { makeProject, REPO_ROOT, type TempProject } from '../helpers/project.js';

const exec = promisify(execFile);
const SECRET = 'tok-5f0c1b7e-never-in-a-layer';

function config(components: string, extra = ''): string {
  return `import { defineConfig } from 'slipway';
export default defineConfig({
  project: '__PROJECT__',
  registry: { url: '127.0.0.1:5000' },
  ${extra}
  modules: { app: { components: { ${components} } } },
});
`;
}

describe.runIf(await shouldRunEngineTests())('slipway build: secrets, failures and bad input', () => {
  const projects: TempProject[] = [];
  async function project(files: Record<string, string>): Promise<TempProject> {
    const p = await makeProject(files);
    projects.push(p);
    return p;
  }
  afterEach(async () => {
    for (const p of projects.splice(0)) {
      await removeProjectImages(p.project);
      await p.cleanup();
    }
  });

  it('mounts a build secret for the step that needs it and keeps it out of every layer and of docker history', async () => {
    const p = await project({
      'slipway.config.ts': config(
        `api: { kind: 'back', context: 'api', port: 8080, secrets: ['token'] }`,
        `build: { secrets: { token: { env: 'APP_TOKEN' } } },`,
      ),
      'api/Dockerfile': [
        'FROM debian:bookworm-slim',
        // the image keeps only a hash of the secret, to prove the step could read it
        'RUN --mount=type=secret,id=token sha256sum /run/secrets/token | cut -c1-64 > /proof',
        'CMD ["cat", "/proof"]',
      ].join('\n'),
    });
    const run = await runCli(['build', '--json'], { cwd: p.dir, env: { APP_TOKEN: SECRET } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr + run.stdout).not.toContain(SECRET);
    const image = (run.json as { components: { image: string }[] }).components[0]!.image;
    const proof = await exec('/usr/bin/docker', ['run', '--rm', image]);
    expect(proof.stdout.trim()).toBe(createHash('sha256').update(SECRET).digest('hex'));
    const history = await exec('/usr/bin/docker', ['history', '--no-trunc', image]);
    expect(history.stdout).toContain('sha256sum /run/secrets/token');
    expect(history.stdout).not.toContain(SECRET);
    // every byte of every layer and of the config
    const saved = await new Promise<Buffer>((resolve, reject) => {
      docker.getImage(image).get((error: Error | null, stream?: NodeJS.ReadableStream) => {
        if (error || !stream) return reject(error ?? new Error('no image stream'));
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve(Buffer.concat(chunks)));
        stream.on('error', reject);
      });
    });
    expect(saved.length).toBeGreaterThan(1000);
    expect(saved.includes(Buffer.from(SECRET))).toBe(false);
  });

  it('refuses to start when a declared secret has no value (exit 2, nothing built)', async () => {
    const p = await project({
      'slipway.config.ts': config(
        `api: { kind: 'back', context: 'api', port: 8080, secrets: ['token'] }`,
        `build: { secrets: { token: { env: 'APP_TOKEN_UNSET_X' } } },`,
      ),
      'api/Dockerfile': 'FROM debian:bookworm-slim\n',
    });
    const run = await runCli(['build'], { cwd: p.dir, env: { APP_TOKEN_UNSET_X: undefined } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('build secret token needs the environment variable APP_TOKEN_UNSET_X');
    expect(
      await docker.listImages({ filters: JSON.stringify({ label: [`dev.slipway.project=${p.project}`] }) } as never),
    ).toEqual([]);
  });

  it('shows the failing step and its last log lines, finishes the other builds, pushes nothing, writes no manifest', async () => {
    const p = await project({
      'slipway.config.ts': config(
        `ok: { kind: 'back', context: 'ok', port: 8080 }, broken: { kind: 'back', context: 'broken', port: 8080 }`,
      ),
      'ok/Dockerfile': 'FROM debian:bookworm-slim\nRUN echo fine > /fine\n',
      'broken/Dockerfile':
        'FROM debian:bookworm-slim\nRUN echo "compiling grades" && echo "grades.ts:3 type error" >&2 && exit 7\n',
    });
    const run = await runCli(['build', '--push'], { cwd: p.dir });
    expect(run.code).toBe(1);
    const firstLine = run.stderr.split('\n').find((l) => l.startsWith('error '))!;
    expect(firstLine).toMatch(
      /^error BUILD_FAILED: 1 of 2 image builds failed: app\/broken: \[2\/2\] RUN echo "compiling grades"/,
    );
    expect(run.stderr).toContain('grades.ts:3 type error');
    expect(run.stderr).toContain('exit code: 7');
    expect(existsSync(path.join(p.dir, '.slipway/build.json'))).toBe(false);
    // the healthy build ran to completion, but nothing went to the registry
    const ok = await docker.listImages({
      filters: JSON.stringify({ label: [`dev.slipway.component=app/ok`, `dev.slipway.project=${p.project}`] }),
    } as never);
    expect(ok).toHaveLength(1);
    const tag = (ok as unknown as { RepoTags: string[] }[])[0]!.RepoTags.find((t) => t.includes(':in-'))!
      .split(':')
      .at(-1)!;
    expect(await registryDigest(`${p.project}/app-ok`, tag)).toBeUndefined();
  });

  it('reports a missing context or Dockerfile with exit 2 before building anything', async () => {
    const p = await project({
      'slipway.config.ts': config(
        `api: { kind: 'back', context: 'api', port: 8080 }, web: { kind: 'front', context: 'nowhere', port: 8080 }`,
      ),
      'api/server.js': '',
    });
    const run = await runCli(['build'], { cwd: p.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error (CONTEXT_MISSING|DOCKERFILE_MISSING): app\/(api|web)/);
  });

  it('reports every config problem at once with exit 2, including clashing image names', async () => {
    const p = await project({
      'slipway.config.ts': `import { defineConfig } from 'slipway';
export default defineConfig({
  project: '__PROJECT__',
  registry: { url: '127.0.0.1:5000' },
  modules: {
    'a-b': { components: { c: { kind: 'back', context: 'x', port: 80 } } },
    a: { components: { 'b-c': { kind: 'back', context: 'y', port: '80a' as unknown as number } } },
  },
});
`,
    });
    const run = await runCli(['config', 'check'], { cwd: p.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('modules.a.components.b-c.port: expected 1-65535, got "80a"');
    expect(run.stderr).toContain('modules.a.components.b-c.port');
    // with the field fixed, the cross-field rules run and name the clash
    const file = path.join(p.dir, 'slipway.config.ts');
    await writeFile(
      file,
      (await import('node:fs')).readFileSync(file, 'utf8').replace("'80a' as unknown as number", '80'),
    );
    const clash = await runCli(['config', 'check'], { cwd: p.dir });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain(
      `modules.a.components.b-c: image name ${p.project}/a-b-c is also the image of a-b/c; rename one of them`,
    );
  });

  it('exits 3 with a fix when the registry is unreachable on --push, and nothing is built', async () => {
    const p = await project({
      'slipway.config.ts': config(`api: { kind: 'back', context: 'api', port: 8080 }`).replace(
        '127.0.0.1:5000',
        '127.0.0.1:5999',
      ),
      'api/Dockerfile': 'FROM debian:bookworm-slim\n',
    });
    const run = await runCli(['build', '--push'], { cwd: p.dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^error REGISTRY_UNREACHABLE: the registry 127\.0\.0\.1:5999 is not reachable .*\(fix: start it/m,
    );
  });

  it('exits 3 with a fix when the Docker engine is down (real bin, DOCKER_HOST pointing nowhere)', async () => {
    const p = await project({
      'slipway.config.ts': config(`api: { kind: 'back', context: 'api', port: 8080 }`),
      'api/Dockerfile': 'FROM debian:bookworm-slim\n',
    });
    const result = await exec('node', [path.join(REPO_ROOT, 'bin/slipway.js'), 'build'], {
      cwd: p.dir,
      env: { ...process.env, DOCKER_HOST: 'unix:///tmp/slipway-no-engine.sock' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect((result as { code: number }).code).toBe(3);
    expect((result as { stderr: string }).stderr).toMatch(
      /^error ENGINE_UNREACHABLE: the Docker engine is not reachable/m,
    );
  });
});

// Given the scolarite example in a real git repository, when it is built with slipway on the real engine,
// then every image is built once, reused after, and rebuilt only where an input changed.
import { appendFile, chmod, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { removeProjectImages, registryDigest, shouldRunEngineTests } from '../helpers/engine.js';
import { copyExample, git, type TempProject } from '../helpers/project.js';

interface BuildJson {
  components: {
    id: string;
    kind: string;
    image: string;
    inputDigest: string;
    built: boolean;
    reason: string;
    digest: string | null;
  }[];
}

const COMPONENTS = ['students/db', 'students/api', 'students/web', 'grades/db', 'grades/api', 'grades/web'];

describe.runIf(await shouldRunEngineTests())('slipway build on the example app', () => {
  let example: TempProject;

  beforeAll(async () => {
    example = await copyExample('build');
  });
  afterAll(async () => {
    await removeProjectImages(example.project);
    await example.cleanup();
  });

  it('builds every component on a cold run, with the reason', async () => {
    const run = await runCli(['build', '--json'], { cwd: example.dir });
    expect(run.code, run.stderr).toBe(0);
    const result = run.json as BuildJson;
    expect(result.components.map((c) => c.id).sort()).toEqual([...COMPONENTS].sort());
    for (const component of result.components) {
      expect(component.built).toBe(true);
      expect(component.reason).toBe('no image for this input');
      expect(component.image).toMatch(
        new RegExp(`^127\\.0\\.0\\.1:5000/${example.project}/${component.id.replace('/', '-')}:in-[0-9a-f]{12}$`),
      );
      expect(component.inputDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it('builds nothing on a second run and says why each was skipped', async () => {
    const run = await runCli(['build', '--json'], { cwd: example.dir });
    expect(run.code, run.stderr).toBe(0);
    const result = run.json as BuildJson;
    expect(result.components.filter((c) => c.built)).toEqual([]);
    for (const component of result.components) expect(component.reason).toMatch(/^image in-[0-9a-f]{4}… exists$/);
  });

  it('does not rebuild when only file modes, mtimes or ignored files change', async () => {
    const server = path.join(example.dir, 'students/api/src/server.js');
    await utimes(server, new Date('2001-01-01'), new Date('2001-01-01'));
    await chmod(server, 0o664);
    await writeFile(path.join(example.dir, 'students/api/NOTES.md'), 'ignored by .dockerignore\n');
    const run = await runCli(['build', '--json'], { cwd: example.dir });
    expect((run.json as BuildJson).components.filter((c) => c.built)).toEqual([]);
  });

  it('rebuilds exactly the back whose source file changed, naming the file', async () => {
    await appendFile(path.join(example.dir, 'grades/api/src/grades.js'), '\n// a change\n');
    git(example.dir, 'commit', '-qam', 'fix(grades): a change');
    const run = await runCli(['build', '--json'], { cwd: example.dir });
    expect(run.code, run.stderr).toBe(0);
    const built = (run.json as BuildJson).components.filter((c) => c.built);
    expect(built.map((c) => [c.id, c.reason])).toEqual([['grades/api', 'grades/api/src/grades.js changed']]);
  });

  it('computes the same input digests in another checkout of the same commit', async () => {
    const first = (await runCli(['build', '--json'], { cwd: example.dir })).json as BuildJson;
    const clone = `${example.dir}-clone`;
    git(path.dirname(example.dir), 'clone', '-q', example.dir, clone);
    try {
      const second = (await runCli(['build', '--json'], { cwd: clone })).json as BuildJson;
      expect(second.components.map((c) => [c.id, c.inputDigest, c.built])).toEqual(
        first.components.map((c) => [c.id, c.inputDigest, false]),
      );
    } finally {
      await (await import('node:fs/promises')).rm(clone, { recursive: true, force: true });
    }
  });

  it('pushes with --push, writes the manifest, and a fresh runner finds every image in the registry', async () => {
    const pushed = await runCli(['build', '--push', '--json'], { cwd: example.dir });
    expect(pushed.code, pushed.stderr).toBe(0);
    const result = pushed.json as BuildJson;
    for (const component of result.components) {
      expect(component.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const repository = `${example.project}/${component.id.replace('/', '-')}`;
      // pushed images are referenced by digest, never by a tag that could move
      expect(component.image).toBe(`127.0.0.1:5000/${repository}@${component.digest}`);
      expect(await registryDigest(repository, `in-${component.inputDigest.slice(7, 19)}`)).toBe(component.digest);
      const commit = git(example.dir, 'rev-parse', 'HEAD').slice(0, 12);
      expect(await registryDigest(repository, `sha-${commit}`)).toBe(component.digest);
    }
    const manifest = JSON.parse(
      await (await import('node:fs/promises')).readFile(path.join(example.dir, '.slipway/build.json'), 'utf8'),
    );
    expect(Object.keys(manifest.components).sort()).toEqual([...COMPONENTS].sort());
    expect(manifest.pushed).toBe(true);
    // sizes feed the quality gate's image-size ratchet
    for (const entry of Object.values(manifest.components) as { size: number | null }[])
      expect(entry.size).toBeGreaterThan(10_000_000);

    // a fresh CI runner: no image of this project on the engine, all of them in the registry
    await removeProjectImages(example.project);
    const fresh = await runCli(['build', '--push', '--json'], { cwd: example.dir });
    expect(fresh.code, fresh.stderr).toBe(0);
    const again = fresh.json as BuildJson;
    expect(again.components.filter((c) => c.built)).toEqual([]);
    for (const component of again.components) expect(component.reason).toMatch(/exists in the registry$/);
    expect(again.components.map((c) => c.digest)).toEqual(result.components.map((c) => c.digest));
  });

  it('builds only what --only names, and refuses an unknown name with the valid ones', async () => {
    await appendFile(path.join(example.dir, 'students/web/public/style.css'), '\n/* only */\n');
    const only = await runCli(['build', '--only', 'grades', '--json'], { cwd: example.dir });
    expect(only.code, only.stderr).toBe(0);
    expect((only.json as BuildJson).components.map((c) => c.id).sort()).toEqual([
      'grades/api',
      'grades/db',
      'grades/web',
    ]);
    const unknown = await runCli(['build', '--only', 'grades/apj'], { cwd: example.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--only grades/apj: no such module or component (did you mean grades/api?)');
    expect(unknown.stderr).toContain('students/web');
  });
});

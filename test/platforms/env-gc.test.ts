// Given two previews on the Docker engine and a GitLab (fake) where one branch's merge request was merged, when
// `env gc --open-from-platform` runs, then the merged branch's environment goes and the open one stays; a forge
// that refuses the token removes nothing.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { removeProjectImages, shouldRunEngineTests } from '../helpers/engine.js';
import { configureExample, copyExample, type TempProject } from '../helpers/project.js';
import { GitlabFake } from '../fakes/gitlab.js';
import { gitlabEnv } from './helpers.js';

const ROUTER_PORT = 18280;
const ADMIN_PORT = 12280;
const TOKEN = 'glpat-GcTokenSecret222';

interface GcJson {
  dryRun: boolean;
  removed: { name: string; branch: string; reason: string }[];
}

describe.runIf(await shouldRunEngineTests())("env gc with the forge's open merge requests", () => {
  let example: TempProject;
  let state: NodeJS.ProcessEnv;
  let fake: GitlabFake;

  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    runCli(args, { cwd: example.dir, env: { ...state, ...extra } });
  const names = async () =>
    ((await cli(['env', 'ls', '--json'])).json as { environments: { name: string }[] }).environments
      .map((e) => e.name)
      .sort();

  beforeAll(async () => {
    fake = new GitlabFake({ token: TOKEN, pageSize: 1 });
    await fake.start();
    fake.addMergeRequest(1, 'feature/login', 'opened');
    fake.addMergeRequest(2, 'feature/merged', 'merged');
    fake.addMergeRequest(3, 'feature/other', 'opened');
    example = await copyExample('gc');
    await configureExample(
      example,
      `router: { port: ${ROUTER_PORT}, adminPort: ${ADMIN_PORT} },\n  preview: { drainSeconds: 1 },`,
      'test: router ports',
    );
    state = { SLIPWAY_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'slipway-state-')) };
    const build = await cli(['build', '--only', 'students']);
    expect(build.code, build.stderr).toBe(0);
    for (const branch of ['feature/login', 'feature/merged']) {
      const up = await cli(['env', 'up', branch, '--modules', 'students', '--json']);
      expect(up.code, up.stderr).toBe(0);
    }
  });

  afterAll(async () => {
    for (const branch of ['feature/login', 'feature/merged']) await cli(['env', 'down', branch]);
    await fake.stop();
    await removeProjectImages(example.project);
    await example.cleanup();
  });

  it('given an expired token, when gc asks the forge, then it fails with exit 3 and removes nothing', async () => {
    fake.forge.expireToken();
    const run = await cli(
      ['env', 'gc', '--open-from-platform', '--json'],
      gitlabEnv(fake.apiUrl, { SLIPWAY_GITLAB_TOKEN: TOKEN }),
    );
    fake.forge.renewToken();
    expect(run.code).toBe(3);
    expect(run.json).toMatchObject({ error: { code: 'PLATFORM_AUTH' } });
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    expect(await names()).toEqual(['feature-login', 'feature-merged']);
  });

  it("given feature/merged's merge request merged, when gc runs with the forge's list, then only its environment is removed", async () => {
    const env = gitlabEnv(fake.apiUrl, { SLIPWAY_GITLAB_TOKEN: TOKEN });
    const dry = await cli(['env', 'gc', '--open-from-platform', '--dry-run', '--json'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect((dry.json as GcJson).removed).toEqual([
      { name: 'feature-merged', branch: 'feature/merged', reason: 'orphan' },
    ]);
    expect(dry.stderr).toContain('open branches from gitlab: feature/login, feature/other');

    const gc = await cli(['env', 'gc', '--open-from-platform', '--json'], env);
    expect(gc.code, gc.stderr).toBe(0);
    expect((gc.json as GcJson).removed).toEqual([
      { name: 'feature-merged', branch: 'feature/merged', reason: 'orphan' },
    ]);
    expect(await names()).toEqual(['feature-login']);
    // the open merge requests were read page by page (one a page on this fake), with state=opened
    const lists = fake.forge.calls('GET', '/projects/:id/merge_requests');
    expect(lists.every((r) => r.query.get('state') === 'opened')).toBe(true);
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(fake.forge.unexpected).toEqual([]);
  });
});

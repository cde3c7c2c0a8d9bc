// Outside any forge: `slipway mr report` and `slipway release --platform local` write their comment, status,
// deployments and releases under .slipway/platform/, and the open branches are the repository's own.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalPlatform } from '../../platforms/local/index.js';
import type { GitRepo } from '../helpers/git-repo.js';
import { gateSample, writeStepOutputs } from '../fakes/reports.js';
import { blankForgeEnv, projectRepo, slipway } from './helpers.js';

let repo: GitRepo;

beforeEach(async () => {
  repo = await projectRepo();
  await repo.git('checkout', '--quiet', '-b', 'feature/login');
});

afterEach(() => repo.cleanup());

const platformDir = () => path.join(repo.dir, '.slipway', 'platform');

describe('the local platform', () => {
  it('given no CI variables, when reported twice, then one comment file is written and then replaced', async () => {
    writeStepOutputs(repo.dir, { gate: gateSample({ failedLines: 2 }) });
    const first = await slipway(['mr', 'report', '--json'], repo.dir, blankForgeEnv());
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({
      platform: 'local',
      because: 'no GitLab CI or GitHub Actions variables',
      changeRequest: { number: 'local', branch: 'feature/login' },
      comment: { action: 'created' },
    });
    writeStepOutputs(repo.dir, { gate: gateSample({ failedLines: 0 }) });
    const second = await slipway(['mr', 'report', '--json'], repo.dir, blankForgeEnv());
    expect(second.json).toMatchObject({ comment: { action: 'updated' }, state: 'success' });

    const comments = readdirSync(path.join(platformDir(), 'comments'));
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatch(/^feature_login-[0-9a-f]{12}\.md$/);
    const body = readFileSync(path.join(platformDir(), 'comments', comments[0]!), 'utf8');
    expect(body.startsWith('<!-- slipway:mr-report project="relfix" -->\n')).toBe(true);
    expect(body).toContain('| ✅ | **Quality gate** | passed');
    const status = JSON.parse(readFileSync(path.join(platformDir(), 'statuses', 'slipway_relfix.json'), 'utf8'));
    expect(status).toMatchObject({
      name: 'slipway/relfix',
      state: 'success',
      sha: await repo.git('rev-parse', 'HEAD'),
    });
    expect(readdirSync(path.join(platformDir(), 'deployments'))).toEqual(['feature-login.json']);
  });

  it('given --dry-run, when reported, then the comment is printed and nothing is written', async () => {
    writeStepOutputs(repo.dir);
    const run = await slipway(['mr', 'report', '--dry-run'], repo.dir, blankForgeEnv());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('dry run: would report to local');
    expect(run.stdout).toContain('<!-- slipway:mr-report project="relfix" -->');
    expect(existsSync(platformDir())).toBe(false);
  });

  it('given an explicit --gate file that does not exist, when reported, then it is a usage error', async () => {
    const run = await slipway(['mr', 'report', '--gate', 'nope.json', '--json'], repo.dir, blankForgeEnv());
    expect(run.code).toBe(2);
    expect(run.json).toMatchObject({ error: { code: 'USAGE', message: '--gate nope.json: no such file' } });
  });

  it('given --platform local, when released, then each release is a file with its notes', async () => {
    await repo.commit('feat: login');
    const run = await slipway(['release', '--platform', 'local', '--json'], repo.dir, blankForgeEnv());
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({
      published: { platform: 'local', releases: [{ tag: 'v1.0.0', action: 'created' }] },
    });
    const release = JSON.parse(readFileSync(path.join(platformDir(), 'releases', 'v1.0.0.json'), 'utf8'));
    expect(release.notes).toBe(readFileSync(path.join(repo.dir, '.slipway', 'release', 'v1.0.0.md'), 'utf8'));
  });

  it("lists the repository's branches as the open ones", async () => {
    await repo.git('branch', 'feature/other');
    const platform = await createLocalPlatform({ dir: platformDir(), cwd: repo.dir, env: process.env });
    expect(await platform.openBranches()).toEqual(['feature/login', 'feature/other', 'main']);
  });
});

// Baselines travel with the repository: recorded and pushed on the target branch, fetched by a fresh clone.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GateResult } from '../../quality/types.js';
import { createGitRepo, runSlipway, type GitRepo } from '../helpers/git-repo.js';

type GateJson = Omit<GateResult, 'issues'>;

const BLOCK = Array.from({ length: 12 }, (_, i) => `  total += values[${i}] * ${i + 3} - offset;`).join('\n');
const source = (name: string) =>
  `export function ${name}(values: number[], offset: number): number {\n  let total = 0;\n${BLOCK}\n  return total;\n}\n`;

const cleanup: (() => void)[] = [];
afterAll(() => cleanup.forEach((fn) => fn()));

async function repoWithRemote(): Promise<{ repo: GitRepo; remote: string }> {
  const remote = mkdtempSync(path.join(os.tmpdir(), 'slipway-remote-'));
  cleanup.push(() => rmSync(remote, { recursive: true, force: true }));
  const repo = await createGitRepo({ prefix: 'slipway-record-' });
  cleanup.push(() => repo.cleanup());
  await repo.git('init', '--quiet', '--bare', remote);
  repo.write('src/a.ts', source('a'));
  repo.write('src/b.ts', source('b'));
  await repo.commit('two duplicated files');
  await repo.git('remote', 'add', 'origin', remote);
  await repo.git('push', '--quiet', 'origin', 'main');
  return { repo, remote };
}

describe('baseline storage', () => {
  it('given --record --push on main, when a fresh clone judges a branch, then it fetches and uses that baseline', async () => {
    const { repo, remote } = await repoWithRemote();
    const recorded = await runSlipway(['gate', '--record', '--push', '--json'], repo.dir);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.json()).toMatchObject({
      recorded: { branch: 'main', where: 'refs/slipway/baselines/main', pushed: true },
    });
    const head = await repo.git('rev-parse', 'HEAD');

    const clone = await createGitRepo({ prefix: 'slipway-clone-' });
    cleanup.push(() => clone.cleanup());
    await clone.git('remote', 'add', 'origin', remote);
    // like a CI checkout: only origin/main, no local main and no baseline ref yet
    await clone.git('fetch', '--quiet', 'origin', 'main:refs/remotes/origin/main');
    await clone.git('checkout', '--quiet', '-b', 'feature', 'origin/main');
    clone.write('src/c.ts', 'export const c = 1;\n');
    await clone.commit('feature');
    const judged = await runSlipway(['gate', '--base', 'main', '--json'], clone.dir);
    expect(judged.code, judged.stderr).toBe(0);
    const result = judged.json<GateJson>();
    expect(result.verdict).toBe('passed');
    expect(result.base).toBe('origin/main');
    expect(result.baseline).toMatchObject({ branch: 'main', commit: head });
    expect(result.conditions.find((c) => c.id === 'overall:duplication.density')).toMatchObject({ passed: true });
  });

  it('given a second --record, when stored, then the ref keeps the history of baselines', async () => {
    const { repo } = await repoWithRemote();
    expect((await runSlipway(['gate', '--record'], repo.dir)).code).toBe(0);
    repo.write('src/d.ts', 'export const d = 1;\n');
    await repo.commit('more');
    expect((await runSlipway(['gate', '--record'], repo.dir)).code).toBe(0);
    expect(await repo.git('rev-list', '--count', 'refs/slipway/baselines/main')).toBe('2');
    expect(await repo.git('log', '-1', '--format=%s', 'refs/slipway/baselines/main')).toMatch(
      /^slipway baseline for main at [0-9a-f]{40}$/,
    );
  });

  it('given --baseline-file, when recorded and judged, then the JSON file is the baseline (a CI artifact)', async () => {
    const { repo } = await repoWithRemote();
    const file = '.slipway/baselines/main.json';
    expect((await runSlipway(['gate', '--record', '--baseline-file', file], repo.dir)).code).toBe(0);
    await repo.git('checkout', '--quiet', '-b', 'feature');
    repo.write('src/e.ts', source('e'));
    await repo.commit('a third copy');
    const run = await runSlipway(['gate', '--base', 'main', '--json', '--baseline-file', file], repo.dir);
    const result = run.json<GateJson>();
    expect(result.baseline?.branch).toBe('main');
    const ratchet = result.conditions.find((c) => c.id === 'overall:duplication.density')!;
    expect(ratchet.passed).toBe(false);
    expect(result.conditions.find((c) => c.id === 'new_duplicated_lines_density')).toMatchObject({
      value: 100,
      passed: false,
    });
    expect(run.code).toBe(1);
  });
});

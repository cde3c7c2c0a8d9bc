// The work planned for each action, compared as argv arrays: nothing is ever a shell string.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchKey, planWork } from './work.js';

const layout = { checkoutsDir: '/state/serve/scolarite', configFile: 'slipway.config.ts' };
const BRANCH = 'feature/$(id);`rm -rf /`';

describe('webhook work', () => {
  it('brings a branch up in a checkout of its own: fetch, worktree, build --push, env up, then cleans up', () => {
    const key = branchKey(BRANCH);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    const checkout = path.join('/state/serve/scolarite', key);
    const ref = `refs/slipway/serve/${key}`;
    expect(planWork({ kind: 'up', branch: BRANCH }, layout)).toEqual({
      kind: 'up',
      branch: BRANCH,
      key: BRANCH,
      checkout,
      steps: [
        { run: 'clear', path: checkout },
        { run: 'git', argv: ['worktree', 'prune'] },
        { run: 'git', argv: ['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${BRANCH}:${ref}`] },
        { run: 'git', argv: ['worktree', 'add', '--quiet', '--force', '--detach', checkout, ref] },
        { run: 'slipway', argv: ['build', '--push', '--config', 'slipway.config.ts'], in: 'checkout' },
        { run: 'slipway', argv: ['env', 'up', BRANCH, '--config', 'slipway.config.ts'], in: 'checkout' },
      ],
      cleanup: [
        { run: 'git', argv: ['worktree', 'remove', '--force', checkout] },
        { run: 'git', argv: ['worktree', 'prune'] },
        { run: 'git', argv: ['update-ref', '-d', ref] },
      ],
    });
  });

  it("takes a branch down from the repository's own files, queued under the same key as its up", () => {
    const down = planWork({ kind: 'down', branch: BRANCH }, { ...layout, configFile: 'apps/slipway.config.ts' });
    expect(down).toEqual({
      kind: 'down',
      branch: BRANCH,
      key: BRANCH,
      steps: [
        { run: 'slipway', argv: ['env', 'down', BRANCH, '--config', 'apps/slipway.config.ts'], in: 'repository' },
      ],
      cleanup: [],
    });
    expect(down.key).toBe(planWork({ kind: 'up', branch: BRANCH }, layout).key);
  });
});

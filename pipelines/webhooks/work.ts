// The work a webhook action takes, as data (argv arrays and where each runs): `up` fetches the branch from the
// repository's origin into a checkout of its own, builds and pushes what changed, then runs `env up` there; `down`
// runs `env down` from the repository `slipway serve` runs in (the default branch's files), like the stop job.
import { createHash } from 'node:crypto';
import path from 'node:path';

export interface WorkLayout {
  /** Where this branch's checkouts go (one folder per branch, made and removed by each `up`). */
  checkoutsDir: string;
  /** The config file, relative to the repository root (the same in every checkout). */
  configFile: string;
}

export type WorkStep =
  /** git, in the repository `slipway serve` runs in. */
  | { run: 'git'; argv: string[] }
  /** slipway, in the branch's checkout or in the repository. */
  | { run: 'slipway'; argv: string[]; in: 'checkout' | 'repository' }
  /** Removes a folder of serve's own (a checkout a crashed run left behind). */
  | { run: 'clear'; path: string };

export interface WorkPlan {
  kind: 'up' | 'down';
  branch: string;
  /** The queue key: one environment per branch, so one branch's work never runs twice at once. */
  key: string;
  /** The branch's checkout (`up` only). */
  checkout?: string;
  steps: WorkStep[];
  /** Run after the steps, whether they succeeded or not; a failing one does not stop the others. */
  cleanup: WorkStep[];
}

/** A name for the branch that is safe as a folder and a ref component, whatever the branch is called. */
export function branchKey(branch: string): string {
  return createHash('sha256').update(branch).digest('hex').slice(0, 16);
}

export function planWork(action: { kind: 'up' | 'down'; branch: string }, layout: WorkLayout): WorkPlan {
  const config = ['--config', layout.configFile];
  const { branch } = action;
  if (action.kind === 'down') {
    return {
      kind: 'down',
      branch,
      key: branch,
      steps: [{ run: 'slipway', argv: ['env', 'down', branch, ...config], in: 'repository' }],
      cleanup: [],
    };
  }
  const key = branchKey(branch);
  const checkout = path.join(layout.checkoutsDir, key);
  // a ref of our own, not FETCH_HEAD: fetches of other branches may run meanwhile
  const ref = `refs/slipway/serve/${key}`;
  return {
    kind: 'up',
    branch,
    key: branch,
    checkout,
    steps: [
      { run: 'clear', path: checkout },
      { run: 'git', argv: ['worktree', 'prune'] },
      // the branch's name is a validated ref name (events.ts), never a shell word: `+refs/heads/<branch>:<ref>`
      { run: 'git', argv: ['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${branch}:${ref}`] },
      { run: 'git', argv: ['worktree', 'add', '--quiet', '--force', '--detach', checkout, ref] },
      // images the pipeline already pushed for these inputs are found in the registry and reused, not rebuilt
      { run: 'slipway', argv: ['build', '--push', ...config], in: 'checkout' },
      { run: 'slipway', argv: ['env', 'up', branch, ...config], in: 'checkout' },
    ],
    cleanup: [
      { run: 'git', argv: ['worktree', 'remove', '--force', checkout] },
      { run: 'git', argv: ['worktree', 'prune'] },
      { run: 'git', argv: ['update-ref', '-d', ref] },
    ],
  };
}

// The local adapter, for runs outside any forge: the comment, status, deployments and releases become files under
// .slipway/platform/, and the open branches are the repository's local branches.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../../core/exec.js';
import type {
  ChangeRequest,
  CommentResult,
  DeploymentRecord,
  DeploymentResult,
  Platform,
  ReleaseRecord,
  ReleaseResult,
  RunFacts,
  StatusReport,
  StatusResult,
} from '../types.js';

export interface LocalSettings {
  /** `.slipway/platform` under the project root. */
  dir: string;
  /** Where git runs (for the commit, the branch and the local branches). */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** A file name made of anything: letters, digits, `.`, `_` and `-` kept, the rest `_`. */
export function fileName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
}

async function git(settings: LocalSettings, args: string[]): Promise<string | undefined> {
  const result = await run({ file: 'git', args, cwd: settings.cwd, env: settings.env });
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** Written whole under a temporary name, then renamed: a reader never sees half a file. */
async function writeAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, content);
  await rename(temp, file);
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export async function localFacts(settings: LocalSettings): Promise<RunFacts> {
  const sha = await git(settings, ['rev-parse', '--verify', '--quiet', 'HEAD']);
  const ref = await git(settings, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  return {
    sha,
    ref,
    tag: false,
    runUrl: undefined,
    changeRequest: ref ? { number: 'local', branch: ref, ...(sha ? { sha } : {}) } : undefined,
  };
}

export async function createLocalPlatform(settings: LocalSettings): Promise<Platform> {
  const facts = await localFacts(settings);
  const { dir } = settings;
  return {
    name: 'local',
    facts,

    async changeRequest(branch) {
      if (branch && branch !== facts.changeRequest?.branch) return { number: 'local', branch };
      return facts.changeRequest;
    },

    async upsertComment(cr: ChangeRequest, marker: string, body: string): Promise<CommentResult> {
      // one file per merge request and marker: the same marker finds (and replaces) the same file
      const key = createHash('sha256').update(marker).digest('hex').slice(0, 12);
      const file = path.join(dir, 'comments', `${fileName(cr.branch)}-${key}.md`);
      const action = existsSync(file) ? 'updated' : 'created';
      await writeAtomic(file, body);
      return { id: file, action, url: undefined };
    },

    async reportStatus(status: StatusReport): Promise<StatusResult> {
      const file = path.join(dir, 'statuses', `${fileName(status.name)}.json`);
      await writeAtomic(file, json(status));
      return { id: file, url: undefined, annotations: status.annotations.length, requests: 1 };
    },

    async recordDeployment(deployment: DeploymentRecord): Promise<DeploymentResult> {
      const file = path.join(dir, 'deployments', `${fileName(deployment.environment)}.json`);
      await writeAtomic(file, json({ ...deployment, recordedAt: new Date().toISOString() }));
      return { environment: deployment.environment, id: file, url: deployment.url };
    },

    async createRelease(release: ReleaseRecord): Promise<ReleaseResult> {
      const file = path.join(dir, 'releases', `${fileName(release.tag)}.json`);
      const action = existsSync(file) ? 'updated' : 'created';
      await writeAtomic(file, json(release));
      return { tag: release.tag, action, url: undefined };
    },

    async openBranches() {
      const listed = await git(settings, ['for-each-ref', '--format=%(refname:strip=2)', 'refs/heads']);
      return (listed ?? '').split('\n').filter(Boolean).sort();
    },
  };
}

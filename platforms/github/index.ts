// The GitHub adapter (@octokit/rest): pull-request comments, check runs with annotations (50 per request),
// deployments with their statuses, releases, open pull requests. Rate limits are waited out as GitHub asks.
import { readFileSync } from 'node:fs';
import { SlipwayError } from '../../core/errors.js';
import {
  DEFAULT_RETRY,
  ForgeHttpError,
  forgeCaller,
  forgeError,
  nonEmpty,
  rateLimitWait,
  sleep,
  type AdapterOptions,
  type ForgeContext,
} from '../http.js';
import type {
  Annotation,
  ChangeRequest,
  CommentResult,
  DeploymentRecord,
  DeploymentResult,
  Platform,
  ReleaseRecord,
  ReleaseResult,
  StatusReport,
  StatusResult,
} from '../types.js';
import type { GithubEvent, GithubSettings } from './types.js';

export type { GithubEvent, GithubSettings } from './types.js';

/** The Checks API takes at most 50 annotations per request; more go in further updates of the same check run. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** GitHub stores at most 65,536 characters in a comment, 65,535 in a check run's summary. */
export const GITHUB_COMMENT_LIMIT = 65_535;

const CONFIG_FIX =
  'run inside a GitHub Actions job, or set GITHUB_REPOSITORY (owner/name), GITHUB_API_URL and GITHUB_TOKEN';

/** The webhook payload of the run (GITHUB_EVENT_PATH), or nothing when absent or unreadable. */
export function readGithubEvent(env: NodeJS.ProcessEnv): GithubEvent {
  const file = nonEmpty(env.GITHUB_EVENT_PATH);
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as GithubEvent;
  } catch {
    return {};
  }
}

/** Reads GitHub Actions' variables and the event payload. SLIPWAY_GITHUB_TOKEN wins over GITHUB_TOKEN. */
export function githubSettings(env: NodeJS.ProcessEnv, event: GithubEvent): GithubSettings {
  const repository = nonEmpty(env.GITHUB_REPOSITORY);
  if (!repository)
    throw new SlipwayError('PLATFORM_CONFIG', 'GitHub: GITHUB_REPOSITORY is not set', { fix: CONFIG_FIX });
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) {
    throw new SlipwayError('PLATFORM_CONFIG', `GitHub: GITHUB_REPOSITORY ${repository} is not owner/name`, {
      fix: CONFIG_FIX,
    });
  }
  const own = nonEmpty(env.SLIPWAY_GITHUB_TOKEN);
  const actions = nonEmpty(env.GITHUB_TOKEN);
  if (!own && !actions) {
    throw new SlipwayError('PLATFORM_CONFIG', 'GitHub: no token (SLIPWAY_GITHUB_TOKEN and GITHUB_TOKEN are unset)', {
      fix: 'pass the workflow token to the step: env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}',
    });
  }
  const serverUrl = (nonEmpty(env.GITHUB_SERVER_URL) ?? 'https://github.com').replace(/\/+$/, '');
  const pull = event.pull_request;
  const fromRef = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1];
  const number = pull?.number !== undefined ? String(pull.number) : fromRef;
  const headRef = pull?.head?.ref ?? nonEmpty(env.GITHUB_HEAD_REF);
  const runId = nonEmpty(env.GITHUB_RUN_ID);
  return {
    apiUrl: (nonEmpty(env.GITHUB_API_URL) ?? 'https://api.github.com').replace(/\/+$/, ''),
    owner,
    repo,
    serverUrl,
    token: (own ?? actions)!,
    tokenVariable: own ? 'SLIPWAY_GITHUB_TOKEN' : 'GITHUB_TOKEN',
    facts: {
      // on pull_request events GITHUB_SHA is the test merge commit; checks and deployments belong to the head
      sha: pull?.head?.sha ?? nonEmpty(env.GITHUB_SHA),
      ref: headRef ?? nonEmpty(env.GITHUB_REF_NAME),
      tag: env.GITHUB_REF_TYPE === 'tag',
      runUrl: runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined,
      changeRequest:
        number && headRef
          ? {
              number,
              branch: headRef,
              ...(pull?.head?.sha ? { sha: pull.head.sha } : {}),
              url: pull?.html_url ?? `${serverUrl}/${repository}/pull/${number}`,
            }
          : undefined,
    },
  };
}

/** GitHub's environment for a preview: the name `pipeline generate` gives it (`preview/<branch>`). */
export function githubEnvironmentName(deployment: Pick<DeploymentRecord, 'branch'>): string {
  return `preview/${deployment.branch}`;
}

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title: string;
}

export function checkAnnotation(a: Annotation): CheckAnnotation {
  return {
    path: a.path,
    start_line: a.startLine,
    end_line: a.endLine,
    annotation_level: a.level,
    message: a.message.length > 60_000 ? `${a.message.slice(0, 59_999)}…` : a.message,
    title: a.title.length > 255 ? `${a.title.slice(0, 254)}…` : a.title,
  };
}

/** Splits a list into batches of at most `size` (the first batch goes with the check run's creation). */
export function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface HttpErrorLike {
  name: string;
  status: number;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

function isHttpError(error: unknown): error is HttpErrorLike {
  return (
    error instanceof Error &&
    error.name === 'HttpError' &&
    typeof (error as unknown as HttpErrorLike).status === 'number'
  );
}

function detailOf(data: unknown): string {
  if (!data || typeof data !== 'object') return typeof data === 'string' ? data.slice(0, 200) : '';
  const { message, errors } = data as { message?: unknown; errors?: unknown };
  const codes = Array.isArray(errors)
    ? errors
        .map((e) => (e && typeof e === 'object' ? ((e as { code?: string }).code ?? '') : String(e)))
        .filter(Boolean)
    : [];
  return [typeof message === 'string' ? message : '', ...codes].filter(Boolean).join(', ');
}

function alreadyExists(error: unknown): boolean {
  if (!(error instanceof ForgeHttpError) || error.status !== 422) return false;
  return /already_exists/.test(error.detail);
}

export async function createGithubPlatform(settings: GithubSettings, options: AdapterOptions = {}): Promise<Platform> {
  const { Octokit } = await import('@octokit/rest');
  const info = options.info ?? (() => undefined);
  const policy = options.retry ?? DEFAULT_RETRY;
  const quiet = () => undefined;
  const octokit = new Octokit({
    auth: settings.token,
    baseUrl: settings.apiUrl,
    userAgent: 'slipway',
    log: { debug: quiet, info: quiet, warn: (message: string) => info(`GitHub: ${message}`), error: quiet },
  });
  // octokit/rest has no retry plugin: rate limits (429, or 403 with Retry-After or no requests left) wait here
  octokit.hook.wrap('request', async (request, requestOptions) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(requestOptions);
      } catch (error) {
        if (!isHttpError(error)) throw error;
        const headers = error.response?.headers ?? {};
        const wait = rateLimitWait(error.status, headers, attempt);
        if (wait !== undefined && attempt + 1 < policy.attempts && wait <= policy.maxWaitMs) {
          info(`GitHub answered ${error.status} (rate limit): retrying in ${Math.ceil(wait / 1000)} s`);
          await sleep(wait);
          continue;
        }
        throw new ForgeHttpError(error.status, detailOf(error.response?.data), wait);
      }
    }
  });
  const { owner, repo } = settings;
  const context: ForgeContext = {
    forge: 'GitHub',
    tokenVariable: settings.tokenVariable,
    tokenNeeds:
      'the permissions pull-requests: write, checks: write, deployments: write and contents: write (for releases)',
    token: settings.token,
    apiUrl: settings.apiUrl,
  };
  const call = forgeCaller(context);

  return {
    name: 'github',
    facts: settings.facts,

    async changeRequest(branch) {
      if (settings.facts.changeRequest) return settings.facts.changeRequest;
      if (!branch) return undefined;
      const open = await call(`looking for the open pull request of ${branch}`, () =>
        octokit.paginate(octokit.rest.pulls.list, {
          owner,
          repo,
          state: 'open',
          head: `${owner}:${branch}`,
          per_page: 100,
        }),
      );
      const found = open.find((pull) => pull.head.ref === branch);
      if (!found) return undefined;
      return { number: String(found.number), branch, sha: found.head.sha, url: found.html_url };
    },

    async upsertComment(cr: ChangeRequest, marker: string, body: string): Promise<CommentResult> {
      const issue_number = Number(cr.number);
      const comments = await call(`listing the comments of pull request #${cr.number}`, () =>
        octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 }),
      );
      const mine = comments.find((c) => typeof c.body === 'string' && c.body.startsWith(marker));
      if (mine) {
        const { data } = await call(`editing comment ${mine.id} of pull request #${cr.number}`, () =>
          octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body }),
        );
        return { id: String(data.id), action: 'updated', url: data.html_url };
      }
      const { data } = await call(`commenting on pull request #${cr.number}`, () =>
        octokit.rest.issues.createComment({ owner, repo, issue_number, body }),
      );
      return { id: String(data.id), action: 'created', url: data.html_url };
    },

    async reportStatus(status: StatusReport): Promise<StatusResult> {
      const groups = batches(status.annotations.map(checkAnnotation), ANNOTATIONS_PER_REQUEST);
      const output = (annotations: CheckAnnotation[]) => ({
        title: status.title,
        summary:
          status.summary.length > GITHUB_COMMENT_LIMIT ? status.summary.slice(0, GITHUB_COMMENT_LIMIT) : status.summary,
        ...(annotations.length > 0 ? { annotations } : {}),
      });
      // slipway's report states are the Checks API's conclusions
      const conclusion = status.state;
      const finished = { status: 'completed' as const, conclusion, completed_at: new Date().toISOString() };
      // more than one batch: the check run stays in progress until the last batch is added
      const { data: created } = await call(`creating the ${status.name} check run`, () =>
        octokit.rest.checks.create({
          owner,
          repo,
          name: status.name,
          head_sha: status.sha,
          ...(status.targetUrl ? { details_url: status.targetUrl } : {}),
          ...(groups.length > 1 ? { status: 'in_progress' as const } : finished),
          output: output(groups[0] ?? []),
        }),
      );
      for (const [index, group] of groups.entries()) {
        if (index === 0) continue;
        const last = index === groups.length - 1;
        await call(`adding annotations to check run ${created.id}`, () =>
          octokit.rest.checks.update({
            owner,
            repo,
            check_run_id: created.id,
            ...(last ? finished : {}),
            output: output(group),
          }),
        );
      }
      return {
        id: String(created.id),
        url: created.html_url ?? undefined,
        annotations: status.annotations.length,
        requests: Math.max(1, groups.length),
      };
    },

    async recordDeployment(deployment: DeploymentRecord): Promise<DeploymentResult> {
      const environment = githubEnvironmentName(deployment);
      const { data } = await call(`creating a deployment to ${environment}`, () =>
        octokit.rest.repos.createDeployment({
          owner,
          repo,
          ref: deployment.sha,
          environment,
          description: `slipway ${deployment.transient ? 'preview' : 'environment'} ${deployment.environment}`,
          auto_merge: false,
          // the pipeline's own checks are still running: GitHub would refuse the deployment until they pass
          required_contexts: [],
          transient_environment: deployment.transient,
          production_environment: false,
        }),
      );
      if (!('id' in data)) {
        throw new SlipwayError(
          'PLATFORM_ERROR',
          `GitHub did not create the deployment to ${environment}: ${data.message ?? ''}`,
          {
            fix: 'rerun the job',
          },
        );
      }
      await call(`setting the status of deployment ${data.id}`, () =>
        octokit.rest.repos.createDeploymentStatus({
          owner,
          repo,
          deployment_id: data.id,
          state: 'success',
          environment_url: deployment.url,
          ...(deployment.logUrl ? { log_url: deployment.logUrl } : {}),
          auto_inactive: true,
        }),
      );
      return { environment, id: String(data.id), url: deployment.url };
    },

    async createRelease(release: ReleaseRecord): Promise<ReleaseResult> {
      try {
        const { data } = await octokit.rest.repos.createRelease({
          owner,
          repo,
          tag_name: release.tag,
          name: release.name,
          body: release.notes,
          // the tag exists (pushed before); should it not, GitHub tags this commit rather than the default branch
          target_commitish: release.commit,
        });
        return { tag: release.tag, action: 'created', url: data.html_url };
      } catch (error) {
        if (!alreadyExists(error)) throw forgeError(context, `creating the release ${release.tag}`, error);
      }
      const { data: existing } = await call(`reading the release ${release.tag}`, () =>
        octokit.rest.repos.getReleaseByTag({ owner, repo, tag: release.tag }),
      );
      const { data } = await call(`updating the release ${release.tag}`, () =>
        octokit.rest.repos.updateRelease({
          owner,
          repo,
          release_id: existing.id,
          name: release.name,
          body: release.notes,
        }),
      );
      return { tag: release.tag, action: 'updated', url: data.html_url };
    },

    async openBranches() {
      const pulls = await call('listing the open pull requests', () =>
        octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: 'open', per_page: 100 }),
      );
      return [...new Set(pulls.map((p) => p.head.ref))].sort();
    },
  };
}

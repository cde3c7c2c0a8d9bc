// The GitLab adapter (@gitbeaker/rest): merge-request notes, commit statuses, environments and deployments,
// releases, open merge requests. Its requester honours Retry-After and turns failures into catalog errors.
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
  type RetryPolicy,
} from '../http.js';
import type {
  ChangeRequest,
  CommentResult,
  DeploymentRecord,
  DeploymentResult,
  Platform,
  ReleaseRecord,
  ReleaseResult,
  ReportState,
  StatusReport,
  StatusResult,
} from '../types.js';
import type { GitlabSettings } from './types.js';

export type { GitlabSettings } from './types.js';

const CONFIG_FIX =
  'run inside a GitLab CI job, or set CI_API_V4_URL, CI_PROJECT_ID and SLIPWAY_GITLAB_TOKEN (a project access token with the api scope)';

/** Reads GitLab CI's variables. SLIPWAY_GITLAB_TOKEN wins over CI_JOB_TOKEN, which cannot write notes or statuses. */
export function gitlabSettings(env: NodeJS.ProcessEnv): GitlabSettings {
  const apiUrl = (
    nonEmpty(env.CI_API_V4_URL) ?? (nonEmpty(env.CI_SERVER_URL) ? `${env.CI_SERVER_URL}/api/v4` : undefined)
  )?.replace(/\/+$/, '');
  if (!apiUrl) throw new SlipwayError('PLATFORM_CONFIG', 'GitLab: CI_API_V4_URL is not set', { fix: CONFIG_FIX });
  if (!/\/api\/v4$/.test(apiUrl)) {
    throw new SlipwayError('PLATFORM_CONFIG', `GitLab: CI_API_V4_URL ${apiUrl} does not end in /api/v4`, {
      fix: 'set CI_API_V4_URL to the instance address followed by /api/v4',
    });
  }
  const project = nonEmpty(env.CI_PROJECT_ID) ?? nonEmpty(env.CI_PROJECT_PATH);
  if (!project) throw new SlipwayError('PLATFORM_CONFIG', 'GitLab: CI_PROJECT_ID is not set', { fix: CONFIG_FIX });
  const own = nonEmpty(env.SLIPWAY_GITLAB_TOKEN);
  const job = nonEmpty(env.CI_JOB_TOKEN);
  if (!own && !job) {
    throw new SlipwayError('PLATFORM_CONFIG', 'GitLab: no token (SLIPWAY_GITLAB_TOKEN and CI_JOB_TOKEN are unset)', {
      fix: 'set SLIPWAY_GITLAB_TOKEN to a project access token with the api scope (a masked CI/CD variable)',
    });
  }
  const iid = nonEmpty(env.CI_MERGE_REQUEST_IID);
  const sourceBranch = nonEmpty(env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME) ?? nonEmpty(env.CI_COMMIT_REF_NAME);
  const pipelineId = Number(env.CI_PIPELINE_ID);
  const projectUrl = nonEmpty(env.CI_PROJECT_URL);
  return {
    apiUrl,
    host: apiUrl.replace(/\/api\/v4$/, ''),
    project,
    projectUrl,
    token: (own ?? job)!,
    tokenKind: own ? 'private' : 'job',
    tokenVariable: own ? 'SLIPWAY_GITLAB_TOKEN' : 'CI_JOB_TOKEN',
    pipelineId: Number.isInteger(pipelineId) && pipelineId > 0 ? pipelineId : undefined,
    facts: {
      sha: nonEmpty(env.CI_COMMIT_SHA),
      ref: nonEmpty(env.CI_COMMIT_TAG) ?? nonEmpty(env.CI_COMMIT_REF_NAME),
      tag: Boolean(nonEmpty(env.CI_COMMIT_TAG)),
      runUrl: nonEmpty(env.CI_PIPELINE_URL) ?? nonEmpty(env.CI_JOB_URL),
      changeRequest:
        iid && sourceBranch
          ? {
              number: iid,
              branch: sourceBranch,
              // set in merged-results pipelines only, where CI_COMMIT_SHA is the merge commit
              sha: nonEmpty(env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA) ?? nonEmpty(env.CI_COMMIT_SHA),
              ...(projectUrl ? { url: `${projectUrl}/-/merge_requests/${iid}` } : {}),
            }
          : undefined,
    },
  };
}

/** GitLab's commit status states for slipway's report states (`skipped` needs GitLab 17.6: not used). */
export function gitlabState(state: ReportState): 'success' | 'failed' {
  return state === 'failure' ? 'failed' : 'success';
}

/** GitLab's environment for a preview: the name `pipeline generate` gives it (`preview/$CI_COMMIT_REF_SLUG`). */
export function gitlabEnvironmentName(deployment: Pick<DeploymentRecord, 'slug'>): string {
  return `preview/${deployment.slug}`;
}

type Body = Record<string, unknown> | Record<string, unknown>[] | string | null;

interface HandlerOptions {
  prefixUrl?: string;
  searchParams?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | FormData;
  signal?: AbortSignal;
}

async function readBody(response: Response): Promise<Body> {
  if (response.status === 204) return null;
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const text = await response.text();
  if (type === 'application/json' && text !== '') return JSON.parse(text) as Body;
  return text;
}

function detailOf(body: Body): string {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const value = body.message ?? body.error;
    if (value !== undefined) return typeof value === 'string' ? value : JSON.stringify(value);
  }
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

/**
 * gitbeaker's own handler retries a 429 ten times within about a quarter of a second, whatever Retry-After says:
 * this one waits as long as GitLab asks (up to the policy's limit), and retries a 502/503 with a backoff.
 */
export function gitlabRequestHandler(policy: RetryPolicy, info: (line: string) => void) {
  return async (endpoint: string, options?: Record<string, unknown>) => {
    const { prefixUrl, searchParams, method, headers, body, signal } = (options ?? {}) as HandlerOptions;
    const base = prefixUrl && !prefixUrl.endsWith('/') ? `${prefixUrl}/` : prefixUrl;
    const url = new URL(endpoint, base);
    url.search = searchParams ?? '';
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(url, { method, headers, body, signal });
      const parsed = await readBody(response);
      const responseHeaders = Object.fromEntries(response.headers.entries());
      if (response.ok)
        return { body: parsed as Record<string, unknown>, headers: responseHeaders, status: response.status };
      const limited = rateLimitWait(response.status, response.headers, attempt);
      const wait = limited ?? (response.status === 502 || response.status === 503 ? 500 * 2 ** attempt : undefined);
      if (wait !== undefined && attempt + 1 < policy.attempts && wait <= policy.maxWaitMs) {
        info(
          `GitLab answered ${response.status}${limited !== undefined ? ' (rate limit)' : ''}: retrying in ${Math.ceil(wait / 1000)} s`,
        );
        await sleep(wait);
        continue;
      }
      throw new ForgeHttpError(response.status, detailOf(parsed), limited);
    }
  };
}

interface Note {
  id: number;
  body: string;
  system?: boolean;
}

interface MergeRequest {
  iid: number;
  source_branch: string;
  sha?: string;
  web_url?: string;
}

export async function createGitlabPlatform(settings: GitlabSettings, options: AdapterOptions = {}): Promise<Platform> {
  const [gitbeaker, { createRequesterFn }] = await Promise.all([
    import('@gitbeaker/rest'),
    import('@gitbeaker/requester-utils'),
  ]);
  const info = options.info ?? (() => undefined);
  const requesterFn = createRequesterFn(
    (_service, requestOptions) => Promise.resolve(requestOptions),
    gitlabRequestHandler(options.retry ?? DEFAULT_RETRY, info),
  );
  const auth = settings.tokenKind === 'job' ? { jobToken: settings.token } : { token: settings.token };
  // no client-side rate limiter: GitLab's own limits (429 + Retry-After) are what the handler follows
  const common = { host: settings.host, requesterFn, rateLimits: {}, ...auth };
  const notes = new gitbeaker.MergeRequestNotes(common);
  const mergeRequests = new gitbeaker.MergeRequests(common);
  const commits = new gitbeaker.Commits(common);
  const environments = new gitbeaker.Environments(common);
  const deployments = new gitbeaker.Deployments(common);
  const releases = new gitbeaker.ProjectReleases(common);
  const project = settings.project;
  const context: ForgeContext = {
    forge: 'GitLab',
    tokenVariable: settings.tokenVariable,
    tokenNeeds:
      settings.tokenKind === 'job'
        ? 'the api scope (CI_JOB_TOKEN cannot do this: set SLIPWAY_GITLAB_TOKEN to a project access token)'
        : 'the api scope and at least the Developer role',
    token: settings.token,
    apiUrl: settings.apiUrl,
  };
  const call = forgeCaller(context);
  const noteUrl = (cr: ChangeRequest, id: number) =>
    settings.projectUrl ? `${settings.projectUrl}/-/merge_requests/${cr.number}#note_${id}` : undefined;

  return {
    name: 'gitlab',
    facts: settings.facts,

    async changeRequest(branch) {
      if (settings.facts.changeRequest) return settings.facts.changeRequest;
      if (!branch) return undefined;
      const open = (await call(`looking for the open merge request of ${branch}`, () =>
        mergeRequests.all({ projectId: project, state: 'opened', sourceBranch: branch, perPage: 100 }),
      )) as unknown as MergeRequest[];
      const found = open.find((mr) => mr.source_branch === branch);
      if (!found) return undefined;
      return {
        number: String(found.iid),
        branch,
        ...(found.sha ? { sha: found.sha } : {}),
        ...(found.web_url ? { url: found.web_url } : {}),
      };
    },

    async upsertComment(cr, marker, body): Promise<CommentResult> {
      const all = (await call(`listing the notes of merge request !${cr.number}`, () =>
        notes.all(project, Number(cr.number), { sort: 'asc', orderBy: 'created_at', perPage: 100 }),
      )) as unknown as Note[];
      const mine = all.find((note) => !note.system && typeof note.body === 'string' && note.body.startsWith(marker));
      if (mine) {
        await call(`editing note ${mine.id} of merge request !${cr.number}`, () =>
          notes.edit(project, Number(cr.number), mine.id, { body }),
        );
        return { id: String(mine.id), action: 'updated', url: noteUrl(cr, mine.id) };
      }
      const created = (await call(`commenting on merge request !${cr.number}`, () =>
        notes.create(project, Number(cr.number), body),
      )) as unknown as Note;
      return { id: String(created.id), action: 'created', url: noteUrl(cr, created.id) };
    },

    async reportStatus(status: StatusReport): Promise<StatusResult> {
      const state = gitlabState(status.state);
      const description = status.title.length > 255 ? `${status.title.slice(0, 254)}…` : status.title;
      try {
        const created = (await call(`setting the ${status.name} status of ${status.sha.slice(0, 12)}`, () =>
          commits.editStatus(project, status.sha, state, {
            name: status.name,
            description,
            ...(status.targetUrl ? { targetUrl: status.targetUrl } : {}),
            ...(settings.pipelineId ? { pipelineId: settings.pipelineId } : {}),
            ...(settings.facts.ref && !settings.facts.tag ? { ref: settings.facts.ref } : {}),
          }),
        )) as unknown as { id: number; target_url?: string };
        return { id: String(created.id), url: created.target_url ?? status.targetUrl, annotations: 0, requests: 1 };
      } catch (error) {
        // GitLab refuses to set a status to the state it already has: the status is what we wanted
        if (error instanceof SlipwayError && /Cannot transition status/i.test(error.message)) {
          return { id: '', url: status.targetUrl, annotations: 0, requests: 1 };
        }
        throw error;
      }
    },

    async recordDeployment(deployment: DeploymentRecord): Promise<DeploymentResult> {
      const name = gitlabEnvironmentName(deployment);
      const found = (await call(`looking up the environment ${name}`, () =>
        environments.all(project, { name }),
      )) as unknown as { id: number; name: string; external_url?: string | null }[];
      const existing = found.find((e) => e.name === name);
      if (!existing) {
        await call(`creating the environment ${name}`, () =>
          environments.create(project, name, { externalUrl: deployment.url, tier: 'development' }),
        );
      } else if (existing.external_url !== deployment.url) {
        await call(`setting the URL of the environment ${name}`, () =>
          environments.edit(project, existing.id, { externalUrl: deployment.url }),
        );
      }
      const created = (await call(`recording a deployment to ${name}`, () =>
        deployments.create(project, name, deployment.sha, deployment.ref, deployment.tag, { status: 'success' }),
      )) as unknown as { id: number };
      return { environment: name, id: String(created.id), url: deployment.url };
    },

    async createRelease(release: ReleaseRecord): Promise<ReleaseResult> {
      const url = settings.projectUrl
        ? `${settings.projectUrl}/-/releases/${encodeURIComponent(release.tag)}`
        : undefined;
      try {
        await releases.create(project, { tagName: release.tag, name: release.name, description: release.notes });
        return { tag: release.tag, action: 'created', url };
      } catch (error) {
        // 409 Conflict: the release exists (a rerun after a failure)
        if (!(error instanceof ForgeHttpError && error.status === 409))
          throw forgeError(context, `creating the release ${release.tag}`, error);
      }
      // its notes are brought up to date
      await call(`updating the release ${release.tag}`, () =>
        releases.edit(project, release.tag, { name: release.name, description: release.notes }),
      );
      return { tag: release.tag, action: 'updated', url };
    },

    async openBranches() {
      const open = (await call('listing the open merge requests', () =>
        mergeRequests.all({ projectId: project, state: 'opened', perPage: 100 }),
      )) as unknown as MergeRequest[];
      return [...new Set(open.map((mr) => mr.source_branch))].sort();
    },
  };
}

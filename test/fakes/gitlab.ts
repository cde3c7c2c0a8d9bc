// A fake GitLab (REST API v4) serving only the endpoints slipway uses, with the documented request parameters and
// response shapes (docs.gitlab.com/api: notes, merge_requests, commits#set-the-pipeline-status-of-a-commit,
// environments, deployments, releases), offset pagination headers (X-Page, X-Next-Page, X-Total-Pages, Link), and
// PRIVATE-TOKEN / JOB-TOKEN authentication.
import { FakeForge, linkHeader, paginate, type FakeRequest, type FakeResponse } from './server.js';

export interface GitlabNote {
  id: number;
  type: null;
  body: string;
  author: { id: number; username: string; name: string };
  created_at: string;
  updated_at: string;
  system: boolean;
  noteable_id: number;
  noteable_type: 'MergeRequest';
  noteable_iid: number;
  resolvable: boolean;
}

export interface GitlabMergeRequest {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  state: 'opened' | 'closed' | 'merged';
  source_branch: string;
  target_branch: string;
  sha: string;
  web_url: string;
}

export interface GitlabStatus {
  id: number;
  sha: string;
  ref: string | null;
  status: string;
  name: string;
  target_url: string | null;
  description: string | null;
  pipeline_id: number | null;
}

export interface GitlabEnvironment {
  id: number;
  name: string;
  slug: string;
  external_url: string | null;
  state: 'available' | 'stopped';
  tier: string;
}

export interface GitlabDeployment {
  id: number;
  iid: number;
  ref: string;
  sha: string;
  tag: boolean;
  status: string;
  environment: GitlabEnvironment;
}

export interface GitlabRelease {
  tag_name: string;
  name: string;
  description: string;
  created_at: string;
}

export interface GitlabFakeOptions {
  projectId?: number;
  projectPath?: string;
  /** The PRIVATE-TOKEN the fake accepts. */
  token?: string;
  /** The JOB-TOKEN the fake accepts. */
  jobToken?: string;
  /** The largest page the fake serves, whatever per_page asks (GitLab's is 100): small, to make clients page. */
  pageSize?: number;
}

const NOW = '2024-05-01T10:00:00.000Z';

export class GitlabFake {
  readonly forge: FakeForge;
  readonly projectId: number;
  readonly projectPath: string;
  readonly mergeRequests: GitlabMergeRequest[] = [];
  readonly notes = new Map<number, GitlabNote[]>();
  readonly statuses: GitlabStatus[] = [];
  readonly environments: GitlabEnvironment[] = [];
  readonly deployments: GitlabDeployment[] = [];
  readonly releases: GitlabRelease[] = [];
  private nextId = 1000;
  private readonly pageSize: number;

  constructor(options: GitlabFakeOptions = {}) {
    this.projectId = options.projectId ?? 42;
    this.projectPath = options.projectPath ?? 'school/scolarite';
    this.pageSize = options.pageSize ?? 100;
    const token = options.token;
    const jobToken = options.jobToken;
    this.forge = new FakeForge({
      prefix: '/api/v4',
      authenticate: (headers) =>
        (token !== undefined && headers['private-token'] === token) ||
        (jobToken !== undefined && headers['job-token'] === jobToken),
      unauthorized: { status: 401, body: { message: '401 Unauthorized' } },
      invalid: (missing) => ({ status: 400, body: { error: `${missing.join(', ')} is missing` } }),
    });
    this.routes();
  }

  get url(): string {
    return this.forge.url;
  }

  get apiUrl(): string {
    return `${this.forge.url}/api/v4`;
  }

  start(): Promise<string> {
    return this.forge.start();
  }

  stop(): Promise<void> {
    return this.forge.stop();
  }

  addMergeRequest(
    iid: number,
    sourceBranch: string,
    state: GitlabMergeRequest['state'] = 'opened',
  ): GitlabMergeRequest {
    const mr: GitlabMergeRequest = {
      id: this.id(),
      iid,
      project_id: this.projectId,
      title: `Merge ${sourceBranch}`,
      state,
      source_branch: sourceBranch,
      target_branch: 'main',
      sha: 'a'.repeat(40),
      web_url: `${this.url}/${this.projectPath}/-/merge_requests/${iid}`,
    };
    this.mergeRequests.push(mr);
    return mr;
  }

  /** A note someone else wrote, so the marker search has something to skip. */
  addNote(iid: number, body: string, system = false): GitlabNote {
    const note = this.note(iid, body, system);
    this.notesOf(iid).push(note);
    return note;
  }

  private id(): number {
    return this.nextId++;
  }

  private note(iid: number, body: string, system = false): GitlabNote {
    return {
      id: this.id(),
      type: null,
      body,
      author: { id: 7, username: 'project_42_bot', name: 'slipway bot' },
      created_at: NOW,
      updated_at: NOW,
      system,
      noteable_id: iid + 10_000,
      noteable_type: 'MergeRequest',
      noteable_iid: iid,
      resolvable: false,
    };
  }

  private notesOf(iid: number): GitlabNote[] {
    const list = this.notes.get(iid) ?? [];
    this.notes.set(iid, list);
    return list;
  }

  private project(request: FakeRequest): boolean {
    return request.params.id === String(this.projectId) || request.params.id === this.projectPath;
  }

  private notFound(what = 'Not found'): FakeResponse {
    return { status: 404, body: { message: `404 ${what}` } };
  }

  /** GitLab's offset pagination: X-Page, X-Per-Page, X-Next-Page, X-Prev-Page, X-Total, X-Total-Pages and Link. */
  private list<T>(items: T[], request: FakeRequest): FakeResponse {
    const { page, pageNumber, pages, perPage } = paginate(items, request, this.pageSize);
    const url = new URL(`${request.path}?${request.query.toString()}`, this.url);
    return {
      status: 200,
      headers: {
        'x-page': String(pageNumber),
        'x-per-page': String(perPage),
        'x-next-page': pageNumber < pages ? String(pageNumber + 1) : '',
        'x-prev-page': pageNumber > 1 ? String(pageNumber - 1) : '',
        'x-total': String(items.length),
        'x-total-pages': String(pages),
        link: linkHeader(url, pageNumber, pages),
      },
      body: page,
    };
  }

  private routes(): void {
    const page = ['page', 'per_page'];
    const f = this.forge;

    f.route({
      method: 'GET',
      pattern: '/projects/:id/merge_requests',
      query: ['state', 'source_branch', ...page],
      handle: (r) => {
        if (!this.project(r)) return this.notFound('Project Not Found');
        const state = r.query.get('state');
        const branch = r.query.get('source_branch');
        const found = this.mergeRequests.filter(
          (mr) => (!state || state === 'all' || mr.state === state) && (!branch || mr.source_branch === branch),
        );
        return this.list(found, r);
      },
    });

    f.route({
      method: 'GET',
      pattern: '/projects/:id/merge_requests/:iid/notes',
      query: ['sort', 'order_by', ...page],
      handle: (r) => {
        if (!this.project(r)) return this.notFound('Project Not Found');
        const iid = Number(r.params.iid);
        if (!this.mergeRequests.some((mr) => mr.iid === iid)) return this.notFound();
        const notes = [...this.notesOf(iid)];
        if (r.query.get('sort') !== 'asc') notes.reverse();
        return this.list(notes, r);
      },
    });

    f.route({
      method: 'POST',
      pattern: '/projects/:id/merge_requests/:iid/notes',
      body: ['body', 'internal', 'created_at'],
      required: ['body'],
      handle: (r) => {
        if (!this.project(r)) return this.notFound('Project Not Found');
        const iid = Number(r.params.iid);
        if (!this.mergeRequests.some((mr) => mr.iid === iid)) return this.notFound();
        const note = this.note(iid, (r.body as { body: string }).body);
        this.notesOf(iid).push(note);
        return { status: 201, body: note };
      },
    });

    f.route({
      method: 'PUT',
      pattern: '/projects/:id/merge_requests/:iid/notes/:note_id',
      body: ['body'],
      required: ['body'],
      handle: (r) => {
        if (!this.project(r)) return this.notFound('Project Not Found');
        const note = this.notesOf(Number(r.params.iid)).find((n) => n.id === Number(r.params.note_id));
        if (!note) return this.notFound('Note Not Found');
        note.body = (r.body as { body: string }).body;
        note.updated_at = new Date().toISOString();
        return { status: 200, body: note };
      },
    });

    f.route({
      method: 'POST',
      pattern: '/projects/:id/statuses/:sha',
      body: ['state', 'ref', 'name', 'context', 'target_url', 'description', 'coverage', 'pipeline_id'],
      required: ['state'],
      handle: (r) => {
        if (!this.project(r)) return this.notFound('Project Not Found');
        const b = r.body as Record<string, string | number | undefined>;
        if (!['pending', 'running', 'success', 'failed', 'canceled', 'skipped'].includes(String(b.state))) {
          return { status: 400, body: { error: 'state does not have a valid value' } };
        }
        const status: GitlabStatus = {
          id: this.id(),
          sha: r.params.sha!,
          ref: (b.ref as string | undefined) ?? null,
          status: String(b.state),
          name: String(b.name ?? b.context ?? 'default'),
          target_url: (b.target_url as string | undefined) ?? null,
          description: (b.description as string | undefined) ?? null,
          pipeline_id: (b.pipeline_id as number | undefined) ?? null,
        };
        this.statuses.push(status);
        return { status: 201, body: { ...status, allow_failure: false, created_at: NOW } };
      },
    });

    f.route({
      method: 'GET',
      pattern: '/projects/:id/environments',
      query: ['name', 'search', 'states', ...page],
      handle: (r) => {
        if (!this.project(r)) return this.notFound('Project Not Found');
        const name = r.query.get('name');
        return this.list(
          this.environments.filter((e) => !name || e.name === name),
          r,
        );
      },
    });

    f.route({
      method: 'POST',
      pattern: '/projects/:id/environments',
      body: ['name', 'external_url', 'tier'],
      required: ['name'],
      handle: (r) => {
        if (!this.project(r)) return this.notFound('Project Not Found');
        const b = r.body as { name: string; external_url?: string; tier?: string };
        if (this.environments.some((e) => e.name === b.name)) {
          return { status: 400, body: { message: { name: ['has already been taken'] } } };
        }
        const environment: GitlabEnvironment = {
          id: this.id(),
          name: b.name,
          slug: b.name.replace(/[^a-z0-9]+/g, '-').slice(0, 24),
          external_url: b.external_url ?? null,
          state: 'available',
          tier: b.tier ?? 'other',
        };
        this.environments.push(environment);
        return { status: 201, body: environment };
      },
    });

    f.route({
      method: 'PUT',
      pattern: '/projects/:id/environments/:environment_id',
      body: ['external_url', 'tier'],
      handle: (r) => {
        if (!this.project(r)) return this.notFound('Project Not Found');
        const environment = this.environments.find((e) => e.id === Number(r.params.environment_id));
        if (!environment) return this.notFound();
        const b = r.body as { external_url?: string; tier?: string };
        if (b.external_url !== undefined) environment.external_url = b.external_url;
        if (b.tier !== undefined) environment.tier = b.tier;
        return { status: 200, body: environment };
      },
    });

    f.route({
      method: 'POST',
      pattern: '/projects/:id/deployments',
      body: ['environment', 'sha', 'ref', 'tag', 'status'],
      required: ['environment', 'sha', 'ref', 'tag', 'status'],
      handle: (r) => {
        if (!this.project(r)) return this.notFound('Project Not Found');
        const b = r.body as { environment: string; sha: string; ref: string; tag: boolean; status: string };
        if (typeof b.tag !== 'boolean') return { status: 400, body: { error: 'tag is invalid' } };
        if (!['running', 'success', 'failed', 'canceled'].includes(b.status)) {
          return { status: 400, body: { error: 'status does not have a valid value' } };
        }
        // GitLab creates the environment on the first deployment to it
        let environment = this.environments.find((e) => e.name === b.environment);
        if (!environment) {
          environment = {
            id: this.id(),
            name: b.environment,
            slug: '',
            external_url: null,
            state: 'available',
            tier: 'other',
          };
          this.environments.push(environment);
        }
        const deployment: GitlabDeployment = {
          id: this.id(),
          iid: this.deployments.length + 1,
          ref: b.ref,
          sha: b.sha,
          tag: b.tag,
          status: b.status,
          environment,
        };
        this.deployments.push(deployment);
        return { status: 201, body: { ...deployment, created_at: NOW, updated_at: NOW } };
      },
    });

    f.route({
      method: 'POST',
      pattern: '/projects/:id/releases',
      body: ['tag_name', 'name', 'description', 'ref', 'tag_message', 'milestones', 'assets', 'released_at'],
      required: ['tag_name'],
      handle: (r) => {
        if (!this.project(r)) return this.notFound('Project Not Found');
        const b = r.body as { tag_name: string; name?: string; description?: string };
        if (this.releases.some((x) => x.tag_name === b.tag_name)) {
          return { status: 409, body: { message: 'Release already exists' } };
        }
        const release: GitlabRelease = {
          tag_name: b.tag_name,
          name: b.name ?? b.tag_name,
          description: b.description ?? '',
          created_at: NOW,
        };
        this.releases.push(release);
        return {
          status: 201,
          body: { ...release, _links: { self: `${this.url}/${this.projectPath}/-/releases/${b.tag_name}` } },
        };
      },
    });

    f.route({
      method: 'PUT',
      pattern: '/projects/:id/releases/:tag_name',
      body: ['name', 'description', 'milestones', 'released_at'],
      handle: (r) => {
        if (!this.project(r)) return this.notFound('Project Not Found');
        const release = this.releases.find((x) => x.tag_name === r.params.tag_name);
        if (!release) return this.notFound();
        const b = r.body as { name?: string; description?: string };
        if (b.name !== undefined) release.name = b.name;
        if (b.description !== undefined) release.description = b.description;
        return { status: 200, body: release };
      },
    });
  }
}

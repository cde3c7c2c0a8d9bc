// A fake GitHub REST API serving only the endpoints slipway uses, with the documented parameters and response shapes
// (docs.github.com/rest: issues/comments, checks/runs, deployments and deployment statuses, releases, pulls),
// Link rel="next" pagination, `Authorization: token|Bearer` authentication, and the Checks API's limit of 50
// annotations per request.
import { FakeForge, linkHeader, paginate, type FakeRequest, type FakeResponse } from './server.js';

export interface GithubComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  body: string;
  user: { login: string; id: number; type: string };
  created_at: string;
  updated_at: string;
}

export interface GithubPull {
  id: number;
  number: number;
  state: 'open' | 'closed';
  title: string;
  html_url: string;
  head: { ref: string; sha: string; label: string };
  base: { ref: string; sha: string; label: string };
  merged_at: string | null;
}

export interface GithubAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

export interface GithubCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  details_url: string | null;
  html_url: string;
  output: { title: string | null; summary: string | null; annotations_count: number };
  /** Every annotation added, in order (the API appends them on each update). */
  annotations: GithubAnnotation[];
  /** How many annotations each request carried. */
  batches: number[];
}

export interface GithubDeployment {
  id: number;
  ref: string;
  sha: string;
  environment: string;
  description: string | null;
  transient_environment: boolean;
  production_environment: boolean;
  statuses: { id: number; state: string; environment_url: string | null; log_url: string | null }[];
}

export interface GithubRelease {
  id: number;
  tag_name: string;
  target_commitish: string;
  name: string | null;
  body: string | null;
  html_url: string;
}

export interface GithubFakeOptions {
  owner?: string;
  repo?: string;
  /** The token the fake accepts, as `token <t>` or `Bearer <t>`. */
  token: string;
  /** The largest page the fake serves whatever per_page asks (GitHub's is 100): small, to make clients page. */
  pageSize?: number;
}

const NOW = '2024-05-01T10:00:00Z';
const LEVELS = ['notice', 'warning', 'failure'];

export class GithubFake {
  readonly forge: FakeForge;
  readonly owner: string;
  readonly repo: string;
  readonly comments = new Map<number, GithubComment[]>();
  readonly pulls: GithubPull[] = [];
  readonly checkRuns: GithubCheckRun[] = [];
  readonly deployments: GithubDeployment[] = [];
  readonly releases: GithubRelease[] = [];
  private nextId = 5000;
  private readonly pageSize: number;

  constructor(options: GithubFakeOptions) {
    this.owner = options.owner ?? 'school';
    this.repo = options.repo ?? 'scolarite';
    this.pageSize = options.pageSize ?? 100;
    const token = options.token;
    this.forge = new FakeForge({
      authenticate: (headers) => {
        const value = String(headers.authorization ?? '');
        const match = /^(token|bearer) (.+)$/i.exec(value);
        return match?.[2] === token;
      },
      unauthorized: {
        status: 401,
        body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' },
      },
      invalid: (missing) => ({
        status: 422,
        body: {
          message: 'Invalid request.',
          errors: missing.map((field) => ({ resource: 'Request', field, code: 'missing_field' })),
        },
      }),
    });
    this.routes();
  }

  get url(): string {
    return this.forge.url;
  }

  start(): Promise<string> {
    return this.forge.start();
  }

  stop(): Promise<void> {
    return this.forge.stop();
  }

  addPull(number: number, branch: string, state: GithubPull['state'] = 'open'): GithubPull {
    const pull: GithubPull = {
      id: this.id(),
      number,
      state,
      title: `Merge ${branch}`,
      html_url: `https://github.example/${this.owner}/${this.repo}/pull/${number}`,
      head: { ref: branch, sha: 'b'.repeat(40), label: `${this.owner}:${branch}` },
      base: { ref: 'main', sha: 'c'.repeat(40), label: `${this.owner}:main` },
      merged_at: null,
    };
    this.pulls.push(pull);
    return pull;
  }

  /** A comment someone else wrote, so the marker search has something to skip. */
  addComment(number: number, body: string): GithubComment {
    const comment = this.comment(number, body);
    this.commentsOf(number).push(comment);
    return comment;
  }

  private id(): number {
    return this.nextId++;
  }

  private comment(number: number, body: string): GithubComment {
    const id = this.id();
    return {
      id,
      node_id: `IC_${id}`,
      url: `${this.url}/repos/${this.owner}/${this.repo}/issues/comments/${id}`,
      html_url: `https://github.example/${this.owner}/${this.repo}/pull/${number}#issuecomment-${id}`,
      body,
      user: { login: 'github-actions[bot]', id: 41898282, type: 'Bot' },
      created_at: NOW,
      updated_at: NOW,
    };
  }

  private commentsOf(number: number): GithubComment[] {
    const list = this.comments.get(number) ?? [];
    this.comments.set(number, list);
    return list;
  }

  private repository(r: FakeRequest): boolean {
    return r.params.owner === this.owner && r.params.repo === this.repo;
  }

  private notFound(): FakeResponse {
    return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
  }

  private list<T>(items: T[], request: FakeRequest): FakeResponse {
    const { page, pageNumber, pages } = paginate(items, request, this.pageSize);
    const url = new URL(`${request.path}?${request.query.toString()}`, this.url);
    return { status: 200, headers: pages > 1 ? { link: linkHeader(url, pageNumber, pages) } : {}, body: page };
  }

  /** Checks the annotations of one request: at most 50, each with its required fields. */
  private annotations(value: unknown): GithubAnnotation[] | FakeResponse {
    if (value === undefined) return [];
    if (!Array.isArray(value)) return { status: 422, body: { message: 'Invalid request.' } };
    if (value.length > 50) {
      return { status: 422, body: { message: 'Invalid request.\n\nOnly 50 annotations are allowed per request.' } };
    }
    for (const a of value as Record<string, unknown>[]) {
      const ok =
        typeof a.path === 'string' &&
        Number.isInteger(a.start_line) &&
        Number.isInteger(a.end_line) &&
        LEVELS.includes(String(a.annotation_level)) &&
        typeof a.message === 'string';
      if (!ok)
        return {
          status: 422,
          body: { message: 'Invalid request.', errors: [{ code: 'invalid', field: 'annotations' }] },
        };
    }
    return value as GithubAnnotation[];
  }

  private checkRunBody(run: GithubCheckRun) {
    const { annotations: _a, batches: _b, ...rest } = run;
    return { ...rest, output: { ...run.output, annotations_count: run.annotations.length } };
  }

  private routes(): void {
    const f = this.forge;
    const page = ['page', 'per_page'];

    f.route({
      method: 'GET',
      pattern: '/repos/:owner/:repo/issues/:number/comments',
      query: ['since', ...page],
      handle: (r) => {
        if (!this.repository(r)) return this.notFound();
        const number = Number(r.params.number);
        if (!this.pulls.some((p) => p.number === number)) return this.notFound();
        return this.list(this.commentsOf(number), r);
      },
    });

    f.route({
      method: 'POST',
      pattern: '/repos/:owner/:repo/issues/:number/comments',
      body: ['body'],
      required: ['body'],
      handle: (r) => {
        if (!this.repository(r)) return this.notFound();
        const number = Number(r.params.number);
        if (!this.pulls.some((p) => p.number === number)) return this.notFound();
        const comment = this.comment(number, (r.body as { body: string }).body);
        this.commentsOf(number).push(comment);
        return { status: 201, body: comment };
      },
    });

    f.route({
      method: 'PATCH',
      pattern: '/repos/:owner/:repo/issues/comments/:comment_id',
      body: ['body'],
      required: ['body'],
      handle: (r) => {
        if (!this.repository(r)) return this.notFound();
        const id = Number(r.params.comment_id);
        const comment = [...this.comments.values()].flat().find((c) => c.id === id);
        if (!comment) return this.notFound();
        comment.body = (r.body as { body: string }).body;
        comment.updated_at = new Date().toISOString();
        return { status: 200, body: comment };
      },
    });

    const checkFields = [
      'name',
      'head_sha',
      'details_url',
      'external_id',
      'status',
      'started_at',
      'conclusion',
      'completed_at',
      'output',
      'actions',
    ];

    f.route({
      method: 'POST',
      pattern: '/repos/:owner/:repo/check-runs',
      body: checkFields,
      required: ['name', 'head_sha'],
      handle: (r) => {
        if (!this.repository(r)) return this.notFound();
        const b = r.body as Record<string, unknown>;
        const output = (b.output ?? {}) as { title?: string; summary?: string; annotations?: unknown };
        if (b.output !== undefined && (typeof output.title !== 'string' || typeof output.summary !== 'string')) {
          return { status: 422, body: { message: 'Invalid request.\n\n"title", "summary" wasn\'t supplied.' } };
        }
        if (b.status === 'completed' && b.conclusion === undefined) {
          return {
            status: 422,
            body: { message: 'Invalid request.\n\nNo conclusion given for a completed check run.' },
          };
        }
        const annotations = this.annotations(output.annotations);
        if (!Array.isArray(annotations)) return annotations;
        const id = this.id();
        const run: GithubCheckRun = {
          id,
          name: String(b.name),
          head_sha: String(b.head_sha),
          status: String(b.status ?? 'queued'),
          conclusion: (b.conclusion as string | undefined) ?? null,
          details_url: (b.details_url as string | undefined) ?? null,
          html_url: `https://github.example/${this.owner}/${this.repo}/runs/${id}`,
          output: { title: output.title ?? null, summary: output.summary ?? null, annotations_count: 0 },
          annotations: [...annotations],
          batches: [annotations.length],
        };
        this.checkRuns.push(run);
        return { status: 201, body: this.checkRunBody(run) };
      },
    });

    f.route({
      method: 'PATCH',
      pattern: '/repos/:owner/:repo/check-runs/:check_run_id',
      body: checkFields,
      handle: (r) => {
        if (!this.repository(r)) return this.notFound();
        const run = this.checkRuns.find((c) => c.id === Number(r.params.check_run_id));
        if (!run) return this.notFound();
        const b = r.body as Record<string, unknown>;
        const output = b.output as { title?: string; summary?: string; annotations?: unknown } | undefined;
        if (output && (typeof output.title !== 'string' || typeof output.summary !== 'string')) {
          return { status: 422, body: { message: 'Invalid request.\n\n"title", "summary" wasn\'t supplied.' } };
        }
        const annotations = this.annotations(output?.annotations);
        if (!Array.isArray(annotations)) return annotations;
        if (b.status !== undefined) run.status = String(b.status);
        if (b.conclusion !== undefined) run.conclusion = String(b.conclusion);
        if (output) run.output = { ...run.output, title: output.title!, summary: output.summary! };
        run.annotations.push(...annotations);
        run.batches.push(annotations.length);
        return { status: 200, body: this.checkRunBody(run) };
      },
    });

    f.route({
      method: 'POST',
      pattern: '/repos/:owner/:repo/deployments',
      body: [
        'ref',
        'task',
        'auto_merge',
        'required_contexts',
        'payload',
        'environment',
        'description',
        'transient_environment',
        'production_environment',
      ],
      required: ['ref'],
      handle: (r) => {
        if (!this.repository(r)) return this.notFound();
        const b = r.body as Record<string, unknown>;
        const deployment: GithubDeployment = {
          id: this.id(),
          ref: String(b.ref),
          sha: String(b.ref),
          environment: String(b.environment ?? 'production'),
          description: (b.description as string | undefined) ?? null,
          transient_environment: Boolean(b.transient_environment),
          production_environment: Boolean(b.production_environment ?? b.environment === undefined),
          statuses: [],
        };
        this.deployments.push(deployment);
        const { statuses: _s, ...body } = deployment;
        return { status: 201, body: { ...body, task: 'deploy', created_at: NOW, updated_at: NOW } };
      },
    });

    f.route({
      method: 'POST',
      pattern: '/repos/:owner/:repo/deployments/:deployment_id/statuses',
      body: ['state', 'target_url', 'log_url', 'description', 'environment', 'environment_url', 'auto_inactive'],
      required: ['state'],
      handle: (r) => {
        if (!this.repository(r)) return this.notFound();
        const deployment = this.deployments.find((d) => d.id === Number(r.params.deployment_id));
        if (!deployment) return this.notFound();
        const b = r.body as Record<string, unknown>;
        const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
        if (!states.includes(String(b.state))) return { status: 422, body: { message: 'Invalid request.' } };
        const status = {
          id: this.id(),
          state: String(b.state),
          environment_url: (b.environment_url as string | undefined) ?? null,
          log_url: (b.log_url as string | undefined) ?? null,
        };
        deployment.statuses.push(status);
        return { status: 201, body: { ...status, environment: deployment.environment, created_at: NOW } };
      },
    });

    f.route({
      method: 'POST',
      pattern: '/repos/:owner/:repo/releases',
      body: [
        'tag_name',
        'target_commitish',
        'name',
        'body',
        'draft',
        'prerelease',
        'discussion_category_name',
        'generate_release_notes',
        'make_latest',
      ],
      required: ['tag_name'],
      handle: (r) => {
        if (!this.repository(r)) return this.notFound();
        const b = r.body as Record<string, string | undefined>;
        if (this.releases.some((x) => x.tag_name === b.tag_name)) {
          return {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }],
              documentation_url: 'https://docs.github.com/rest/releases/releases#create-a-release',
            },
          };
        }
        const id = this.id();
        const release: GithubRelease = {
          id,
          tag_name: b.tag_name!,
          target_commitish: b.target_commitish ?? 'main',
          name: b.name ?? null,
          body: b.body ?? null,
          html_url: `https://github.example/${this.owner}/${this.repo}/releases/tag/${b.tag_name}`,
        };
        this.releases.push(release);
        return { status: 201, body: release };
      },
    });

    f.route({
      method: 'GET',
      pattern: '/repos/:owner/:repo/releases/tags/:tag',
      handle: (r) => {
        if (!this.repository(r)) return this.notFound();
        const release = this.releases.find((x) => x.tag_name === r.params.tag);
        return release ? { status: 200, body: release } : this.notFound();
      },
    });

    f.route({
      method: 'PATCH',
      pattern: '/repos/:owner/:repo/releases/:release_id',
      body: [
        'tag_name',
        'target_commitish',
        'name',
        'body',
        'draft',
        'prerelease',
        'make_latest',
        'discussion_category_name',
      ],
      handle: (r) => {
        if (!this.repository(r)) return this.notFound();
        const release = this.releases.find((x) => x.id === Number(r.params.release_id));
        if (!release) return this.notFound();
        const b = r.body as Record<string, string | undefined>;
        if (b.name !== undefined) release.name = b.name;
        if (b.body !== undefined) release.body = b.body;
        return { status: 200, body: release };
      },
    });

    f.route({
      method: 'GET',
      pattern: '/repos/:owner/:repo/pulls',
      query: ['state', 'head', 'base', 'sort', 'direction', ...page],
      handle: (r) => {
        if (!this.repository(r)) return this.notFound();
        const state = r.query.get('state') ?? 'open';
        const head = r.query.get('head');
        const found = this.pulls.filter(
          (p) => (state === 'all' || p.state === state) && (!head || p.head.label === head),
        );
        return this.list(found, r);
      },
    });
  }
}

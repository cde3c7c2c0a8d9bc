// The core of the forge fakes: a node:http server with a route table that records every request, answers only the
// routes it was given (anything else is recorded as unexpected, for the test to fail on), checks authentication,
// checks the query and body parameters each route documents, and can answer a 429 once or a 401 for an expired token.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  /** The raw path, percent-encoding kept (`/api/v4/projects/group%2Fproj/...`). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The route's `:name` segments, decoded. */
  params: Record<string, string>;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/repos/:owner/:repo/issues/:number/comments`; a `:name` matches one raw segment. */
  pattern: string;
  /** Query parameters the documentation lists for the endpoint; any other is an unexpected request. */
  query?: string[];
  /** Body fields the documentation lists; any other is an unexpected request. */
  body?: string[];
  /** Body fields without which the forge answers 400 (GitLab) or 422 (GitHub). */
  required?: string[];
  handle(request: FakeRequest): FakeResponse;
}

export interface FakeOptions {
  /** True when the request carries the expected credentials. */
  authenticate(headers: IncomingHttpHeaders): boolean;
  /** The forge's answer to a missing or wrong token. */
  unauthorized: FakeResponse;
  /** The forge's answer to a missing required parameter. */
  invalid(missing: string[]): FakeResponse;
  /** Path prefix of every route (`/api/v4` for GitLab). */
  prefix?: string;
}

function matchRoute(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of want.entries()) {
    const actual = got[i]!;
    if (segment.startsWith(':')) {
      if (actual === '') return undefined;
      params[segment.slice(1)] = decodeURIComponent(actual);
    } else if (segment !== actual) return undefined;
  }
  return params;
}

/** `Link` header value for page-numbered pagination, as GitLab and GitHub send it. */
export function linkHeader(url: URL, page: number, pages: number): string {
  const at = (n: number) => {
    const next = new URL(url);
    next.searchParams.set('page', String(n));
    return next.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${at(page - 1)}>; rel="prev"`);
  if (page < pages) links.push(`<${at(page + 1)}>; rel="next"`);
  links.push(`<${at(1)}>; rel="first"`, `<${at(Math.max(1, pages))}>; rel="last"`);
  return links.join(', ');
}

export class FakeForge {
  readonly routes: Route[] = [];
  /** Every request, in order, with its headers (the tests check the credentials they carried). */
  readonly requests: FakeRequest[] = [];
  /** `METHOD path: reason` of each request no route expected: a test fails when this is not empty. */
  readonly unexpected: string[] = [];
  private server: Server | undefined;
  private rateLimits: { method: string; pattern: string; retryAfter: number }[] = [];
  private expired = false;
  url = '';

  constructor(private readonly options: FakeOptions) {}

  route(route: Route): void {
    this.routes.push(route);
  }

  /** The next request matching `method pattern` gets 429 with Retry-After; the one after it is served. */
  rateLimitOnce(method: string, pattern: string, retryAfterSeconds: number): void {
    this.rateLimits.push({ method, pattern, retryAfter: retryAfterSeconds });
  }

  /** From now on every request gets the forge's 401, as after a token expired. */
  expireToken(): void {
    this.expired = true;
  }

  /** The token is valid again (a new one was set in the CI variables). */
  renewToken(): void {
    this.expired = false;
  }

  /** Requests served (not the 429s and 401s), as `METHOD /path`. */
  calls(method?: string, pattern?: string): FakeRequest[] {
    const prefix = this.options.prefix ?? '';
    return this.requests.filter(
      (r) => (!method || r.method === method) && (!pattern || matchRoute(`${prefix}${pattern}`, r.path) !== undefined),
    );
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const answer = this.answer(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks));
        const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
        res.writeHead(answer.status, {
          ...(answer.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
          ...answer.headers,
        });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private answer(method: string, rawUrl: string, headers: IncomingHttpHeaders, raw: Buffer): FakeResponse {
    const url = new URL(rawUrl, this.url);
    const prefix = this.options.prefix ?? '';
    const where = `${method} ${url.pathname}`;
    if (!this.options.authenticate(headers)) return this.options.unauthorized;
    if (this.expired) return this.options.unauthorized;
    let body: unknown = undefined;
    if (raw.length > 0) {
      if (!String(headers['content-type'] ?? '').startsWith('application/json')) {
        this.unexpected.push(`${where}: body is not JSON (${String(headers['content-type'])})`);
        return { status: 415, body: { message: 'fake: expected application/json' } };
      }
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        this.unexpected.push(`${where}: body is not valid JSON`);
        return { status: 400, body: { message: 'fake: invalid JSON' } };
      }
    }
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const params = matchRoute(`${prefix}${route.pattern}`, url.pathname);
      if (!params) continue;
      const limit = this.rateLimits.findIndex((l) => l.method === method && l.pattern === route.pattern);
      if (limit >= 0) {
        const [hit] = this.rateLimits.splice(limit, 1);
        return {
          status: 429,
          headers: { 'retry-after': String(hit!.retryAfter) },
          body: { message: 'API rate limit exceeded' },
        };
      }
      const unknownQuery = [...url.searchParams.keys()].filter((k) => !(route.query ?? []).includes(k));
      const fields = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
      const unknownBody = fields.filter((k) => !(route.body ?? []).includes(k));
      if (unknownQuery.length > 0 || unknownBody.length > 0) {
        this.unexpected.push(
          `${where}: undocumented ${[...unknownQuery.map((q) => `query ${q}`), ...unknownBody.map((b) => `field ${b}`)].join(', ')}`,
        );
        return { status: 400, body: { message: 'fake: undocumented parameter' } };
      }
      const missing = (route.required ?? []).filter(
        (k) => !(body && typeof body === 'object' && k in (body as Record<string, unknown>)),
      );
      if (missing.length > 0) return this.options.invalid(missing);
      const request: FakeRequest = { method, path: url.pathname, query: url.searchParams, headers, body, params };
      this.requests.push(request);
      return route.handle(request);
    }
    this.unexpected.push(`${where}: no such route in the fake`);
    return { status: 404, body: { message: 'fake: unexpected request' } };
  }
}

/** Slices a list for page-numbered pagination; `cap` is the fake's largest page (to make tests page). */
export function paginate<T>(
  items: T[],
  request: FakeRequest,
  cap: number,
): { page: T[]; pageNumber: number; pages: number; perPage: number } {
  const perPage = Math.min(cap, Number(request.query.get('per_page') ?? 20) || 20);
  const pageNumber = Math.max(1, Number(request.query.get('page') ?? 1) || 1);
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  return { page: items.slice((pageNumber - 1) * perPage, pageNumber * perPage), pageNumber, pages, perPage };
}

// The preview router: one Caddy container routing preview hosts to environment containers, changed live through
// Caddy's admin API (compare-and-swap on its config ETag) so switching an environment drops no request.
import http from 'node:http';
import net from 'node:net';
import type Docker from 'dockerode';
import { SlipwayError } from '../../core/errors.js';
import {
  demuxLogs,
  engineEndpoint,
  engineRequest,
  engineRequestRaw,
  engineUnreachable,
  ensureNamedNetwork,
  EngineApiError,
  isEngineConnectionError,
  type EngineEndpoint,
} from './api.js';

export interface RouterOptions {
  /** Address the preview port is published on; default 127.0.0.1. */
  bind?: string;
  /** Preview port on the host; default 8080. */
  port?: number;
  /** Caddy's admin API port on the host, always published on 127.0.0.1 only; default 2019. */
  adminPort?: number;
  /** A Caddy image to run as is (e.g. the official `caddy:2`) instead of the one built from the host's caddy. */
  image?: string;
  /** Default slipway-router; also names the router's own network. */
  containerName?: string;
  /** Keeps Caddy's autosaved config across restarts and re-creations; default `<containerName>-data`. */
  volumeName?: string;
  /** Defaults to DOCKER_HOST or the local socket, as the Docker CLI does. */
  endpoint?: EngineEndpoint;
}

export interface RouteSpec {
  /** e.g. slipway.scolarite.feat-x.students.web */
  id: string;
  hosts: string[];
  /** Dial addresses, host:port (Docker DNS names on networks the router is connected to). */
  upstreams: string[];
  /** Kept in the route so routes can be listed by project or environment. */
  labels?: Record<string, string>;
  /** Only requests from these IPs or CIDR ranges match, e.g. an environment's subnet for its internal names. */
  sourceRanges?: string[];
}

export interface RouterStatus {
  running: boolean;
  networks: string[];
  /** Published ports as `docker ps` shows them, e.g. 127.0.0.1:8080->8080/tcp. */
  ports: string[];
}

export interface Router {
  /** Router image present, container running (restart policy unless-stopped), admin API answering, base config in place. Idempotent and fast when all is there. */
  ensure(): Promise<void>;
  /**
   * Attach the router container to a Docker network (idempotent) under these aliases, so the environment's
   * containers reach it by stable names; it re-attaches only when an alias is missing.
   */
  connect(network: string, aliases?: string[]): Promise<void>;
  /** Detach it (idempotent; detaching a network it is not on is fine). */
  disconnect(network: string): Promise<void>;
  listRoutes(): Promise<RouteSpec[]>;
  /** Create the route, or if it exists switch its upstreams atomically (PATCH upstreams) without dropping requests. */
  upsertRoute(route: RouteSpec): Promise<void>;
  removeRoute(id: string): Promise<void>;
  /**
   * Several upserts and removals as ONE config change. Every change makes Caddy reload and close its idle
   * keep-alive connections, so an environment's routes change together rather than one reload per route.
   */
  applyRoutes(change: { upsert?: RouteSpec[]; remove?: string[] }): Promise<void>;
  /** http://<host>:<port> as a person opens it, e.g. http://web-students--feat-x.localhost:8080 */
  url(host: string): string;
  /** Inspect the router container: running?, published ports, networks. */
  status(): Promise<RouterStatus>;
}

/** Inside the container the ports never change; the host side is what options choose. */
export const ROUTER_HTTP_PORT = 8080;
/** Containers of an environment call each other at http://<stable name> (port 80), and that name is the router. */
export const ROUTER_INTERNAL_PORT = 80;
export const ROUTER_ADMIN_PORT = 2019;
export const ROUTER_STATE_DIR = '/var/lib/slipway-router';
export const ROUTER_CONFIG_FILE = '/etc/slipway-router/caddy.json';
/** `--resume` prefers Caddy's autosave (on the volume) over the initial config, so routes survive restarts. */
export const ROUTER_ENTRYPOINT = ['caddy', 'run', '--resume', '--config', ROUTER_CONFIG_FILE];
export const ROUTER_ENV = [
  `XDG_DATA_HOME=${ROUTER_STATE_DIR}/data`,
  `XDG_CONFIG_HOME=${ROUTER_STATE_DIR}/config`,
  `HOME=${ROUTER_STATE_DIR}`,
];
export const ROUTER_ROLE_LABEL = 'dev.slipway.role';
const SPEC_LABEL = 'dev.slipway.router-spec';
export const ROUTER_SERVER = 'slipway';
export const CATCH_ALL_ID = 'slipway.catch-all';
/** Caddy rejects unknown fields in a route, so labels ride in a `vars` handler (also usable as placeholders). */
export const LABELS_VAR = 'slipway_labels';
const SERVER_PATH = `/config/apps/http/servers/${ROUTER_SERVER}`;
const ROUTES_PATH = `${SERVER_PATH}/routes`;

export interface CaddyHandler {
  handler: string;
  [field: string]: unknown;
}

export interface CaddyMatcher {
  host?: string[];
  remote_ip?: { ranges?: string[] };
}

export interface CaddyRoute {
  '@id'?: string;
  match?: CaddyMatcher[];
  handle?: CaddyHandler[];
  terminal?: boolean;
}

export interface CaddyServer {
  listen?: string[];
  automatic_https?: { disable?: boolean };
  routes?: CaddyRoute[];
  [field: string]: unknown;
}

export interface CaddyConfig {
  admin: { listen: string };
  apps: { http: { servers: Record<string, CaddyServer> } };
}

export function catchAllRoute(): CaddyRoute {
  return {
    '@id': CATCH_ALL_ID,
    handle: [
      {
        handler: 'static_response',
        status_code: 404,
        headers: { 'Content-Type': ['text/plain; charset=utf-8'] },
        body: 'no preview environment for {http.request.host}\n',
      },
    ],
  };
}

export function routerListen(): string[] {
  return [`:${ROUTER_HTTP_PORT}`, `:${ROUTER_INTERNAL_PORT}`];
}

/** What a fresh router serves: nothing but the catch-all; the admin API listens on all container interfaces. */
export function initialRouterConfig(): CaddyConfig {
  return {
    admin: { listen: `0.0.0.0:${ROUTER_ADMIN_PORT}` },
    apps: {
      http: {
        servers: {
          [ROUTER_SERVER]: {
            listen: routerListen(),
            // previews are plain HTTP; host matchers would otherwise make Caddy redirect to HTTPS and fetch certs
            automatic_https: { disable: true },
            routes: [catchAllRoute()],
          },
        },
      },
    },
  };
}

/** Puts the router's server (and admin address) into whatever config Caddy holds, keeping everything else. */
export function withRouterServer(current: unknown): CaddyConfig {
  const base = initialRouterConfig();
  const config = (current && typeof current === 'object' ? structuredClone(current) : {}) as Record<string, unknown>;
  const apps = (config.apps ?? {}) as Record<string, unknown>;
  const httpApp = (apps.http ?? {}) as Record<string, unknown>;
  const servers = (httpApp.servers ?? {}) as Record<string, unknown>;
  servers[ROUTER_SERVER] = base.apps.http.servers[ROUTER_SERVER];
  return { ...config, admin: base.admin, apps: { ...apps, http: { ...httpApp, servers } } } as CaddyConfig;
}

export function routeToCaddy(route: RouteSpec): CaddyRoute {
  const ranges = route.sourceRanges ?? [];
  return {
    '@id': route.id,
    match: [{ host: [...route.hosts], ...(ranges.length > 0 ? { remote_ip: { ranges: [...ranges] } } : {}) }],
    handle: [
      { handler: 'vars', [LABELS_VAR]: { ...route.labels } },
      {
        handler: 'reverse_proxy',
        upstreams: route.upstreams.map((dial) => ({ dial })),
        // an upstream still starting (or whose DNS name is just appearing) gets retried for a moment, not a 502
        load_balancing: { try_duration: '3s', try_interval: '250ms' },
      },
    ],
    terminal: true,
  };
}

/** Reads a route back; undefined for the catch-all and for routes slipway did not write. */
export function routeFromCaddy(route: CaddyRoute): RouteSpec | undefined {
  const id = route['@id'];
  const proxy = route.handle?.find((h) => h.handler === 'reverse_proxy');
  if (!id || id === CATCH_ALL_ID || !proxy) return undefined;
  const vars = route.handle?.find((h) => h.handler === 'vars');
  const labels = (vars?.[LABELS_VAR] ?? {}) as Record<string, string>;
  const upstreams = (proxy.upstreams as { dial?: string }[] | undefined) ?? [];
  const sourceRanges = (route.match ?? []).flatMap((m) => m.remote_ip?.ranges ?? []);
  return {
    id,
    hosts: (route.match ?? []).flatMap((m) => m.host ?? []),
    upstreams: upstreams.map((u) => u.dial ?? '').filter((d) => d !== ''),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(sourceRanges.length > 0 ? { sourceRanges } : {}),
  };
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const HOST_PATTERN = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const DIAL_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?:\d{1,5}$/;

function isIpRange(range: string): boolean {
  const [address = '', prefix, extra] = range.split('/');
  const family = net.isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Route ids become admin API paths (/id/<id>), so they are kept to URL-safe characters. */
export function validateRoute(route: RouteSpec): void {
  const problems: string[] = [];
  if (!ID_PATTERN.test(route.id)) problems.push(`id "${route.id}": use letters, digits, dots, dashes, underscores`);
  if (route.id === CATCH_ALL_ID) problems.push(`id "${route.id}" is reserved for the catch-all route`);
  if (route.hosts.length === 0) problems.push('hosts: at least one host is needed');
  for (const host of route.hosts) if (!HOST_PATTERN.test(host)) problems.push(`host "${host}" is not a host name`);
  if (route.upstreams.length === 0) problems.push('upstreams: at least one host:port is needed');
  for (const dial of route.upstreams) {
    const port = Number(dial.split(':').at(-1));
    if (!DIAL_PATTERN.test(dial) || port < 1 || port > 65535) problems.push(`upstream "${dial}" is not host:port`);
  }
  for (const range of route.sourceRanges ?? [])
    if (!isIpRange(range)) problems.push(`source range "${range}" is not an IP or CIDR range`);
  if (problems.length > 0)
    throw new SlipwayError('ROUTE_INVALID', `route ${route.id} is invalid: ${problems[0]}`, {
      fix: 'give the route a URL-safe id, host names, host:port upstreams and CIDR source ranges',
      details: problems,
    });
}

/** One admin API call that brings the router one step closer to what is wanted; always sent with If-Match. */
export type RouteChange =
  | { kind: 'none' }
  | {
      kind: 'base' | 'insert' | 'switch' | 'replace' | 'remove';
      method: 'PUT' | 'PATCH' | 'DELETE';
      path: string;
      body?: unknown;
    };

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  return JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());
}

function isCatchAll(route: CaddyRoute | undefined): boolean {
  return route?.['@id'] === CATCH_ALL_ID;
}

/** Plain-HTTP listeners on both inside ports, and exactly one catch-all, last. */
export function planBase(server: CaddyServer): RouteChange {
  const routes = server.routes ?? [];
  const listenOk = sameList([...(server.listen ?? [])].sort(), routerListen().sort());
  const httpsOff = server.automatic_https?.disable === true;
  const catchAllOk = routes.filter(isCatchAll).length === 1 && isCatchAll(routes.at(-1));
  if (listenOk && httpsOff && catchAllOk) return { kind: 'none' };
  return {
    kind: 'base',
    method: 'PATCH',
    path: SERVER_PATH,
    body: {
      ...server,
      listen: routerListen(),
      automatic_https: { ...server.automatic_https, disable: true },
      routes: [...routes.filter((r) => !isCatchAll(r)), catchAllRoute()],
    },
  };
}

/** Exact hosts never overlap, so new routes go first; wildcard routes go after them, just before the catch-all. */
export function insertionIndex(routes: readonly CaddyRoute[], route: RouteSpec): number {
  if (!route.hosts.some((h) => h.startsWith('*.'))) return 0;
  const catchAll = routes.findIndex(isCatchAll);
  return catchAll === -1 ? routes.length : catchAll;
}

export function planUpsert(routes: readonly CaddyRoute[], route: RouteSpec): RouteChange {
  const index = routes.findIndex((r) => r['@id'] === route.id);
  if (index === -1) {
    const path = `${ROUTES_PATH}/${insertionIndex(routes, route)}`;
    return { kind: 'insert', method: 'PUT', path, body: routeToCaddy(route) };
  }
  const current = routes[index]!;
  const existing = routeFromCaddy(current);
  const sameShape = current.handle?.[0]?.handler === 'vars' && current.handle[1]?.handler === 'reverse_proxy';
  const sameMatch =
    existing !== undefined &&
    sameList(existing.hosts, route.hosts) &&
    sameList(existing.sourceRanges ?? [], route.sourceRanges ?? []) &&
    sameLabels(existing.labels, route.labels);
  if (!sameShape || !sameMatch)
    return { kind: 'replace', method: 'PATCH', path: `${ROUTES_PATH}/${index}`, body: routeToCaddy(route) };
  if (sameList(existing.upstreams, route.upstreams)) return { kind: 'none' };
  const upstreams = route.upstreams.map((dial) => ({ dial }));
  return { kind: 'switch', method: 'PATCH', path: `/id/${route.id}/handle/1/upstreams`, body: upstreams };
}

export function planRemove(routes: readonly CaddyRoute[], id: string): RouteChange {
  const index = routes.findIndex((r) => r['@id'] === id);
  return index === -1 ? { kind: 'none' } : { kind: 'remove', method: 'DELETE', path: `${ROUTES_PATH}/${index}` };
}

/** The whole route list after upserting and removing, or 'none' when that is what Caddy already has. */
export function planBatch(
  routes: readonly CaddyRoute[],
  upserts: readonly RouteSpec[],
  removes: readonly string[],
): RouteChange {
  let next = routes.filter((r) => !removes.includes(r['@id'] ?? '') || isCatchAll(r));
  for (const route of upserts) {
    const index = next.findIndex((r) => r['@id'] === route.id);
    if (index === -1)
      next = [
        ...next.slice(0, insertionIndex(next, route)),
        routeToCaddy(route),
        ...next.slice(insertionIndex(next, route)),
      ];
    else if (planUpsert([next[index]!], route).kind !== 'none')
      next = next.map((r, i) => (i === index ? routeToCaddy(route) : r));
  }
  if (JSON.stringify(next) === JSON.stringify(routes)) return { kind: 'none' };
  return { kind: 'replace', method: 'PATCH', path: ROUTES_PATH, body: next };
}

/**
 * Docker publishes a container's ports on its gateway network, which libnetwork picks by network name when
 * priorities are equal: a network sorting before the router's own would take the published ports (the router's
 * port flaps as environments come and go, and host traffic arrives from that environment's subnet).
 */
export function wouldTakeGateway(network: string, routerNetwork: string): boolean {
  return network < routerNetwork;
}

export function routerUrl(host: string, port: number): string {
  return port === 80 ? `http://${host}` : `http://${host}:${port}`;
}

export interface RouterSettings {
  bind: string;
  port: number;
  adminPort: number;
  image: string | undefined;
  containerName: string;
  volumeName: string;
  /** The router's own user-defined network: only there does Docker give it the embedded DNS that resolves aliases. */
  network: string;
}

export function resolveRouterOptions(options: RouterOptions = {}): RouterSettings {
  const containerName = options.containerName ?? 'slipway-router';
  return {
    bind: options.bind ?? '127.0.0.1',
    port: options.port ?? 8080,
    adminPort: options.adminPort ?? 2019,
    image: options.image,
    containerName,
    volumeName: options.volumeName ?? `${containerName}-data`,
    network: containerName,
  };
}

/** Everything that, when changed, means the container must be re-created (the volume keeps the routes). */
export function routerSpecLabel(settings: RouterSettings): string {
  const { bind, port, adminPort, image, volumeName, network } = settings;
  return JSON.stringify({ image: image ?? 'built', bind, port, adminPort, volumeName, network });
}

/**
 * The Engine API body that creates the router container, on its network given by id (`networkId`): a name another
 * process is creating at the same moment may briefly be ambiguous.
 */
export function routerContainerBody(
  settings: RouterSettings,
  image: string,
  networkId: string = settings.network,
): Record<string, unknown> {
  const http = `${ROUTER_HTTP_PORT}/tcp`;
  const admin = `${ROUTER_ADMIN_PORT}/tcp`;
  return {
    Image: image,
    Entrypoint: ROUTER_ENTRYPOINT,
    Cmd: [],
    Env: ROUTER_ENV,
    Labels: { [ROUTER_ROLE_LABEL]: 'router', [SPEC_LABEL]: routerSpecLabel(settings) },
    ExposedPorts: { [http]: {}, [admin]: {} },
    HostConfig: {
      PortBindings: {
        [http]: [{ HostIp: settings.bind, HostPort: String(settings.port) }],
        // whoever reaches the admin API can reroute every preview, so it never leaves loopback
        [admin]: [{ HostIp: '127.0.0.1', HostPort: String(settings.adminPort) }],
      },
      RestartPolicy: { Name: 'unless-stopped' },
      Mounts: [{ Type: 'volume', Source: settings.volumeName, Target: ROUTER_STATE_DIR }],
      NetworkMode: networkId,
    },
    NetworkingConfig: { EndpointsConfig: { [networkId]: {} } },
  };
}

/** Which configured port a failed container start collided on, from the engine's message. */
export function conflictingPort(message: string, settings: RouterSettings): number | undefined {
  if (!/address already in use|port is already allocated/i.test(message)) return undefined;
  const ports = [...message.matchAll(/:(\d{1,5})(?!\d)/g)].map((m) => Number(m[1]));
  return [settings.port, settings.adminPort].find((p) => ports.includes(p)) ?? settings.port;
}

interface AdminResponse {
  status: number;
  text: string;
  etag: string | undefined;
}

/** Caddy restarts its admin server on every config change, so each call gets a fresh connection (no keep-alive). */
function adminRequest(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  ifMatch?: string,
): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = {};
    if (payload) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
    if (ifMatch) headers['If-Match'] = ifMatch;
    const options = { host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 15_000 };
    const request = http.request(options, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        // Caddy sends the ETag as a trailer, after the body it hashes
        const etag = response.trailers.etag ?? (response.headers.etag as string | undefined);
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), etag });
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer from 127.0.0.1:${port} in 15 s`)));
    request.on('error', reject);
    request.end(payload);
  });
}

function caddyMessage(response: AdminResponse): string {
  try {
    return (JSON.parse(response.text) as { error?: string }).error ?? response.text.trim();
  } catch {
    return response.text.trim();
  }
}

/** False only when something listens there; other bind errors (an address not on this host) are Docker's to report. */
function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code !== 'EADDRINUSE'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isStatus(error: unknown, status: number, message?: RegExp): boolean {
  return error instanceof EngineApiError && error.statusCode === status && (!message || message.test(error.message));
}

export function createRouter(options: RouterOptions = {}): Router {
  const settings = resolveRouterOptions(options);
  const endpoint = options.endpoint ?? engineEndpoint();
  const name = settings.containerName;
  const container = `/containers/${encodeURIComponent(name)}`;
  const admin = `127.0.0.1:${settings.adminPort}`;

  async function engine<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await engineRequest<T>(endpoint, method, path, body);
    } catch (error) {
      if (!isEngineConnectionError(error)) throw error;
      throw engineUnreachable(error);
    }
  }

  function engineFailure(what: string, error: unknown): SlipwayError {
    if (error instanceof SlipwayError) return error;
    return new SlipwayError('ENGINE_ERROR', `${what} failed: ${(error as Error).message.split('\n')[0]}`, {
      fix: `check the engine (\`docker ps -a --filter name=${name}\`) and retry`,
      cause: error,
    });
  }

  async function inspect(): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await engine<Docker.ContainerInspectInfo>('GET', `${container}/json`);
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw engineFailure(`inspecting the router container ${name}`, error);
    }
  }

  async function removeContainer(): Promise<void> {
    await engine('DELETE', `${container}?force=true`).catch((error: unknown) => {
      if (!isStatus(error, 404)) throw engineFailure(`removing ${name}`, error);
    });
  }

  async function createContainer(): Promise<void> {
    // loaded only here: the image build and the config upload need tar and dockerode, the fast path does not
    const { ensureRouterImage, writeInitialConfig } = await import('./router-image.js');
    const image = await ensureRouterImage({ image: settings.image, endpoint });
    const labels = { [ROUTER_ROLE_LABEL]: 'router' };
    try {
      await engine('POST', '/volumes/create', { Name: settings.volumeName, Labels: labels });
      const network = await ensureNamedNetwork(engine, settings.network, labels);
      await engine(
        'POST',
        `/containers/create?name=${encodeURIComponent(name)}`,
        routerContainerBody(settings, image, network.Id),
      );
    } catch (error) {
      // another slipway process created it first: use theirs
      if (isStatus(error, 409)) return;
      throw engineFailure(`creating the router container ${name}`, error);
    }
    await writeInitialConfig(endpoint, name).catch((error: unknown) => {
      throw engineFailure(`writing the router's initial config into ${name}`, error);
    });
  }

  function portInUse(port: number, cause?: unknown): SlipwayError {
    const isAdmin = port === settings.adminPort && port !== settings.port;
    const host = isAdmin ? '127.0.0.1' : settings.bind;
    return new SlipwayError('PORT_IN_USE', `port ${port} on ${host} is already in use, so the router cannot start`, {
      fix: `free port ${port} or set ${isAdmin ? 'router.adminPort' : 'router.port'} to a free port in slipway.config.ts`,
      cause,
    });
  }

  /** Checked before starting: Docker itself notices a port taken by another program only with its userland proxy on. */
  async function busyPort(): Promise<number | undefined> {
    if (!endpoint.socketPath) return undefined; // a remote engine's ports are not this machine's
    const wanted: [number, string][] = [
      [settings.port, settings.bind],
      [settings.adminPort, '127.0.0.1'],
    ];
    for (const [port, host] of wanted) if (!(await portFree(port, host))) return port;
    return undefined;
  }

  function isOurs(state: Docker.ContainerInspectInfo | undefined): boolean {
    return state?.Config.Labels?.[SPEC_LABEL] === routerSpecLabel(settings);
  }

  /** 'gone' when another process removed the container in between; then ensure() looks again. */
  async function startContainer(): Promise<'started' | 'gone'> {
    try {
      await engine('POST', `${container}/start`);
      return 'started';
    } catch (error) {
      if (isStatus(error, 404)) return 'gone';
      // a container created by name when two networks got that name (engines before the fix above): keep one, retry
      if (error instanceof EngineApiError && /is ambiguous/.test(error.message)) {
        await ensureNamedNetwork(engine, settings.network, { [ROUTER_ROLE_LABEL]: 'router' });
        return startContainer();
      }
      const port = error instanceof EngineApiError ? conflictingPort(error.message, settings) : undefined;
      if (port === undefined) throw engineFailure(`starting the router container ${name}`, error);
      // a concurrent ensure() that started it a moment earlier holds the port: that is the router, running
      if ((await inspect())?.State.Running) return 'started';
      throw portInUse(port, error);
    }
  }

  async function logTail(): Promise<string[]> {
    try {
      const raw = await engineRequestRaw(endpoint, 'GET', `${container}/logs?stdout=1&stderr=1&tail=5`);
      return demuxLogs(raw)
        .trim()
        .split('\n')
        .filter((line) => line !== '');
    } catch {
      return [];
    }
  }

  /** The router's server config and its ETag; server is null when Caddy has none (an empty or foreign config). */
  async function readServer(): Promise<{ server: CaddyServer | null; etag: string }> {
    let response: AdminResponse;
    try {
      response = await adminRequest(settings.adminPort, 'GET', SERVER_PATH);
    } catch (error) {
      // the engine itself going away (a restart) takes the router with it: say so, not "the router is broken"
      await engine('GET', '/_ping');
      // an engine shutting down still answers while it stops containers, the router first among them
      const state = await inspect();
      if (!state || !state.State.Running) {
        const what = state
          ? `is ${state.State.Status} (exit code ${state.State.ExitCode}${state.State.FinishedAt ? ` at ${state.State.FinishedAt}` : ''})`
          : 'is gone';
        throw new SlipwayError(
          'ROUTER_ERROR',
          `the router container ${name} ${what}, so its admin API does not answer`,
          {
            fix: `run the command again: it starts the router (routes are kept); an engine restarting stops it too, and \`docker logs ${name}\` says why it stopped`,
            cause: error,
          },
        );
      }
      throw new SlipwayError('ROUTER_ERROR', `the router's admin API on ${admin} is not answering`, {
        fix: `run \`docker logs ${name}\` to see why; removing the container lets slipway re-create it (routes are kept)`,
        cause: error,
      });
    }
    if (response.status !== 200 || !response.etag)
      throw new SlipwayError(
        'ROUTER_ERROR',
        `the router's admin API answered ${response.status}: ${caddyMessage(response)}`,
        {
          fix: `run \`docker logs ${name}\`; is something else listening on ${admin}?`,
        },
      );
    return { server: JSON.parse(response.text) as CaddyServer | null, etag: response.etag };
  }

  async function waitForAdmin(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await readServer();
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          const state = await inspect();
          const how = state?.State.Running ? 'running' : `not running (${state?.State.Status ?? 'missing'})`;
          throw new SlipwayError(
            'ROUTER_ERROR',
            `the router's admin API on ${admin} did not answer; the container is ${how}`,
            {
              fix: `run \`docker logs ${name}\` to see why; removing the container lets slipway re-create it`,
              details: await logTail(),
              cause: error,
            },
          );
        }
        await sleep(50);
      }
    }
  }

  /** An empty config (an image started without ours) gets the router's server; whatever else is there stays. */
  async function loadBaseConfig(): Promise<void> {
    const current = await adminRequest(settings.adminPort, 'GET', '/config/');
    const body = withRouterServer(JSON.parse(current.text));
    const change = await adminRequest(settings.adminPort, 'POST', '/config/', body, current.etag);
    // 412: another process loaded it first
    if (change.status !== 200 && change.status !== 412)
      throw new SlipwayError('ROUTER_ERROR', `the router rejected its base config: ${caddyMessage(change)}`, {
        fix: `run \`docker logs ${name}\`; a configured router.image must be Caddy 2.6 or newer`,
      });
  }

  /**
   * Applies planned changes with If-Match on the server's ETag: when another slipway process changed the config
   * in between, Caddy answers 412 and the change is planned again on fresh state, so no edit is ever lost.
   */
  async function reconcile(what: string, plan: (server: CaddyServer) => RouteChange, once: boolean): Promise<void> {
    let lastError: unknown;
    let unreachableSince: number | undefined;
    // Caddy replaces its admin listener with every config change, so under many writers a connection is
    // sometimes refused or reset: that is retried for a few seconds, and the If-Match makes a blind retry safe
    async function transient(error: unknown): Promise<void> {
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > 5_000) throw error;
      lastError = error;
      await sleep(20 + Math.random() * 30);
    }
    const giveUpAt = Date.now() + 60_000;
    for (let attempt = 1; Date.now() < giveUpAt; attempt++) {
      let read: { server: CaddyServer | null; etag: string };
      try {
        read = await readServer();
      } catch (error) {
        await transient(error);
        continue;
      }
      unreachableSince = undefined;
      const { server, etag } = read;
      if (server === null) {
        await loadBaseConfig();
        continue;
      }
      const change = plan(server);
      if (change.kind === 'none') return;
      let response: AdminResponse;
      try {
        response = await adminRequest(settings.adminPort, change.method, change.path, change.body, etag);
      } catch (error) {
        await transient(error);
        continue;
      }
      if (response.status === 412) {
        lastError = new Error(caddyMessage(response));
        await sleep(Math.random() * 5 * Math.min(attempt, 10));
        continue;
      }
      if (response.status >= 300)
        throw new SlipwayError('ROUTER_ERROR', `the router rejected ${what}: ${caddyMessage(response)}`, {
          fix: `check the route's hosts and upstreams; \`docker logs ${name}\` shows the router's log`,
        });
      if (once) return;
    }
    throw new SlipwayError('ROUTER_ERROR', `${what} kept colliding with other changes to the router for 60 s`, {
      fix: 'retry; if it persists, another process is rewriting the same route in a loop',
      cause: lastError,
    });
  }

  /** Brings the container to running; several slipway processes may do it at once, and they converge on one. */
  async function startRouter(): Promise<'was running' | 'started'> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      let state = await inspect();
      if (state && !isOurs(state)) {
        // the options changed (ports, image): re-create; the volume keeps the routes
        await removeContainer();
        state = undefined;
      }
      if (state?.State.Running) return 'was running';
      const busy = await busyPort();
      if (busy !== undefined) {
        // a concurrent ensure() may be starting it: Docker binds the port a moment before the container runs
        for (const giveUpAt = Date.now() + 3_000; Date.now() < giveUpAt; await sleep(100)) {
          const now = await inspect();
          if (!now || !isOurs(now)) break;
          if (now.State.Running) return 'started';
        }
        throw portInUse(busy);
      }
      if (!state) await createContainer();
      if ((await startContainer()) === 'started') return 'started';
    }
    throw new SlipwayError('ROUTER_ERROR', `the router container ${name} kept disappearing while it was started`, {
      fix: `something removes ${name} as soon as it is created; stop it and retry`,
    });
  }

  async function ensure(): Promise<void> {
    const how = await startRouter();
    await waitForAdmin(how === 'was running' ? 5_000 : 15_000);
    await reconcile('the router base config', planBase, false);
  }

  async function disconnect(network: string): Promise<void> {
    // the router's own network carries its published ports and its DNS; leaving it would cut every preview
    if (network === settings.network) return;
    try {
      await engine('POST', `/networks/${encodeURIComponent(network)}/disconnect`, { Container: name, Force: false });
    } catch (error) {
      if (isStatus(error, 404) || (error instanceof EngineApiError && /is not connected/.test(error.message))) return;
      throw engineFailure(`disconnecting the router from ${network}`, error);
    }
  }

  return {
    ensure,
    async connect(network, aliases = []) {
      let state = await inspect();
      if (!state) {
        await ensure();
        state = await inspect();
      }
      const attached = state?.NetworkSettings.Networks?.[network];
      if (attached) {
        const have = new Set(attached.Aliases ?? []);
        if (aliases.every((alias) => have.has(alias))) return;
        // Docker cannot add aliases to an endpoint: re-attach, which leaves the names unresolvable for a few ms
        await disconnect(network);
      }
      if (wouldTakeGateway(network, settings.network)) {
        const info = await engine<{ Internal?: boolean }>('GET', `/networks/${encodeURIComponent(network)}`).catch(
          () => ({ Internal: false }),
        );
        if (!info.Internal)
          throw new SlipwayError(
            'ROUTER_ERROR',
            `network ${network} sorts before the router's network ${settings.network}`,
            {
              fix: `Docker would move the router's published ports onto it: name the network so it sorts after ${settings.network} (slipway's are slipway.<project>.<env>)`,
            },
          );
      }
      try {
        await engine('POST', `/networks/${encodeURIComponent(network)}/connect`, {
          Container: name,
          EndpointConfig: { Aliases: aliases },
        });
      } catch (error) {
        // a concurrent connect got there first
        if (isStatus(error, 403, /already exists/)) return;
        if (isStatus(error, 404))
          throw new SlipwayError(
            'ENGINE_ERROR',
            `cannot connect the router to network ${network}: ${(error as Error).message}`,
            {
              fix: 'create the network first (the environment does), then connect the router',
              cause: error,
            },
          );
        throw engineFailure(`connecting the router to ${network}`, error);
      }
    },
    disconnect,
    async listRoutes() {
      const { server } = await readServer();
      return (server?.routes ?? []).map(routeFromCaddy).filter((route): route is RouteSpec => route !== undefined);
    },
    async upsertRoute(route) {
      validateRoute(route);
      await reconcile(`route ${route.id}`, (server) => planUpsert(server.routes ?? [], route), true);
    },
    async applyRoutes(change) {
      const upserts = change.upsert ?? [];
      const removes = (change.remove ?? []).filter((id) => id !== CATCH_ALL_ID);
      upserts.forEach(validateRoute);
      if (upserts.length === 0 && removes.length === 0) return;
      await reconcile(
        `${upserts.length + removes.length} route changes`,
        (server) => planBatch(server.routes ?? [], upserts, removes),
        false,
      );
    },
    async removeRoute(id) {
      if (id === CATCH_ALL_ID) return;
      // until none is left: a route added twice (by hand, or an older slipway) goes entirely
      await reconcile(`removing route ${id}`, (server) => planRemove(server.routes ?? [], id), false);
    },
    url(host) {
      return routerUrl(host, settings.port);
    },
    async status() {
      const state = await inspect();
      if (!state) return { running: false, networks: [], ports: [] };
      const ports = Object.entries(state.NetworkSettings.Ports ?? {}).flatMap(([port, bindings]) =>
        (bindings ?? []).map((b) => `${b.HostIp}:${b.HostPort}->${port}`),
      );
      return {
        running: state.State.Running,
        networks: Object.keys(state.NetworkSettings.Networks ?? {}).sort(),
        ports: ports.sort(),
      };
    },
  };
}

// A minimal client for the Docker Engine API's quick JSON calls (ping, inspect, list, tag).
// dockerode stays the client for streams (build, push, pull, sessions); loading it costs about 170 ms
// (ssh2, grpc, protobufjs), which would dominate `slipway build` when nothing changed, so it loads only then.
import http from 'node:http';
import { SlipwayError } from '../../core/errors.js';

export interface EngineEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

/** Where the engine listens, the way the Docker CLI reads DOCKER_HOST. */
export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const dockerHost = env.DOCKER_HOST;
  if (!dockerHost) return { socketPath: '/var/run/docker.sock' };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375) };
}

export class EngineApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The engine's socket or port refused us: the engine is down or unreachable, not a bad request. */
export function isEngineConnectionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return ['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE'].includes(code ?? '');
}

export function engineUnreachable(error: unknown): SlipwayError {
  const message = ((error as Error).message ?? String(error)).split('\n')[0];
  return new SlipwayError('ENGINE_UNREACHABLE', `the Docker engine is not reachable (${message})`, {
    fix: 'start it (`bash scripts/machine-setup.sh` does) or set DOCKER_HOST to a running engine, then rerun the same command',
    cause: error,
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

export function engineRequest<T>(endpoint: EngineEndpoint, method: string, path: string, body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { Host: 'docker' };
    if (payload) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
    const request = http.request({ ...endpoint, agent, method, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = response.statusCode ?? 0;
        if (status >= 400) {
          let message = text;
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? text;
          } catch {
            // plain-text error body
          }
          reject(new EngineApiError(status, message.trim()));
        } else resolve((text && response.headers['content-type']?.includes('json') ? JSON.parse(text) : text) as T);
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** Reads a raw (binary) response, e.g. container logs. */
export function engineRequestRaw(
  endpoint: EngineEndpoint,
  method: string,
  path: string,
  body?: unknown,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { Host: 'docker' };
    if (payload) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': payload.length });
    // streams that end by closing the connection (exec, pull) must not go through the keep-alive pool
    const request = http.request({ ...endpoint, agent: false, method, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const data = Buffer.concat(chunks);
        if ((response.statusCode ?? 0) >= 400)
          reject(new EngineApiError(response.statusCode ?? 0, data.toString('utf8').trim()));
        else resolve(data);
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into text; plain TTY logs pass through. */
export function demuxLogs(data: Buffer): string {
  let offset = 0;
  let text = '';
  while (offset + 8 <= data.length && (data[offset] === 1 || data[offset] === 2) && data[offset + 1] === 0) {
    const size = data.readUInt32BE(offset + 4);
    text += data.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
  }
  return offset === 0 ? data.toString('utf8') : text;
}

/** Lets the process exit without waiting for idle keep-alive sockets. */
export function closeEngineConnections(): void {
  agent.destroy();
}

export interface NamedNetwork {
  Id: string;
  Name: string;
  Created: string;
  IPAM: { Config: { Subnet: string }[] | null };
}

/**
 * Creates the bridge network `name` unless one exists, and returns the one that stays. The engine's
 * `CheckDuplicate` is best effort: processes creating the same network at the same moment may each get one, and the
 * name is then ambiguous for every later call. So every caller lists the networks of that exact name, keeps the
 * oldest and removes the others (just created, so nothing uses them yet): they all agree on one, and the one
 * returned stays. Callers use its id, not the name, which may be ambiguous for a moment.
 */
export async function ensureNamedNetwork(
  call: <T>(method: string, path: string, body?: unknown) => Promise<T>,
  name: string,
  labels: Record<string, string>,
  attempts = 50,
): Promise<NamedNetwork> {
  const query = `/networks?filters=${encodeURIComponent(JSON.stringify({ name: [name] }))}`;
  const ignore =
    (...statuses: number[]) =>
    (error: unknown) => {
      if (!(error instanceof EngineApiError && statuses.includes(error.statusCode))) throw error;
    };
  for (let attempt = 0; attempt < attempts; attempt++) {
    // the name filter matches substrings
    const same = (await call<NamedNetwork[]>('GET', query)).filter((n) => n.Name === name);
    if (same.length === 1) return same[0]!;
    if (same.length === 0) {
      await call('POST', '/networks/create', {
        Name: name,
        CheckDuplicate: true,
        Driver: 'bridge',
        Labels: labels,
      }).catch(ignore(409));
      continue;
    }
    const [, ...extra] = same.sort((a, b) => creationOrder(a).localeCompare(creationOrder(b)));
    for (const n of extra) await call('DELETE', `/networks/${n.Id}`).catch(ignore(404, 403, 409));
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
  }
  throw new SlipwayError('ENGINE_ERROR', `the engine keeps several networks named ${name}`, {
    fix: `remove the extra ones (\`docker network ls --filter name=${name}\`, then \`docker network rm <id>\`) and retry`,
  });
}

/** A sortable key of a network's creation time (RFC 3339 with up to 9 fraction digits, trailing zeros cut), then id. */
function creationOrder(network: NamedNetwork): string {
  const [whole = '', rest = ''] = network.Created.replace(/(Z|[+-]\d\d:\d\d)$/, '').split('.');
  const fraction = /^\d*/.exec(rest)![0];
  return `${whole}.${fraction.padEnd(9, '0')} ${network.Id}`;
}

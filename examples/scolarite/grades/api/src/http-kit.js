// Small HTTP helpers shared by the scolarite services: JSON in and out, routing, the API server, graceful shutdown.
// The same file is copied into every web and api context (each context is built on its own).
import http from 'node:http';
import { clearTimeout, setImmediate, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown by handlers to answer with a status and a message; anything else becomes a 500. */
export class HttpError extends Error {
  constructor(status, message, extra = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.extra = extra;
  }
}

/** SLIPWAY_VERSION is injected at deploy time; the build arg is a fallback for a bare `docker run`. */
export function serviceVersion(env = process.env) {
  return env.SLIPWAY_VERSION || env.SLIPWAY_BUILD_VERSION || 'dev';
}

/** A non-negative integer from the environment, or the fallback when unset or malformed. */
export function envInteger(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= 0) return value;
  log('warn', `${name}=${JSON.stringify(raw)} is not a non-negative integer, using ${fallback}`);
  return fallback;
}

/** One JSON line per event, so `docker logs` stays greppable and machine-readable. */
export function log(level, message, fields = {}) {
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
}

export function sendJson(req, res, status, body, headers = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : payload);
}

/** Reads a JSON request body of at most `limit` bytes; 400, 413 or 415 otherwise. */
export async function readJson(req, limit = 64 * 1024) {
  const type = req.headers['content-type'];
  if (type && !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new HttpError(415, 'the request body must be application/json');
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `the request body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON');
  }
}

/**
 * On SIGTERM (what `docker stop` and slipway's rollout send) or SIGINT: stop accepting connections, let in-flight
 * requests finish, then run `cleanup` (close the database pool) and exit 0. Keep-alive connections are told to
 * close after their current response so clients reconnect to the new version instead of hitting a closed socket.
 * After `graceMs` the remaining connections are cut, and the exit code is 1 so the forced stop shows.
 */
export function installGracefulShutdown(server, { name, cleanup = async () => {}, graceMs = 8_000 }) {
  let shuttingDown = false;
  let forced = false;
  const inFlight = new Set();
  // Connections that never carried a request: a proxy's connection pool opens spare ones. Node's
  // closeIdleConnections() leaves them open, so server.close() would wait for the grace period.
  const unused = new Set();
  server.on('connection', (socket) => {
    unused.add(socket);
    socket.on('close', () => unused.delete(socket));
  });

  server.prependListener('request', (req, res) => {
    unused.delete(req.socket);
    if (shuttingDown) res.setHeader('connection', 'close');
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
    res.on('finish', () => {
      // The socket turns idle just after 'finish'; closing it then lets server.close() complete.
      if (shuttingDown) setImmediate(() => server.closeIdleConnections());
    });
  });

  function shutdown(signal) {
    if (shuttingDown) return;
    shuttingDown = true;
    log('info', `${name}: ${signal} received, draining`, { inFlight: inFlight.size });
    // Requests already running answer normally, but say the connection ends there: a keep-alive client then
    // opens a new connection (to whatever now serves) instead of reusing one that is about to close.
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    const timer = setTimeout(() => {
      forced = true;
      log('warn', `${name}: requests still running after ${graceMs} ms, closing their connections`);
      server.closeAllConnections();
    }, graceMs);
    server.close(async () => {
      clearTimeout(timer);
      try {
        await cleanup();
      } catch (error) {
        log('error', `${name}: cleanup failed`, { error: error.message });
        process.exit(1);
      }
      log('info', `${name}: stopped`);
      process.exit(forced ? 1 : 0);
    });
    server.closeIdleConnections();
    for (const socket of unused) socket.destroy();
  }

  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  return { isShuttingDown: () => shuttingDown };
}

/** Compiles `{ method, path: '/api/students/:id', handler }` routes; HEAD is answered by the GET route. */
export function createRouter(routes) {
  const compiled = routes.map((route) => ({
    ...route,
    regex: new RegExp(`^${route.path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}$`),
  }));
  return function match(method, pathname) {
    const wanted = method === 'HEAD' ? 'GET' : method;
    const allowed = [];
    for (const route of compiled) {
      const found = route.regex.exec(pathname);
      if (!found) continue;
      if (route.method === wanted) return { handler: route.handler, params: { ...found.groups } };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { allowed } : null;
  };
}

/** The request URL, resolved against a fixed origin so `//host/path` cannot smuggle in a host. */
export function requestUrl(req) {
  try {
    return new URL(`http://service${req.url.startsWith('/') ? req.url : `/${req.url}`}`);
  } catch {
    return null;
  }
}

/**
 * The JSON API server both back components share: `/healthz` answered by `health()` (not delayed: it is for the
 * orchestrator), `/api/*` answered by `routes` after `delayMs`, every response tagged with the serving version.
 * A handler gets `{ req, url, params, body() }` and returns `{ status, body, headers }` or throws an HttpError; `isUnavailable(error)` tells a database
 * outage (503) from a bug (500).
 */
export function createApiServer({ service, version, delayMs = 0, routes, health, isUnavailable = () => false }) {
  const route = createRouter([
    ...routes,
    { method: 'GET', path: '/api/version', handler: () => ({ status: 200, body: { service, version } }) },
  ]);

  async function respond(req, res) {
    const url = requestUrl(req);
    if (!url) throw new HttpError(400, 'malformed request URL');
    if (url.pathname === '/healthz') {
      const { status, body } = await health();
      return sendJson(req, res, status, { ...body, version });
    }
    if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) throw new HttpError(404, 'not found');
    // Latency injection for load tests: the whole API answers `delayMs` later, like a slow dependency would.
    if (delayMs > 0) await sleep(delayMs);
    const found = route(req.method, url.pathname);
    if (!found) throw new HttpError(404, `no route for ${url.pathname}`);
    if (found.allowed) {
      throw new HttpError(405, `${req.method} is not allowed on ${url.pathname}`, {
        headers: { allow: found.allowed.join(', ') },
      });
    }
    const result = await found.handler({ req, url, params: found.params, body: () => readJson(req) });
    sendJson(req, res, result.status, result.body, result.headers);
  }

  return http.createServer((req, res) => {
    res.setHeader('x-slipway-version', version);
    respond(req, res).catch((error) => {
      if (res.headersSent) return void res.destroy(error);
      if (error instanceof HttpError) {
        const { headers, ...extra } = error.extra;
        return sendJson(req, res, error.status, { error: error.message, ...extra }, headers);
      }
      if (isUnavailable(error)) {
        log('warn', `${service}: database unavailable`, { error: error.message, code: error.code });
        return sendJson(req, res, 503, { error: 'the database is unavailable, retry later' }, { 'retry-after': '1' });
      }
      log('error', `${service}: ${req.method} ${req.url} failed`, { error: error.message, code: error.code });
      sendJson(req, res, 500, { error: 'internal error' });
    });
  });
}

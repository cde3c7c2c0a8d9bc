// Reverse proxy for /api/*: the page talks to its own origin, the web component forwards to the module's back.
import http from 'node:http';
import https from 'node:https';
import { log, sendJson } from './http-kit.js';

// Headers that describe one hop (RFC 9110 section 7.6.1): they must not be forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function forwardableHeaders(headers) {
  // Connection may name further per-hop headers.
  const named = String(headers.connection ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter(Boolean);
  const kept = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && !named.includes(name)) kept[name] = value;
  }
  return kept;
}

/**
 * A `(req, res)` handler that streams the request to `target` (e.g. http://students-api:8080) and the answer back,
 * status and headers included. 502 JSON when the back cannot be reached, 504 when it does not answer in time.
 */
export function createApiProxy(target, { timeoutMs = 30_000, service = 'web' } = {}) {
  const upstream = new URL(target);
  const transport = upstream.protocol === 'https:' ? https : http;
  // Keep-alive to the back: a new TCP connection per proxied request costs more than the request itself.
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 128 });
  const basePath = upstream.pathname.replace(/\/+$/, '');

  function proxy(req, res) {
    const headers = forwardableHeaders(req.headers);
    headers.host = upstream.host;
    headers['x-forwarded-for'] = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    headers['x-forwarded-proto'] = req.headers['x-forwarded-proto'] ?? 'http';
    if (req.headers.host) headers['x-forwarded-host'] = req.headers['x-forwarded-host'] ?? req.headers.host;

    const bodyless = !req.headers['content-length'] && !req.headers['transfer-encoding'];
    const idempotent = (req.method === 'GET' || req.method === 'HEAD') && bodyless;
    let outgoing;
    // A keep-alive connection the next hop closed just as we reused it (a router reloading its config does that)
    // fails before any answer: like browsers, send an idempotent request once more on a new connection.
    function attempt(mayRetry) {
      outgoing = transport.request({
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: basePath + req.url,
        headers,
        // the retry takes a new connection: the pool may hold more sockets the same reload closed
        agent: mayRetry ? agent : false,
        timeout: timeoutMs,
      });
      outgoing.on('response', (incoming) => {
        res.writeHead(incoming.statusCode, incoming.statusMessage, forwardableHeaders(incoming.headers));
        incoming.on('error', (error) => res.destroy(error));
        incoming.pipe(res);
      });
      outgoing.on('timeout', () =>
        outgoing.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })),
      );
      const sent = outgoing;
      outgoing.on('error', (error) => {
        if (
          mayRetry &&
          idempotent &&
          sent.reusedSocket &&
          !res.headersSent &&
          ['ECONNRESET', 'EPIPE'].includes(error.code)
        ) {
          return void attempt(false);
        }
        if (res.headersSent) return void res.destroy(error);
        const status = error.code === 'ETIMEDOUT' ? 504 : 502;
        log('warn', `${service}: proxying ${req.method} ${req.url} failed`, { code: error.code, error: error.message });
        sendJson(req, res, status, { error: 'the api is unavailable', reason: error.code ?? error.message });
      });
      if (idempotent) outgoing.end();
      else req.pipe(outgoing);
    }
    // The browser went away: stop the work upstream too.
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    attempt(true);
  }

  proxy.close = () => agent.destroy();
  return proxy;
}

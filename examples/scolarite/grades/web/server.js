// grades/web: the grades page (public/) and a reverse proxy of /api/* to grades/api. Configured only
// through what slipway injects: PORT, SLIPWAY_VERSION and GRADES_API_URL.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { createApiProxy } from './lib/api-proxy.js';
import { envInteger, installGracefulShutdown, log, requestUrl, sendJson, serviceVersion } from './lib/http-kit.js';
import { serveStatic } from './lib/static-files.js';

const SERVICE = 'grades-web';
const API_URL = 'GRADES_API_URL';
const env = process.env;
const version = serviceVersion(env);
const port = envInteger(env, 'PORT', 8080);
const publicDir = fileURLToPath(new URL('./public', import.meta.url));

if (!env[API_URL]) {
  log('error', `${SERVICE}: ${API_URL} is missing`);
  process.exit(1);
}
const proxy = createApiProxy(env[API_URL], { service: SERVICE });

const server = http.createServer((req, res) => {
  res.setHeader('x-slipway-version', version); // proxied answers carry the api's own value instead
  const url = requestUrl(req);
  if (!url) return sendJson(req, res, 400, { error: 'malformed request URL' });
  if (url.pathname === '/healthz') {
    // The front is healthy when it can serve its page; an api outage shows as 502 on /api, not as a dead front.
    const stopping = shutdown.isShuttingDown();
    res.writeHead(stopping ? 503 : 200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    return void res.end(req.method === 'HEAD' ? undefined : `${stopping ? 'stopping' : 'ok'} ${version}\n`);
  }
  if (url.pathname === '/version') return sendJson(req, res, 200, { service: SERVICE, version });
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return proxy(req, res);
  serveStatic(req, res, publicDir, url.pathname).catch((error) => {
    log('error', `${SERVICE}: serving ${url.pathname} failed`, { error: error.message });
    if (!res.headersSent) sendJson(req, res, 500, { error: 'internal error' });
    else res.destroy(error);
  });
});
const shutdown = installGracefulShutdown(server, { name: SERVICE, cleanup: async () => proxy.close() });

server.listen(port, () => {
  log('info', `${SERVICE} ${version} listening on :${port}`, { api: env[API_URL] });
});

// Serves the files under public/ with the right content type, and nothing outside it.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { sendJson } from './http-kit.js';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
};

/**
 * The file a URL path names inside `root`, or null when it would leave `root` (`..`, an encoded `%2e%2e`, a NUL)
 * or names a hidden file. `root` must be absolute. Checking the resolved path, not the raw string, is what makes
 * every spelling of `..` harmless.
 */
export function resolveInside(root, pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null; // malformed %-escape
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.split('/').some((segment) => segment.startsWith('.') && segment !== '.' && segment !== '..')) {
    return null;
  }
  const file = path.resolve(root, `.${decoded.endsWith('/') ? `${decoded}index.html` : decoded}`);
  return file.startsWith(root + path.sep) ? file : null;
}

function notFound(req, res) {
  sendJson(req, res, 404, { error: 'not found' });
}

export async function serveStatic(req, res, root, pathname) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendJson(req, res, 405, { error: `${req.method} is not allowed here` }, { allow: 'GET, HEAD' });
  }
  const file = resolveInside(root, pathname);
  if (!file) return notFound(req, res);
  let info;
  try {
    // A symlink inside public/ could still point outside it: compare the real paths too.
    const real = await realpath(file);
    if (!real.startsWith((await realpath(root)) + path.sep)) return notFound(req, res);
    info = await stat(real);
  } catch {
    return notFound(req, res);
  }
  if (!info.isFile()) return notFound(req, res);

  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers = {
    etag,
    'last-modified': info.mtime.toUTCString(),
    'x-content-type-options': 'nosniff',
    // The page must pick up a new deploy at once; assets are small, a short cache is enough.
    'cache-control': type.startsWith('text/html') ? 'no-cache' : 'public, max-age=300',
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    return void res.end();
  }
  res.writeHead(200, { ...headers, 'content-type': type, 'content-length': info.size });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file)
    .on('error', (error) => res.destroy(error))
    .pipe(res);
}

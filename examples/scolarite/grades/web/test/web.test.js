// Unit tests of the front's static file resolution (no escape from public/) and the proxy's header filtering.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { forwardableHeaders } from '../lib/api-proxy.js';
import { resolveInside } from '../lib/static-files.js';

const root = path.resolve('/app/public');

test('URL paths map to files inside public/', () => {
  assert.equal(resolveInside(root, '/'), path.join(root, 'index.html'));
  assert.equal(resolveInside(root, '/app.js'), path.join(root, 'app.js'));
  assert.equal(resolveInside(root, '/img/../style.css'), path.join(root, 'style.css'));
});

test('no spelling of .. leaves public/, and hidden files stay hidden', () => {
  for (const attack of [
    '/../server.js',
    '/%2e%2e/server.js',
    '/%2E%2E%2Fserver.js',
    '/..%2f..%2fetc/passwd',
    '/public/../../etc/passwd',
    '/..',
    '/app.js%00.css',
    '/..%5cserver.js',
    '/%E0%A4%A',
    '/.env',
    '/img/.git/config',
  ]) {
    assert.equal(resolveInside(root, attack), null, attack);
  }
});

test('per-hop headers are not forwarded, including those Connection names', () => {
  assert.deepEqual(
    forwardableHeaders({
      connection: 'keep-alive, x-secret-hop',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'x-secret-hop': '1',
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
    }),
    { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] },
  );
});

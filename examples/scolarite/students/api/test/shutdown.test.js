// The graceful shutdown: on SIGTERM a server with only idle connections, including one that never carried a
// request (a proxy's spare pooled connection), stops at once instead of waiting for its grace period.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const KIT = fileURLToPath(new URL('../src/http-kit.js', import.meta.url));

const SERVER = `
import http from 'node:http';
import { installGracefulShutdown } from ${JSON.stringify(KIT)};
const server = http.createServer((req, res) => res.end('ok'));
installGracefulShutdown(server, { name: 'test', graceMs: 5000 });
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

test('SIGTERM closes connections that never carried a request, and the process exits 0 at once', async () => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise((resolve) => child.stdout.once('data', (chunk) => resolve(Number(String(chunk)))));
  const unused = net.connect(port, '127.0.0.1');
  const used = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => used.once('connect', resolve));
  used.write('GET / HTTP/1.1\r\nHost: test\r\n\r\n');
  await new Promise((resolve) => used.once('data', resolve));
  const started = Date.now();
  child.kill('SIGTERM');
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 2000, `stopped after ${Date.now() - started} ms`);
  unused.destroy();
  used.destroy();
});

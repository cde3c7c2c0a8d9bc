import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EnvComponent } from '../../environments/plan.js';
import { WARM_UP_CONCURRENCY, readinessDelay, warmUpReplica } from './environments.js';

describe('readinessDelay', () => {
  it('polls quickly at first, then backs off to every 250 ms', () => {
    expect([0, 1, 2, 3, 4, 10, 1000].map(readinessDelay)).toEqual([100, 150, 200, 250, 250, 250, 250]);
  });

  it('treats a negative attempt as the first', () => {
    expect(readinessDelay(-1)).toBe(100);
  });
});

describe('warmUpReplica', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A replica on 127.0.0.1: 200 on /ok, 500 on /broken, 404 elsewhere; records what it saw. */
  async function replica() {
    const seen = { paths: [] as string[], hosts: new Set<string>(), inFlight: 0, maxInFlight: 0, sockets: 0 };
    server = http.createServer((request, response) => {
      seen.paths.push(request.url!);
      seen.hosts.add(request.headers.host!);
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      setTimeout(() => {
        seen.inFlight--;
        response.statusCode = request.url === '/ok' ? 200 : request.url === '/broken' ? 500 : 404;
        response.end('x');
      }, 2);
    });
    server.on('connection', () => seen.sockets++);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const component = { hostname: 'students-api', port: (server.address() as AddressInfo).port } as EnvComponent;
    return { seen, component };
  }

  it('sends the requests asked for on each path, a few at a time on kept-alive connections', async () => {
    const { seen, component } = await replica();
    const failures = await warmUpReplica('127.0.0.1', component, ['/ok', '/missing'], 12);
    // a 404 is the application's answer, not a broken replica
    expect(failures).toEqual([]);
    expect(seen.paths.filter((p) => p === '/ok')).toHaveLength(12);
    expect(seen.paths.filter((p) => p === '/missing')).toHaveLength(12);
    expect(seen.maxInFlight).toBeLessThanOrEqual(WARM_UP_CONCURRENCY);
    expect(seen.sockets).toBeLessThanOrEqual(WARM_UP_CONCURRENCY);
    expect([...seen.hosts]).toEqual(['students-api']);
  });

  it('names each request answered 500 or more', async () => {
    const { component } = await replica();
    const failures = await warmUpReplica('127.0.0.1', component, ['/ok', '/broken'], 5);
    expect(failures).toEqual(Array(5).fill('/broken answered 500'));
  });

  it('names a replica that does not answer', async () => {
    const { component } = await replica();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const failures = await warmUpReplica('127.0.0.1', component, ['/ok'], 3);
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatch(/^\/ok: connect ECONNREFUSED/);
  });
});

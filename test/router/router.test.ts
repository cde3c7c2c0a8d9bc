// Given a real Caddy router container on the real engine and two tiny upstream containers, when routes are added,
// switched under load, removed, raced and the router restarted, then every preview answers by Host header, the
// switch drops no request, and no route is lost.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSlipwayError } from '../../core/errors.js';
import { CATCH_ALL_ID, createRouter, type RouteSpec, type Router } from '../../engines/docker/router.js';
import { docker, engineAvailable, inCi } from '../helpers/engine.js';

const RUN = `slipway-rt-${randomBytes(3).toString('hex')}`;
const PORT = 18080;
const ADMIN_PORT = 12019;
// named like slipway's own (slipway-router, slipway.<project>.<env>): the router's network sorts first, so Docker
// keeps it as the router's gateway network and its published ports stay there
const ENV_NETWORK = `${RUN}.env`;
const UPSTREAM_IMAGE = 'node:20-bookworm-slim';
// an upstream that answers its own name
const UPSTREAM_SCRIPT = "require('http').createServer((q, s) => s.end(process.env.NAME)).listen(3000)";

const options = {
  bind: '127.0.0.1',
  port: PORT,
  adminPort: ADMIN_PORT,
  containerName: `${RUN}-router`,
  volumeName: `${RUN}-router-data`,
};

interface Answer {
  status: number;
  body: string;
}

/** A request that failed before any answer on a kept-alive connection the server had just closed. */
class StaleConnectionError extends Error {}

function get(host: string, agent: http.Agent | false = false, port = PORT): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = http.request({ host: '127.0.0.1', port, path: '/', headers: { Host: host }, agent }, (response) => {
      answered = true;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.setTimeout(10_000, () => request.destroy(new Error('timeout')));
    request.on('error', (error) =>
      reject(request.reusedSocket && !answered ? new StaleConnectionError(error.message) : error),
    );
    request.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function startUpstream(name: string): Promise<string> {
  const alias = `${RUN}-${name}`;
  const container = await docker.createContainer({
    name: alias,
    Image: UPSTREAM_IMAGE,
    Cmd: ['node', '-e', UPSTREAM_SCRIPT],
    Env: [`NAME=${name}`],
    Labels: { 'dev.slipway.test': RUN },
    HostConfig: { NetworkMode: ENV_NETWORK },
    NetworkingConfig: { EndpointsConfig: { [ENV_NETWORK]: { Aliases: [alias] } } },
  });
  await container.start();
  return alias;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function routerImages(): Promise<{ Id: string }[]> {
  return docker.listImages({ filters: { label: ['dev.slipway.role=router'] } });
}

/** The raw route list, to check the order Caddy holds them in. */
async function routeIds(): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${ADMIN_PORT}/config/apps/http/servers/slipway/routes`);
  return ((await response.json()) as { '@id'?: string }[]).map((r) => r['@id'] ?? '');
}

describe.runIf(inCi || (await engineAvailable()))('the preview router on the real engine', () => {
  const router: Router = createRouter(options);
  let imagesBefore = new Set<string>();
  let hostA = '';
  let hostB = '';
  let upstreamA = '';
  let upstreamB = '';
  const routeA = (upstream: string): RouteSpec => ({
    id: `${RUN}.students.web`,
    hosts: [hostA],
    upstreams: [upstream],
    labels: { project: RUN, env: 'feat-x' },
  });

  beforeAll(async () => {
    imagesBefore = new Set((await routerImages()).map((image) => image.Id));
    hostA = `web-students--${RUN}.localhost`;
    hostB = `web-grades--${RUN}.localhost`;
    await docker.createNetwork({ Name: ENV_NETWORK, Labels: { 'dev.slipway.test': RUN } });
    [upstreamA, upstreamB] = await Promise.all([startUpstream('a'), startUpstream('b')]);
  });

  afterAll(async () => {
    const containers = await docker.listContainers({ all: true, filters: { label: [`dev.slipway.test=${RUN}`] } });
    const names = [...containers.map((c) => c.Id), `${RUN}-router`, `${RUN}-busy`];
    await Promise.all(
      names.map((id) =>
        docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    for (const network of [ENV_NETWORK, `${RUN}-router`, `${RUN}-busy`])
      await docker
        .getNetwork(network)
        .remove()
        .catch(() => undefined);
    for (const volume of [`${RUN}-router-data`, `${RUN}-busy-data`])
      await docker
        .getVolume(volume)
        .remove()
        .catch(() => undefined);
    // the router image is shared by every router on this engine: removed only when this run built it
    for (const image of await routerImages())
      if (!imagesBefore.has(image.Id))
        await docker
          .getImage(image.Id)
          .remove({ force: true })
          .catch(() => undefined);
  });

  it('starts the router, which answers any unknown host with the catch-all, and ensure() is idempotent', async () => {
    // given no router container
    // when it is ensured
    await router.ensure();
    // then it runs, publishes its ports on loopback, and answers 404 with the catch-all text
    const status = await router.status();
    expect(status.running).toBe(true);
    expect(status.networks).toEqual([`${RUN}-router`]);
    expect(status.ports).toEqual(['127.0.0.1:12019->2019/tcp', '127.0.0.1:18080->8080/tcp']);
    const inspected = await docker.getContainer(`${RUN}-router`).inspect();
    const routerImage = inspected.Config.Image;
    expect(routerImage).toMatch(/^slipway\/router:caddy-\d+\.\d+\.\d+/);
    expect(inspected.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect((await docker.getImage(routerImage).inspect()).Config.Labels?.['dev.slipway.role']).toBe('router');
    const answer = await get(`nothing-here.${RUN}.localhost`);
    expect(answer).toEqual({ status: 404, body: `no preview environment for nothing-here.${RUN}.localhost\n` });

    // when it is ensured again, then nothing is re-created
    const started = performance.now();
    await router.ensure();
    const elapsed = performance.now() - started;
    const again = await docker.getContainer(`${RUN}-router`).inspect();
    expect([again.Id, again.State.StartedAt]).toEqual([inspected.Id, inspected.State.StartedAt]);
    console.log(`ensure() with the router already running: ${elapsed.toFixed(1)} ms`);
  });

  it('routes two hosts to two upstreams reached by their network aliases', async () => {
    // given the router connected to the environment network (twice: idempotent)
    await router.connect(ENV_NETWORK, ['students-web']);
    await router.connect(ENV_NETWORK, ['students-web']);
    expect((await router.status()).networks).toEqual([ENV_NETWORK, `${RUN}-router`].sort());
    // when two routes are added
    await router.upsertRoute(routeA(`${upstreamA}:3000`));
    await router.upsertRoute({
      id: `${RUN}.grades.web`,
      hosts: [hostB],
      upstreams: [`${upstreamB}:3000`],
      labels: { project: RUN, env: 'feat-x' },
    });
    // then each host answers with its own upstream
    expect(await get(hostA)).toEqual({ status: 200, body: 'a' });
    expect(await get(hostB)).toEqual({ status: 200, body: 'b' });
    expect(router.url(hostA)).toBe(`http://${hostA}:18080`);
    const listed = (await router.listRoutes()).filter((r) => r.labels?.project === RUN);
    expect(listed.map((r) => r.id).sort()).toEqual([`${RUN}.grades.web`, `${RUN}.students.web`]);
    expect(listed.find((r) => r.id === `${RUN}.students.web`)).toEqual(routeA(`${upstreamA}:3000`));
    expect((await routeIds()).at(-1)).toBe(CATCH_ALL_ID);
  });

  it('serves internal names to the environment network only, on port 80 inside it', async () => {
    // given an internal route for the stable name, limited to the environment's subnet
    const network = await docker.getNetwork(ENV_NETWORK).inspect();
    const subnet = (network.IPAM?.Config?.[0] as { Subnet?: string } | undefined)?.Subnet ?? '';
    await router.upsertRoute({
      id: `${RUN}.students.web.internal`,
      hosts: ['students-web'],
      upstreams: [`${upstreamA}:3000`],
      sourceRanges: [subnet],
      labels: { project: RUN, env: 'feat-x' },
    });
    // when a container of the environment calls http://students-web/, and the host calls it through the port
    const caller = await docker.createContainer({
      name: `${RUN}-caller`,
      Image: UPSTREAM_IMAGE,
      Cmd: ['node', '-e', "fetch('http://students-web/').then(async (r) => console.log(r.status, await r.text()))"],
      Labels: { 'dev.slipway.test': RUN },
      HostConfig: { NetworkMode: ENV_NETWORK },
    });
    await caller.start();
    await caller.wait();
    const logs = (await caller.logs({ stdout: true, stderr: true })).toString('utf8');
    // then the environment reaches its upstream through the router, and the host gets the catch-all
    expect(logs).toContain('200 a');
    expect((await get('students-web')).status).toBe(404);
  });

  it('switches upstreams under load without failing a request', async () => {
    // given 20 keep-alive clients sending about 400 requests a second to one host for 5 s
    const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
    const latencies: number[] = [];
    const answeredBy: Record<string, number> = {};
    let requests = 0;
    let retried = 0;
    const failures: string[] = [];
    const switchTimes: number[] = [];
    const stopAt = Date.now() + 5_000;
    const began = performance.now();
    async function client(): Promise<void> {
      while (Date.now() < stopAt) {
        const started = performance.now();
        requests++;
        try {
          // as browsers, curl and Go's client do (RFC 9112 9.3.1): a GET that died on a reused idle connection
          // before any answer is sent again on a fresh one; Node's http leaves that to the caller
          // (under a loaded machine a connection caught in Caddy's reload may also close before any answer: the
          // same single retry covers it, and the retries stay counted below)
          const answer = await get(hostA, agent).catch(() => {
            retried++;
            return get(hostA, false).catch((again: unknown) => {
              throw new Error(`retry on a fresh connection failed too: ${(again as Error).message}`);
            });
          });
          latencies.push(performance.now() - started);
          if (answer.status === 200) answeredBy[answer.body] = (answeredBy[answer.body] ?? 0) + 1;
          else failures.push(`${answer.status} ${answer.body.trim()}`);
        } catch (error) {
          failures.push(`${(error as Error).message} at +${(performance.now() - began).toFixed(0)} ms`);
        }
        await sleep(50);
      }
    }
    // when the route switches between the two upstreams every 400 ms
    async function switcher(): Promise<void> {
      let next = upstreamB;
      while (Date.now() < stopAt - 600) {
        await sleep(400);
        const started = performance.now();
        await router.upsertRoute(routeA(`${next}:3000`));
        switchTimes.push(performance.now() - started);
        next = next === upstreamB ? upstreamA : upstreamB;
      }
      if (next === upstreamA) await router.upsertRoute(routeA(`${upstreamA}:3000`));
    }
    await Promise.all([...Array.from({ length: 20 }, client), switcher()]);
    agent.destroy();
    // then no request failed, both upstreams answered, and the last switch (back to a) holds
    latencies.sort((x, y) => x - y);
    console.log(
      `switch under load: ${requests} requests, ${failures.length} failed, ${retried} retried on a stale ` +
        `keep-alive connection, ${switchTimes.length} switches ` +
        `(each ${Math.min(...switchTimes).toFixed(1)}-${Math.max(...switchTimes).toFixed(1)} ms), ` +
        `latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
        `max ${(latencies.at(-1) ?? 0).toFixed(1)} ms, answered by ${JSON.stringify(answeredBy)}`,
    );
    expect(failures).toEqual([]);
    // a retry is the exception, not how requests get through
    expect(retried).toBeLessThan(requests * 0.1);
    // how many switches fit in 5 s depends on the machine; at least two prove the route went both ways
    expect(switchTimes.length).toBeGreaterThanOrEqual(2);
    expect(answeredBy.a).toBeGreaterThan(0);
    expect(answeredBy.b).toBeGreaterThan(0);
    expect(await get(hostA)).toEqual({ status: 200, body: 'a' });
  });

  it('answers 404 with the catch-all text once a route is removed', async () => {
    // when the grades route is removed (twice: idempotent)
    await router.removeRoute(`${RUN}.grades.web`);
    await router.removeRoute(`${RUN}.grades.web`);
    // then its host gets the catch-all, and the other route still works
    expect(await get(hostB)).toEqual({ status: 404, body: `no preview environment for ${hostB}\n` });
    expect(await get(hostA)).toEqual({ status: 200, body: 'a' });
  });

  it('keeps its routes when the container restarts, and when it is re-created', async () => {
    const before = await router.listRoutes();
    // when the container restarts
    await docker.getContainer(`${RUN}-router`).restart({ t: 5 });
    await router.ensure();
    // then the routes are back (caddy run --resume) and serve
    expect(await router.listRoutes()).toEqual(before);
    expect(await get(hostA)).toEqual({ status: 200, body: 'a' });
    // when the container is removed and ensured again, then the volume brings the routes back
    await docker.getContainer(`${RUN}-router`).remove({ force: true });
    await router.ensure();
    await router.connect(ENV_NETWORK, ['students-web']);
    expect(await router.listRoutes()).toEqual(before);
    expect(await get(hostA)).toEqual({ status: 200, body: 'a' });
  });

  it('says the router container stopped, and how to bring it back, when it is not running', async () => {
    const before = await router.listRoutes();
    // given the router container stopped (as an engine shutting down stops it, while still answering)
    await docker.getContainer(`${RUN}-router`).stop({ t: 5 });
    // when slipway talks to it, then the error names the container's state and the fix
    const failure = await router.listRoutes().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isSlipwayError(failure) && failure.code).toBe('ROUTER_ERROR');
    expect((failure as Error).message).toMatch(
      new RegExp(
        `^the router container ${RUN}-router is exited \\(exit code \\d+ at .+\\), so its admin API does not answer$`,
      ),
    );
    expect(isSlipwayError(failure) && failure.fix).toMatch(/^run the command again: it starts the router/);
    // and running again (ensure) brings it back with its routes
    await router.ensure();
    expect(await router.listRoutes()).toEqual(before);
    expect(await get(hostA)).toEqual({ status: 200, body: 'a' });
  });

  it('re-creates the container when its options change, and runs a configured image without building', async () => {
    // given the running router and its routes
    const before = await router.listRoutes();
    const old = await docker.getContainer(`${RUN}-router`).inspect();
    const images = (await routerImages()).length;
    // when the same router is configured with an image (here the one already built, standing for caddy:2)
    const configured = createRouter({ ...options, image: old.Config.Image });
    await configured.ensure();
    // then the container is new, nothing was built, and the routes came back from the volume
    const fresh = await docker.getContainer(`${RUN}-router`).inspect();
    expect(fresh.Id).not.toBe(old.Id);
    expect(fresh.Config.Image).toBe(old.Config.Image);
    expect((await routerImages()).length).toBe(images);
    await configured.connect(ENV_NETWORK, ['students-web']);
    expect(await configured.listRoutes()).toEqual(before);
    expect(await get(hostA)).toEqual({ status: 200, body: 'a' });
  });

  it('comes up once when several processes ensure it at the same time', async () => {
    // given no router container nor its network, but its volume with the routes
    const before = await router.listRoutes();
    await docker.getContainer(`${RUN}-router`).remove({ force: true });
    await docker.getNetwork(`${RUN}-router`).remove();
    // when five slipway processes ensure it at once
    await Promise.all(Array.from({ length: 5 }, () => createRouter(options).ensure()));
    // then one router runs, with the routes, on one network of its name (the engine's duplicate check is best effort)
    const named = await docker.listContainers({ all: true, filters: { name: [`${RUN}-router`] } });
    expect(named.map((c) => c.State)).toEqual(['running']);
    const networks = await docker.listNetworks({ filters: { name: [`${RUN}-router`] } });
    expect(networks.filter((n) => n.Name === `${RUN}-router`)).toHaveLength(1);
    await router.connect(ENV_NETWORK, ['students-web']);
    expect(await router.listRoutes()).toEqual(before);
    expect(await get(hostA)).toEqual({ status: 200, body: 'a' });
  });

  it('loses no route when 20 are upserted at once', async () => {
    // when 20 environments add their routes at the same time
    const routes = Array.from({ length: 20 }, (_, i) => ({
      id: `${RUN}.parallel.e${i}`,
      hosts: [`e${i}--${RUN}.localhost`],
      upstreams: [`${i % 2 === 0 ? upstreamA : upstreamB}:3000`],
      labels: { project: RUN, env: `e${i}` },
    }));
    const started = performance.now();
    await Promise.all(routes.map((route) => router.upsertRoute(route)));
    console.log(`20 parallel upserts: ${(performance.now() - started).toFixed(0)} ms`);
    // then all 20 are there, once each, the catch-all is still last, and each serves
    const ids = await routeIds();
    for (const route of routes) expect(ids.filter((id) => id === route.id)).toHaveLength(1);
    expect(ids.at(-1)).toBe(CATCH_ALL_ID);
    expect(ids.filter((id) => id === CATCH_ALL_ID)).toHaveLength(1);
    expect(await get(`e3--${RUN}.localhost`)).toEqual({ status: 200, body: 'b' });
    // when they are removed at the same time, then none is left
    await Promise.all(routes.map((route) => router.removeRoute(route.id)));
    expect((await routeIds()).filter((id) => id.startsWith(`${RUN}.parallel.`))).toEqual([]);
  });

  it('detaches from a network idempotently', async () => {
    await router.disconnect(ENV_NETWORK);
    await router.disconnect(ENV_NETWORK);
    await router.disconnect(`${RUN}-no-such-network`);
    expect((await router.status()).networks).toEqual([`${RUN}-router`]);
  });

  it('fails with PORT_IN_USE, naming the port and the setting, when the port is taken', async () => {
    // given another program listening on the port a second router wants
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(18090, '127.0.0.1', resolve));
    try {
      const busy = createRouter({ port: 18090, adminPort: 12029, containerName: `${RUN}-busy` });
      // when it is ensured, then it fails clearly and leaves no container behind
      const error = await busy.ensure().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSlipwayError(error) && error.code).toBe('PORT_IN_USE');
      expect(isSlipwayError(error) && error.exitCode).toBe(3);
      expect((error as Error).message).toContain('18090');
      expect(isSlipwayError(error) && error.fix).toMatch(/free port 18090 or set router\.port/);
      expect((await busy.status()).running).toBe(false);
    } finally {
      blocker.close();
    }
  });
});

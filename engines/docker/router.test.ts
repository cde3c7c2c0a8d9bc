// The router's pure parts: the Caddy JSON it writes and reads back, the changes it plans, the container it asks
// for, and how it reads ldd and caddy's version. The real Caddy is exercised in test/router.
import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../core/errors.js';
import { ensureRouterImage, parseCaddyVersion, parseLdd, routerDockerfile, routerImageTag } from './router-image.js';
import {
  CATCH_ALL_ID,
  catchAllRoute,
  conflictingPort,
  initialRouterConfig,
  planBase,
  planRemove,
  planUpsert,
  resolveRouterOptions,
  routeFromCaddy,
  routerContainerBody,
  routerUrl,
  routeToCaddy,
  validateRoute,
  withRouterServer,
  wouldTakeGateway,
  type CaddyRoute,
  type RouteSpec,
} from './router.js';

const web: RouteSpec = {
  id: 'slipway.scolarite.feat-x.students-web',
  hosts: ['web-students--feat-x.localhost'],
  upstreams: ['u0123456789abcdef0123:3000'],
  labels: { project: 'scolarite', env: 'feat-x' },
};

function thrown(action: () => unknown): SlipwayError {
  try {
    action();
  } catch (error) {
    if (error instanceof SlipwayError) return error;
    throw error;
  }
  throw new Error('expected a SlipwayError');
}

describe('route JSON', () => {
  it('writes a host-matched route whose labels ride in a vars handler before the proxy', () => {
    expect(routeToCaddy(web)).toEqual({
      '@id': 'slipway.scolarite.feat-x.students-web',
      match: [{ host: ['web-students--feat-x.localhost'] }],
      handle: [
        { handler: 'vars', slipway_labels: { project: 'scolarite', env: 'feat-x' } },
        {
          handler: 'reverse_proxy',
          upstreams: [{ dial: 'u0123456789abcdef0123:3000' }],
          load_balancing: { try_duration: '3s', try_interval: '250ms' },
        },
      ],
      terminal: true,
    });
  });

  it('limits an internal route to its source ranges', () => {
    const internal = { ...web, id: `${web.id}.internal`, hosts: ['students-web'], sourceRanges: ['172.22.0.0/16'] };
    expect(routeToCaddy(internal).match).toEqual([
      { host: ['students-web'], remote_ip: { ranges: ['172.22.0.0/16'] } },
    ]);
    expect(routeFromCaddy(routeToCaddy(internal))).toEqual(internal);
  });

  it('reads back what it wrote, also after Caddy sorted the keys', () => {
    expect(routeFromCaddy(routeToCaddy(web))).toEqual(web);
    // as GET /config/ returns it: keys sorted, load_balancing durations as Caddy keeps them
    const fromCaddy: CaddyRoute = JSON.parse(
      '{"@id":"slipway.scolarite.feat-x.students-web","handle":[{"handler":"vars","slipway_labels":{"env":"feat-x",' +
        '"project":"scolarite"}},{"handler":"reverse_proxy","load_balancing":{"try_duration":"3s","try_interval":"250ms"},' +
        '"upstreams":[{"dial":"u0123456789abcdef0123:3000"}]}],"match":[{"host":["web-students--feat-x.localhost"]}],' +
        '"terminal":true}',
    ) as CaddyRoute;
    expect(routeFromCaddy(fromCaddy)).toEqual(web);
    expect(planUpsert([fromCaddy, catchAllRoute()], web)).toEqual({ kind: 'none' });
    const { labels: _labels, ...unlabelled } = web;
    expect(routeFromCaddy(routeToCaddy(unlabelled))).toEqual(unlabelled);
  });

  it('does not list the catch-all or routes slipway did not write', () => {
    expect(routeFromCaddy(catchAllRoute())).toBeUndefined();
    expect(routeFromCaddy({ handle: [{ handler: 'reverse_proxy', upstreams: [] }] })).toBeUndefined();
    expect(routeFromCaddy({ '@id': 'x', handle: [{ handler: 'file_server' }] })).toBeUndefined();
  });

  it('answers unknown hosts with a 404 naming the host', () => {
    expect(catchAllRoute()).toMatchObject({
      '@id': CATCH_ALL_ID,
      handle: [
        { handler: 'static_response', status_code: 404, body: 'no preview environment for {http.request.host}\n' },
      ],
    });
  });
});

describe('base config', () => {
  it('listens on the preview and internal ports, plain HTTP, admin on every container interface', () => {
    const config = initialRouterConfig();
    expect(config.admin).toEqual({ listen: '0.0.0.0:2019' });
    expect(config.apps.http.servers.slipway).toEqual({
      listen: [':8080', ':80'],
      automatic_https: { disable: true },
      routes: [catchAllRoute()],
    });
  });

  it('adds the router server to a foreign config without dropping the rest', () => {
    const merged = withRouterServer({ apps: { http: { servers: { other: { listen: [':9000'] } } }, tls: {} } });
    expect(Object.keys(merged.apps.http.servers).sort()).toEqual(['other', 'slipway']);
    expect((merged.apps as Record<string, unknown>).tls).toEqual({});
    expect(merged.admin.listen).toBe('0.0.0.0:2019');
    expect(withRouterServer(null)).toEqual(initialRouterConfig());
  });

  it('plans nothing when the server is as it should be', () => {
    expect(planBase(initialRouterConfig().apps.http.servers.slipway!)).toEqual({ kind: 'none' });
  });

  it('puts back a missing, duplicated or misplaced catch-all, last, keeping the other routes in order', () => {
    const server = initialRouterConfig().apps.http.servers.slipway!;
    const a = routeToCaddy(web);
    const b = routeToCaddy({ ...web, id: 'b' });
    for (const routes of [
      [a, b],
      [catchAllRoute(), a, b],
      [a, catchAllRoute(), b, catchAllRoute()],
    ]) {
      const change = planBase({ ...server, routes });
      expect(change).toMatchObject({ kind: 'base', method: 'PATCH', path: '/config/apps/http/servers/slipway' });
      expect((change as { body: { routes: CaddyRoute[] } }).body.routes).toEqual([a, b, catchAllRoute()]);
    }
  });

  it('adds the internal listener to a router saved before it existed', () => {
    const server = { ...initialRouterConfig().apps.http.servers.slipway!, listen: [':8080'] };
    expect(planBase(server)).toMatchObject({ kind: 'base', body: { listen: [':8080', ':80'] } });
  });
});

describe('route changes', () => {
  const routes = [routeToCaddy(web), catchAllRoute()];

  it('inserts a new exact-host route first, so the catch-all stays last', () => {
    expect(planUpsert([catchAllRoute()], web)).toEqual({
      kind: 'insert',
      method: 'PUT',
      path: '/config/apps/http/servers/slipway/routes/0',
      body: routeToCaddy(web),
    });
  });

  it('inserts a wildcard route after the exact ones, just before the catch-all', () => {
    const wildcard = { ...web, id: 'wild', hosts: ['*.feat-x.localhost'] };
    expect(planUpsert(routes, wildcard)).toMatchObject({ path: '/config/apps/http/servers/slipway/routes/1' });
  });

  it('plans nothing when the route is already there', () => {
    expect(planUpsert(routes, { ...web, labels: { env: 'feat-x', project: 'scolarite' } })).toEqual({ kind: 'none' });
  });

  it('switches only the upstreams when only they changed', () => {
    expect(planUpsert(routes, { ...web, upstreams: ['unew:3000'] })).toEqual({
      kind: 'switch',
      method: 'PATCH',
      path: '/id/slipway.scolarite.feat-x.students-web/handle/1/upstreams',
      body: [{ dial: 'unew:3000' }],
    });
  });

  it('replaces the whole route when its hosts, labels or source ranges changed', () => {
    for (const changed of [
      { ...web, hosts: ['other.localhost'] },
      { ...web, labels: { project: 'scolarite', env: 'feat-y' } },
      { ...web, sourceRanges: ['10.0.0.0/8'] },
    ])
      expect(planUpsert(routes, changed)).toEqual({
        kind: 'replace',
        method: 'PATCH',
        path: '/config/apps/http/servers/slipway/routes/0',
        body: routeToCaddy(changed),
      });
  });

  it('removes by position, and plans nothing when the route is gone', () => {
    expect(planRemove(routes, web.id)).toEqual({
      kind: 'remove',
      method: 'DELETE',
      path: '/config/apps/http/servers/slipway/routes/0',
    });
    expect(planRemove(routes, 'absent')).toEqual({ kind: 'none' });
  });
});

describe('route validation', () => {
  it('accepts the routes environments write', () => {
    expect(() => validateRoute(web)).not.toThrow();
    expect(() =>
      validateRoute({ ...web, hosts: ['students-web'], sourceRanges: ['172.18.0.0/16', 'fd00::/8'] }),
    ).not.toThrow();
  });

  it('reports every problem, as a usage error', () => {
    const error = thrown(() =>
      validateRoute({
        id: 'a/b',
        hosts: ['bad host'],
        upstreams: ['nohost', 'x:70000'],
        sourceRanges: ['10.0.0.0/33'],
      }),
    );
    expect(error.code).toBe('ROUTE_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.details).toEqual([
      'id "a/b": use letters, digits, dots, dashes, underscores',
      'host "bad host" is not a host name',
      'upstream "nohost" is not host:port',
      'upstream "x:70000" is not host:port',
      'source range "10.0.0.0/33" is not an IP or CIDR range',
    ]);
    expect(thrown(() => validateRoute({ ...web, id: CATCH_ALL_ID })).details).toEqual([
      `id "${CATCH_ALL_ID}" is reserved for the catch-all route`,
    ]);
    expect(thrown(() => validateRoute({ ...web, hosts: [], upstreams: [] })).details).toHaveLength(2);
  });
});

describe('router container', () => {
  it('defaults to slipway-router on 127.0.0.1:8080, admin 2019, its data on slipway-router-data', () => {
    expect(resolveRouterOptions()).toEqual({
      bind: '127.0.0.1',
      port: 8080,
      adminPort: 2019,
      image: undefined,
      containerName: 'slipway-router',
      volumeName: 'slipway-router-data',
      network: 'slipway-router',
    });
  });

  it('publishes the admin API on loopback only, even when previews are shared', () => {
    const body = routerContainerBody(resolveRouterOptions({ bind: '0.0.0.0', port: 80 }), 'caddy:2') as {
      HostConfig: Record<string, unknown>;
      Entrypoint: string[];
      Env: string[];
    };
    expect(body.HostConfig.PortBindings).toEqual({
      '8080/tcp': [{ HostIp: '0.0.0.0', HostPort: '80' }],
      '2019/tcp': [{ HostIp: '127.0.0.1', HostPort: '2019' }],
    });
    expect(body.HostConfig.RestartPolicy).toEqual({ Name: 'unless-stopped' });
    expect(body.HostConfig.Mounts).toEqual([
      { Type: 'volume', Source: 'slipway-router-data', Target: '/var/lib/slipway-router' },
    ]);
    expect(body.HostConfig.NetworkMode).toBe('slipway-router');
    expect(body.Entrypoint).toEqual(['caddy', 'run', '--resume', '--config', '/etc/slipway-router/caddy.json']);
    expect(body.Env).toContain('XDG_CONFIG_HOME=/var/lib/slipway-router/config');
  });

  it("keeps slipway's environment networks from taking the router's published ports", () => {
    expect(wouldTakeGateway('slipway.scolarite.feat-x', 'slipway-router')).toBe(false);
    expect(wouldTakeGateway('app-net', 'slipway-router')).toBe(true);
  });

  it('tells which port a failed start collided on', () => {
    const settings = resolveRouterOptions({ port: 18080, adminPort: 12019 });
    const proxy =
      'driver failed programming external connectivity on endpoint r (abc): Error starting userland proxy: ' +
      'listen tcp4 127.0.0.1:12019: bind: address already in use';
    expect(conflictingPort(proxy, settings)).toBe(12019);
    expect(conflictingPort('Bind for 127.0.0.1:18080 failed: port is already allocated', settings)).toBe(18080);
    expect(conflictingPort('no such image', settings)).toBeUndefined();
  });

  it('gives preview URLs as a person types them', () => {
    expect(routerUrl('web-students--feat-x.localhost', 8080)).toBe('http://web-students--feat-x.localhost:8080');
    expect(routerUrl('web-students--feat-x.preview.example.org', 80)).toBe(
      'http://web-students--feat-x.preview.example.org',
    );
  });
});

describe('router image', () => {
  it('packs exactly what ldd lists, loader included, not the vdso', () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007ffd5a1d2000)',
      '\tlibzstd.so.1 => /lib/x86_64-linux-gnu/libzstd.so.1 (0x00007f166a1d0000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1669fee000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f166a29f000)',
    ].join('\n');
    expect(parseLdd(output)).toEqual({
      libraries: [
        '/lib/x86_64-linux-gnu/libzstd.so.1',
        '/lib/x86_64-linux-gnu/libc.so.6',
        '/lib64/ld-linux-x86-64.so.2',
      ],
      missing: [],
    });
    expect(parseLdd('\tlibfoo.so.2 => not found\n')).toEqual({ libraries: [], missing: ['libfoo.so.2'] });
    expect(parseLdd('')).toEqual({ libraries: [], missing: [] });
  });

  it("tags the image with caddy's version, from Debian's and upstream's output", () => {
    expect(parseCaddyVersion('2.6.2\n')).toBe('2.6.2');
    expect(parseCaddyVersion('v2.7.6 h1:w0NymbG2m9PcvKWsrXO6EEkY9Ru4FJK8uQbYcev1p3A=\n')).toBe('2.7.6');
    expect(parseCaddyVersion('nonsense')).toBeUndefined();
    expect(routerImageTag('2.6.2')).toBe('slipway/router:caddy-2.6.2');
    expect(routerImageTag('2.8.0+dfsg')).toBe('slipway/router:caddy-2.8.0-dfsg');
  });

  it('runs caddy from scratch with --resume and its state on the volume', () => {
    expect(routerDockerfile().split('\n')).toEqual([
      'FROM scratch',
      'COPY rootfs/ /',
      'ENV PATH=/usr/bin XDG_DATA_HOME=/var/lib/slipway-router/data XDG_CONFIG_HOME=/var/lib/slipway-router/config HOME=/var/lib/slipway-router',
      'EXPOSE 8080 2019',
      'ENTRYPOINT ["caddy","run","--resume","--config","/etc/slipway-router/caddy.json"]',
      '',
    ]);
  });

  it("says to install Debian's caddy or set an image when caddy is missing", async () => {
    const error = await ensureRouterImage({ caddyPath: '/nonexistent/caddy' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as SlipwayError).code).toBe('TOOL_MISSING');
    expect((error as SlipwayError).fix).toMatch(/apt-get install caddy.*machine-setup\.sh.*router\.image/);
  });
});

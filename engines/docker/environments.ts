// Reconciles a branch environment on the Docker engine: reads what runs (labels), computes the difference with
// the plan, and acts, component by component in dependency order, with the router switched only to ready containers.
import http from 'node:http';
import net from 'node:net';
import { SlipwayError } from '../../core/errors.js';
import { getWithHost } from '../../core/http-get.js';
import type {
  EnvironmentEngine,
  EnvironmentState,
  ReleaseRecord,
  UpOptions,
  UpResult as EngineUpResult,
} from '../../environments/engine.js';
import { INTERNAL_HTTP_PORT, uniqueAlias, type EnvComponent, type EnvPlan } from '../../environments/plan.js';
import { applyMigrations } from '../migrations.js';
import { DEFAULT_CPU_SHARES, type DockerRuntime } from './containers.js';
import type { Router, RouteSpec } from './router.js';

export const ENV_LABEL = {
  role: 'dev.slipway.role',
  project: 'dev.slipway.project',
  env: 'dev.slipway.env',
  branch: 'dev.slipway.branch',
  slug: 'dev.slipway.slug',
  component: 'dev.slipway.component',
  kind: 'dev.slipway.kind',
  version: 'dev.slipway.version',
  inputDigest: 'dev.slipway.input-digest',
  image: 'dev.slipway.image',
  createdAt: 'dev.slipway.created-at',
  updatedAt: 'dev.slipway.updated-at',
  expiresAt: 'dev.slipway.expires-at',
  maxExpiresAt: 'dev.slipway.max-expires-at',
  status: 'dev.slipway.status',
  modules: 'dev.slipway.modules',
  urls: 'dev.slipway.urls',
  lifetime: 'dev.slipway.lifetime',
  release: 'dev.slipway.release',
  /** On the record: the storage containers whose migrations and seed completed, by component id (JSON). */
  migrated: 'dev.slipway.migrated',
} as const;

export type { ComponentState, EnvironmentState, ReleaseRecord, UpOptions } from '../../environments/engine.js';

/** Old containers of one component, kept while the new ones are checked. */
export interface HeldComponent {
  id: string;
  routeId: string;
  hostname: string;
  subnet: string;
  port: number;
  /** The old containers, as the router dialled them. */
  old: { id: string; upstream: string }[];
  /** The new containers, to remove when reverting. */
  created: string[];
}

export type UpResult = EngineUpResult<HeldComponent[]>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The CPU weight of new containers while the ones they replace still serve (the kernel's minimum): when the CPUs
 * are short, the serving containers win them and the new ones boot in what is left; raised to the default once
 * ready, before the warm-up and the switch.
 */
export const STARTING_CPU_SHARES = 2;

/**
 * The CPU weight of a container that no longer serves, set just before it is stopped: its processes' exit (freeing
 * memory, closing sockets) runs in its own cgroup, behind the serving ones.
 */
export const STOPPING_CPU_SHARES = 2;

function metaName(project: string, env: string): string {
  return `slipway.${project}.${env}.meta`;
}

function componentLabels(plan: EnvPlan, c: EnvComponent): Record<string, string> {
  return {
    [ENV_LABEL.role]: 'component',
    [ENV_LABEL.project]: plan.project,
    [ENV_LABEL.env]: plan.name,
    [ENV_LABEL.branch]: plan.branch,
    [ENV_LABEL.component]: c.id,
    [ENV_LABEL.kind]: c.kind,
    [ENV_LABEL.version]: c.version,
    [ENV_LABEL.inputDigest]: c.inputDigest,
    [ENV_LABEL.image]: c.image,
  };
}

/**
 * The pause before readiness poll `attempt` (0 for the first): 100 ms, growing by 50 ms a poll up to 250 ms. A
 * process that is up in a moment is seen quickly; one that takes seconds (while others serve on the same CPUs)
 * costs the engine and itself a probe every 250 ms, not every 100 ms.
 */
export function readinessDelay(attempt: number): number {
  return Math.min(250, 100 + 50 * Math.max(0, attempt));
}

/** How often the container's state is read while its probe fails (a crash is seen within this). */
export const READINESS_INSPECT_MS = 1000;

type Readiness = { ok: true; ip?: string } | { ok: false; reason: string };

/** A crash (the restart policy brings the process back: restarting counts as a crash), or undefined. */
function crashed(details: Awaited<ReturnType<DockerRuntime['inspectContainer']>>): Readiness | undefined {
  if (!details) return { ok: false, reason: 'the container disappeared' };
  if (!details.State.Running && !details.State.Restarting) {
    return { ok: false, reason: `the container exited with code ${details.State.ExitCode}` };
  }
  if (details.RestartCount > 0 || details.State.Restarting) {
    return { ok: false, reason: `the container exited and was restarted ${details.RestartCount} time(s)` };
  }
  return undefined;
}

/** Waits until an HTTP health path answers 2xx/3xx, or a TCP port accepts (no path); fails early if the container dies. */
async function waitReady(
  runtime: DockerRuntime,
  containerId: string,
  network: string,
  c: EnvComponent,
  timeoutMs: number,
): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  let ip: string | undefined;
  let inspectedAt = -Infinity;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    // the state is read until the address is known, then about once a second: each read is an engine call
    if (!ip || Date.now() - inspectedAt >= READINESS_INSPECT_MS) {
      const details = await runtime.inspectContainer(containerId);
      inspectedAt = Date.now();
      const crash = crashed(details);
      if (crash) return crash;
      ip = details!.NetworkSettings.Networks[network]?.IPAddress || undefined;
    }
    if (ip) {
      let answered = false;
      try {
        if (c.kind === 'storage') {
          // pg_isready over TCP: the entrypoint's first, socket-only server during initialisation does not count
          const probe = await runtime.exec(containerId, ['pg_isready', '-q', '-h', '127.0.0.1', '-p', String(c.port)]);
          answered = probe.code === 0;
          if (!answered) lastProblem = `pg_isready exited ${probe.code}`;
        } else if (c.health) {
          const response = await fetch(`http://${ip}:${c.port}${c.health}`, {
            signal: AbortSignal.timeout(2000),
            redirect: 'manual',
          });
          await response.arrayBuffer();
          answered = response.status >= 200 && response.status < 400;
          if (!answered) lastProblem = `${c.health} answered ${response.status}`;
        } else {
          await new Promise<void>((resolve, reject) => {
            const socket = net.connect({ host: ip, port: c.port }, () => {
              socket.end();
              resolve();
            });
            socket.on('error', reject);
          });
          answered = true;
        }
      } catch (error) {
        lastProblem = (error as Error).message;
      }
      // ready only if it has not crashed and been restarted since the last read of its state
      if (answered) return crashed(await runtime.inspectContainer(containerId)) ?? { ok: true, ip };
    }
    await sleep(readinessDelay(attempt));
  }
  return { ok: false, reason: `not ready after ${Math.round(timeoutMs / 1000)} s (${lastProblem})` };
}

/** Warm-up requests in flight at once per replica: a pooled connection or two (e.g. to its database) get opened. */
export const WARM_UP_CONCURRENCY = 2;

/**
 * GETs straight to one new replica, `requests` per path, WARM_UP_CONCURRENCY at a time on kept-alive connections:
 * its code paths run and its connection pools fill before the router sends users. Returns what went wrong, one line per failed
 * request (an answer of 500 or more, or none).
 */
export async function warmUpReplica(
  address: string,
  c: EnvComponent,
  paths: string[],
  requests: number,
): Promise<string[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: WARM_UP_CONCURRENCY });
  const failures: string[] = [];
  const get = async (path: string): Promise<string | undefined> => {
    const answer = await getWithHost({ address, port: c.port, host: c.hostname, path, agent });
    if ('error' in answer) return `${path}: ${answer.error}`;
    return answer.status >= 500 ? `${path} answered ${answer.status}` : undefined;
  };
  try {
    for (const path of paths) {
      let left = requests;
      await Promise.all(
        Array.from({ length: WARM_UP_CONCURRENCY }, async () => {
          while (left > 0) {
            left--;
            const failure = await get(path);
            if (failure) failures.push(failure);
          }
        }),
      );
    }
  } finally {
    agent.destroy();
  }
  return failures;
}

export function createDockerEnvironments(runtime: DockerRuntime, router: Router): DockerEnvironments {
  /**
   * Stops and removes containers that no longer serve, one after the other: the engine's kill, network and
   * cgroup teardown of several at once is a burst of CPU that the serving containers feel.
   */
  async function stopOneByOne(ids: string[]): Promise<void> {
    for (const id of ids) {
      await runtime.setCpuShares(id, STOPPING_CPU_SHARES);
      await runtime.stopContainer(id, 30);
      await runtime.removeContainer(id);
    }
  }

  async function listEnvironments(project?: string): Promise<EnvironmentState[]> {
    const filter: Record<string, string> = project ? { [ENV_LABEL.project]: project } : {};
    const [metas, containers] = await Promise.all([
      runtime.listContainers({ ...filter, [ENV_LABEL.role]: 'env-meta' }),
      runtime.listContainers({ ...filter, [ENV_LABEL.role]: 'component' }),
    ]);
    const environments = new Map<string, EnvironmentState>();
    // a crash between writing the new record and removing the old one leaves two: the newest wins
    for (const meta of [...metas].sort((a, b) =>
      a.Labels[ENV_LABEL.updatedAt]! < b.Labels[ENV_LABEL.updatedAt]! ? -1 : 1,
    )) {
      const l = meta.Labels;
      const key = `${l[ENV_LABEL.project]}/${l[ENV_LABEL.env]}`;
      environments.set(key, {
        project: l[ENV_LABEL.project]!,
        name: l[ENV_LABEL.env]!,
        branch: l[ENV_LABEL.branch]!,
        slug: l[ENV_LABEL.slug] ?? '',
        createdAt: l[ENV_LABEL.createdAt]!,
        updatedAt: l[ENV_LABEL.updatedAt]!,
        expiresAt: l[ENV_LABEL.expiresAt]!,
        maxExpiresAt: l[ENV_LABEL.maxExpiresAt]!,
        status: (l[ENV_LABEL.status] as EnvironmentState['status']) ?? 'unknown',
        modules: (l[ENV_LABEL.modules] ?? '').split(',').filter(Boolean),
        urls: JSON.parse(l[ENV_LABEL.urls] ?? '{}') as Record<string, string>,
        lifetime: l[ENV_LABEL.lifetime] === 'release' ? 'release' : 'preview',
        components: [],
      });
    }
    for (const c of containers) {
      const l = c.Labels;
      const key = `${l[ENV_LABEL.project]}/${l[ENV_LABEL.env]}`;
      let env = environments.get(key);
      if (!env) {
        // containers without a record: an environment whose `up` crashed before its first record
        env = {
          project: l[ENV_LABEL.project]!,
          name: l[ENV_LABEL.env]!,
          branch: l[ENV_LABEL.branch] ?? '',
          slug: '',
          createdAt: new Date(c.Created * 1000).toISOString(),
          updatedAt: new Date(c.Created * 1000).toISOString(),
          expiresAt: new Date(0).toISOString(),
          maxExpiresAt: new Date(0).toISOString(),
          status: 'unknown',
          modules: [],
          urls: {},
          lifetime: 'preview',
          components: [],
        };
        environments.set(key, env);
      }
      env.components.push({
        id: l[ENV_LABEL.component]!,
        kind: l[ENV_LABEL.kind]!,
        version: l[ENV_LABEL.version]!,
        inputDigest: l[ENV_LABEL.inputDigest]!,
        image: l[ENV_LABEL.image]!,
        container: c.Names[0]!.replace(/^\//, ''),
        running: c.State === 'running',
      });
    }
    return [...environments.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The storage containers whose migrations completed, from the environment's newest record. */
  async function readMigrated(plan: EnvPlan): Promise<Record<string, string>> {
    const metas = await runtime.listContainers({
      [ENV_LABEL.project]: plan.project,
      [ENV_LABEL.env]: plan.name,
      [ENV_LABEL.role]: 'env-meta',
    });
    const newest = metas.sort((a, b) => (a.Labels[ENV_LABEL.updatedAt]! < b.Labels[ENV_LABEL.updatedAt]! ? 1 : -1))[0];
    try {
      return JSON.parse(newest?.Labels[ENV_LABEL.migrated] ?? '{}') as Record<string, string>;
    } catch {
      return {};
    }
  }

  async function writeRecord(
    plan: EnvPlan,
    status: EnvironmentState['status'],
    image: string,
    migrated: Record<string, string>,
  ): Promise<void> {
    const name = metaName(plan.project, plan.name);
    const labels = {
      [ENV_LABEL.role]: 'env-meta',
      [ENV_LABEL.project]: plan.project,
      [ENV_LABEL.env]: plan.name,
      [ENV_LABEL.branch]: plan.branch,
      [ENV_LABEL.slug]: plan.slug,
      [ENV_LABEL.createdAt]: plan.createdAt,
      [ENV_LABEL.updatedAt]: new Date().toISOString(),
      [ENV_LABEL.expiresAt]: plan.expiresAt,
      [ENV_LABEL.maxExpiresAt]: plan.maxExpiresAt,
      [ENV_LABEL.status]: status,
      [ENV_LABEL.modules]: plan.modules.join(','),
      [ENV_LABEL.urls]: JSON.stringify(plan.urls),
      [ENV_LABEL.lifetime]: plan.lifetime,
      [ENV_LABEL.migrated]: JSON.stringify(
        Object.fromEntries(Object.entries(migrated).filter(([id]) => plan.components.some((c) => c.id === id))),
      ),
    };
    // labels cannot change: write a new record, then replace the old one with it
    const next = `${name}.next`;
    await runtime.removeContainer(next);
    const id = await runtime.createRecord(next, image, labels);
    await runtime.removeContainer(name);
    await runtime.renameContainer(id, name);
  }

  /** The image's details, pulled first when the engine lacks it. */
  async function ensureImage(reference: string): Promise<Awaited<ReturnType<DockerRuntime['inspectImage']>>> {
    const local = await runtime.inspectImage(reference);
    if (local) return local;
    try {
      await runtime.pullImage(reference);
    } catch (error) {
      throw new SlipwayError(
        'ENGINE_ERROR',
        `image ${reference} is not on the engine and could not be pulled (${(error as Error).message})`,
        {
          fix: 'run `slipway build` (add --push when the engine is on another machine), then rerun',
        },
      );
    }
    return runtime.inspectImage(reference);
  }

  async function up(plan: EnvPlan, options: UpOptions): Promise<UpResult> {
    const progress = options.onProgress;
    await router.ensure();
    const baseLabels = {
      [ENV_LABEL.project]: plan.project,
      [ENV_LABEL.env]: plan.name,
      [ENV_LABEL.branch]: plan.branch,
    };
    const before = (await listEnvironments(plan.project)).find((e) => e.name === plan.name);
    const isNew = !before || before.components.length === 0;
    // a storage container that an earlier run migrated is neither probed with execs nor migrated again: the
    // migrations are in its image, and its name changes with its image
    const migratedBefore = isNew ? {} : await readMigrated(plan);
    const migrated: Record<string, string> = { ...migratedBefore };
    const network = await runtime.ensureNetwork(plan.network, { ...baseLabels, [ENV_LABEL.role]: 'env-network' });
    // HTTP components are reached by their stable names through the router, which only routes to ready containers
    const stableNames = plan.components.filter((c) => c.kind !== 'storage').map((c) => c.hostname);
    await router.connect(plan.network, stableNames);
    const result: UpResult = { changed: [], unchanged: [], removed: [], held: [] };
    // new containers not serving yet: what a failure removes (components already switched keep their new
    // containers, since their old ones are gone, or held for revert)
    let pending: string[] = [];
    const stoppedStorage: string[] = [];
    // ready components whose routes have not switched yet
    const switches: {
      c: EnvComponent;
      others: { Id: string; Names: string[] }[];
      created: string[];
      routes: RouteSpec[];
    }[] = [];
    /** One router change for every waiting switch; then the old containers are held (releases) or drained. */
    async function switchWaiting(): Promise<void> {
      const batch = switches.splice(0);
      if (batch.length === 0) return;
      await router.applyRoutes({ upsert: batch.flatMap((s) => s.routes) });
      const switched = new Set(batch.flatMap((s) => s.created));
      pending = pending.filter((id) => !switched.has(id));
      const replaced = batch.filter((s) => s.others.length > 0);
      for (const { c, others, created } of replaced) {
        if (options.holdOld) {
          progress(`${c.id}: switched to ${c.version}`);
          result.held.push({
            id: c.id,
            routeId: c.route!.id,
            hostname: c.hostname,
            subnet: network.subnet,
            port: c.port,
            old: others.map((o) => ({
              id: o.Id,
              upstream: `${uniqueAlias(o.Names[0]!.replace(/^\//, ''))}:${c.port}`,
            })),
            created,
          });
        } else progress(`${c.id}: switched to ${c.version}; draining ${others.length} old container(s)`);
      }
      if (options.holdOld || replaced.length === 0) return;
      // in-flight requests finish on the old containers before they get SIGTERM (and they drain on SIGTERM too)
      await sleep(plan.drainMs);
      await stopOneByOne(replaced.flatMap((s) => s.others.map((old) => old.Id)));
    }
    try {
      for (const c of plan.components) {
        const existing = await runtime.listContainers({
          [ENV_LABEL.project]: plan.project,
          [ENV_LABEL.env]: plan.name,
          [ENV_LABEL.component]: c.id,
          [ENV_LABEL.role]: 'component',
        });
        const byName = new Map(existing.map((e) => [e.Names[0]!.replace(/^\//, ''), e]));
        const others = existing.filter((e) => !c.containerNames.includes(e.Names[0]!.replace(/^\//, '')));
        const missing = c.containerNames.filter((n) => !byName.has(n));
        // new containers of a front or back whose old ones serve meanwhile start at a low CPU weight
        const replacing = !c.storage && others.length > 0;
        // new containers already started one by one below
        const started = new Set<string>();
        if (missing.length > 0) {
          const image = await ensureImage(c.image);
          if (c.storage) {
            // one database per volume: the old container stops before the new one opens the data; it is kept
            // (stopped) until the new one is ready and migrated, to be started again if that fails
            for (const old of others) {
              progress(`${c.id}: stopping ${old.Names[0]!.slice(1)} to hand its data over`);
              await runtime.stopContainer(old.Id, 30);
              stoppedStorage.push(old.Id);
            }
            await runtime.ensureVolume(c.storage.volume, {
              ...baseLabels,
              [ENV_LABEL.role]: 'env-volume',
              [ENV_LABEL.component]: c.id,
            });
          }
          const volumes: Record<string, string> = {};
          if (c.storage)
            for (const target of Object.keys(image?.Config.Volumes ?? {})) volumes[c.storage.volume] = target;
          if (c.storage && Object.keys(volumes).length === 0) volumes[c.storage.volume] = '/var/lib/postgresql/data';
          progress(
            `${c.id}: starting ${c.version}${c.containerNames.length > 1 ? ` (${c.containerNames.length} replicas)` : ''}`,
          );
          for (const name of missing) {
            const id = await runtime.createContainer({
              name,
              image: c.image,
              env: c.env,
              labels: componentLabels(plan, c),
              network: plan.network,
              aliases: c.storage ? [c.hostname, uniqueAlias(name)] : [uniqueAlias(name)],
              volumes,
              ...(replacing ? { cpuShares: STARTING_CPU_SHARES } : {}),
            });
            pending.push(id);
            byName.set(name, { Id: id } as (typeof existing)[number]);
            // while old containers serve, the replicas start one after the other: the engine's runc and network
            // set-up of a start runs outside the container's cgroup (its low CPU weight does not cover it)
            if (replacing) {
              await runtime.startContainer(id);
              started.add(id);
            }
          }
          result.changed.push(c.id);
        } else result.unchanged.push(c.id);
        const ids = c.containerNames.map((n) => byName.get(n)!.Id);
        // (already running: a no-op; a fresh environment, with nothing serving, starts its replicas together)
        await Promise.all(ids.filter((id) => !started.has(id)).map((id) => runtime.startContainer(id)));
        const alreadyMigrated = c.storage !== undefined && missing.length === 0 && migratedBefore[c.id] === ids[0];
        const readiness: Readiness[] = alreadyMigrated
          ? [crashed(await runtime.inspectContainer(ids[0]!)) ?? { ok: true }]
          : await Promise.all(ids.map((id) => waitReady(runtime, id, plan.network, c, plan.readyTimeoutMs)));
        const notReady = readiness.findIndex((r) => !r.ok);
        if (notReady >= 0) {
          const logs = await runtime.logs(ids[notReady]!, 15);
          const failure = readiness[notReady] as { ok: false; reason: string };
          throw new SlipwayError('ENV_FAILED', `${c.id} never became ready: ${failure.reason}`, {
            fix: `look at its last log lines below, fix ${c.id}, rebuild and rerun`,
            details: logs.map((l) => `${c.id} | ${l}`),
          });
        }
        // the warm-up still runs at the low CPU weight: it takes what the serving containers leave (a burst of
        // requests at the full weight was seen to slow them down more than the switch it spares)
        if (replacing && options.warmUp && options.warmUp.requests > 0) {
          const paths = [...(c.health ? [c.health] : []), ...(options.warmUp.paths[c.id] ?? [])];
          const failures: string[] = [];
          for (const r of readiness) {
            if (r.ok && r.ip) failures.push(...(await warmUpReplica(r.ip, c, paths, options.warmUp.requests)));
          }
          const sent = paths.length * options.warmUp.requests * ids.length;
          if (failures.length / sent > options.warmUp.maxErrorRate) {
            throw new SlipwayError(
              'ENV_FAILED',
              `${c.id}: ${failures.length} of ${sent} warm-up requests to the new containers failed before the switch (max error rate ${options.warmUp.maxErrorRate})`,
              {
                fix: `the previous version still serves; fix the failing requests named here, rebuild and deploy again`,
                details: [...new Set(failures)].slice(0, 10).map((f) => `${c.id} | ${f}`),
              },
            );
          }
        }
        if (replacing) await Promise.all(ids.map((id) => runtime.setCpuShares(id, DEFAULT_CPU_SHARES)));
        if (c.storage) {
          if (!alreadyMigrated) await applyMigrations((argv, env) => runtime.exec(ids[0]!, argv, env), c, progress);
          migrated[c.id] = ids[0]!;
          for (const old of stoppedStorage.splice(0)) await runtime.removeContainer(old);
          pending = pending.filter((id) => !ids.includes(id));
        }
        if (c.route) {
          const upstreams = c.containerNames.map((n) => `${uniqueAlias(n)}:${c.port}`);
          const labels = { project: plan.project, env: plan.name };
          switches.push({
            c,
            others,
            created: c.containerNames.filter((n) => missing.includes(n)).map((n) => byName.get(n)!.Id),
            // the preview host and the internal stable name switch together
            routes: [
              { id: c.route.id, hosts: [c.route.host], upstreams, labels },
              { id: `${c.route.id}.internal`, hosts: [c.hostname], upstreams, sourceRanges: [network.subnet], labels },
            ],
          });
          // Caddy closes its idle keep-alive connections at every config change: components replacing serving
          // containers wait for each other and switch in one change, once all are ready; a route that serves
          // nothing yet goes at once (with those waiting), since what depends on it may need it to get ready
          if (!replacing) await switchWaiting();
        }
      }
      // the record first: its engine work (a container created, one removed) is done before the switch, not
      // while the new containers take their first requests
      await writeRecord(plan, 'ready', plan.components[0]!.image, migrated);
      await switchWaiting();
      // components that left the environment (fewer modules than before)
      const wanted = new Set(plan.components.map((c) => c.id));
      for (const c of before?.components ?? []) {
        if (wanted.has(c.id)) continue;
        const routeId = `slipway.${plan.project}.${plan.name}.${c.id.replace('/', '-')}`;
        await router.applyRoutes({ remove: [routeId, `${routeId}.internal`] });
        await stopOneByOne([c.container]);
        result.removed.push(c.id);
      }
      return result;
    } catch (error) {
      if (options.keepFailed) {
        await writeRecord(plan, 'failed', plan.components[0]!.image, migrated).catch(() => undefined);
      } else if (isNew) {
        progress(`removing the half-created environment ${plan.name}`);
        await down(plan.project, plan.name);
      } else {
        // an existing environment keeps serving its previous containers: only what this run created goes
        for (const id of pending) await runtime.removeContainer(id);
        // a storage whose new container failed (not ready, or a migration failed in its transaction): the
        // previous one comes back on the same data, so its backs keep working
        for (const old of stoppedStorage.splice(0)) {
          progress('starting the previous storage container again');
          await runtime.startContainer(old);
        }
        if (options.holdOld) await revert(plan, result.held);
      }
      throw error;
    }
  }

  async function down(project: string, name: string): Promise<{ containers: number; volumes: number }> {
    const labels = { [ENV_LABEL.project]: project, [ENV_LABEL.env]: name };
    const containers = await runtime.listContainers(labels);
    const routes = (await router.listRoutes()).filter((r) => r.labels?.project === project && r.labels?.env === name);
    await router.applyRoutes({ remove: routes.map((r) => r.id) });
    await Promise.all(
      containers.map(async (c) => {
        await runtime.stopContainer(c.Id, 10);
        await runtime.removeContainer(c.Id);
      }),
    );
    const network = `slipway.${project}.${name}`;
    await router.disconnect(network);
    await runtime.removeNetwork(network);
    const volumes = await runtime.listVolumes(labels);
    for (const v of volumes) await runtime.removeVolume(v.Name);
    return {
      containers: containers.filter((c) => c.Labels[ENV_LABEL.role] === 'component').length,
      volumes: volumes.length,
    };
  }

  /** Keeps a release record on the engine (a never-started container's label), pruning beyond `keep`. */
  async function recordRelease(record: ReleaseRecord, image: string, keep: number): Promise<void> {
    const name = `slipway.${record.project}.${record.env}.release.${record.id}`;
    await runtime.createRecord(name, image, {
      [ENV_LABEL.role]: 'release-record',
      [ENV_LABEL.project]: record.project,
      [ENV_LABEL.env]: record.env,
      [ENV_LABEL.release]: JSON.stringify(record),
    });
    const all = await listReleases(record.project, record.env);
    for (const old of all.slice(keep)) {
      await runtime.removeContainer(`slipway.${record.project}.${record.env}.release.${old.id}`);
    }
  }

  /** Newest first. */
  async function listReleases(project: string, env: string): Promise<ReleaseRecord[]> {
    const records = await runtime.listContainers({
      [ENV_LABEL.role]: 'release-record',
      [ENV_LABEL.project]: project,
      [ENV_LABEL.env]: env,
    });
    return records
      .map((r) => JSON.parse(r.Labels[ENV_LABEL.release] ?? '{}') as ReleaseRecord)
      .filter((r) => r.id)
      .sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  /** After a good check: the held old containers drain, then stop. */
  async function finish(plan: EnvPlan, held: HeldComponent[]): Promise<void> {
    if (held.length === 0) return;
    await sleep(plan.drainMs);
    await stopOneByOne(held.flatMap((h) => h.old.map((o) => o.id)));
  }

  /** After a bad check: the router goes back to the held old containers (one change), then the new ones go. */
  async function revert(plan: EnvPlan, held: HeldComponent[]): Promise<void> {
    if (held.length === 0) return;
    const labels = { project: plan.project, env: plan.name };
    await router.applyRoutes({
      upsert: held.flatMap((h) => {
        const upstreams = h.old.map((o) => o.upstream);
        const route = plan.components.find((c) => c.id === h.id)!.route!;
        return [
          { id: h.routeId, hosts: [route.host], upstreams, labels },
          { id: `${h.routeId}.internal`, hosts: [h.hostname], upstreams, sourceRanges: [h.subnet], labels },
        ];
      }),
    });
    await sleep(plan.drainMs);
    await stopOneByOne(held.flatMap((h) => h.created));
  }

  return {
    engine: 'docker',
    target: 'docker',
    listEnvironments,
    up,
    down,
    recordRelease,
    listReleases,
    finish,
    revert,
  };
}

export type DockerEnvironments = EnvironmentEngine<HeldComponent[]>;
export { INTERNAL_HTTP_PORT };

// Reconciles a branch environment on the Docker engine: reads what runs (labels), computes the difference with
// the plan, and acts, component by component in dependency order, with the router switched only to ready containers.
import net from 'node:net';
import { SlipwayError } from '../../core/errors.js';
import {
  IMAGE_MIGRATIONS_DIR,
  IMAGE_SEED_DIR,
  INTERNAL_HTTP_PORT,
  uniqueAlias,
  type EnvComponent,
  type EnvPlan,
} from '../../environments/plan.js';
import type { DockerRuntime } from './containers.js';
import type { Router } from './router.js';

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
} as const;

export interface ComponentState {
  id: string;
  kind: string;
  version: string;
  inputDigest: string;
  image: string;
  container: string;
  running: boolean;
}

export interface EnvironmentState {
  project: string;
  name: string;
  branch: string;
  slug: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  maxExpiresAt: string;
  status: 'ready' | 'failed' | 'unknown';
  modules: string[];
  urls: Record<string, string>;
  lifetime: 'preview' | 'release';
  components: ComponentState[];
}

/** One deploy, promote or rollback of a release environment, as `slipway history` lists it. */
export interface ReleaseRecord {
  project: string;
  env: string;
  id: string;
  kind: 'deploy' | 'promote' | 'rollback';
  version: string;
  commit: string | null;
  /** component id -> image reference (repo@sha256:… once pushed) */
  images: Record<string, string>;
  inputDigests: Record<string, string>;
  who: string;
  at: string;
  result: 'succeeded' | 'failed';
  reason: string;
  from: string | null;
}

export interface UpOptions {
  keepFailed: boolean;
  onProgress: (line: string) => void;
  /**
   * Keep the replaced containers running (out of the router) instead of draining and stopping them, so a
   * check after the switch can send traffic back to them at once: `finish()` or `revert()` decides.
   */
  holdOld?: boolean;
}

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

export interface UpResult {
  /** Component ids whose container was created or replaced by this run. */
  changed: string[];
  unchanged: string[];
  removed: string[];
  held: HeldComponent[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** Waits until an HTTP health path answers 2xx/3xx, or a TCP port accepts (no path); fails early if the container dies. */
async function waitReady(
  runtime: DockerRuntime,
  containerId: string,
  network: string,
  c: EnvComponent,
  timeoutMs: number,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    const details = await runtime.inspectContainer(containerId);
    if (!details) return { ok: false, reason: 'the container disappeared' };
    // the restart policy brings a crashing process back: a crash is a crash, whether it is restarting or not
    if (!details.State.Running && !details.State.Restarting) {
      return { ok: false, reason: `the container exited with code ${details.State.ExitCode}` };
    }
    if (details.RestartCount > 0 || details.State.Restarting) {
      return { ok: false, reason: `the container exited and was restarted ${details.RestartCount} time(s)` };
    }
    const ip = details.NetworkSettings.Networks[network]?.IPAddress;
    if (ip) {
      try {
        if (c.kind === 'storage') {
          // pg_isready over TCP: the entrypoint's first, socket-only server during initialisation does not count
          const probe = await runtime.exec(containerId, ['pg_isready', '-q', '-h', '127.0.0.1', '-p', String(c.port)]);
          if (probe.code === 0) return { ok: true };
          lastProblem = `pg_isready exited ${probe.code}`;
        } else if (c.health) {
          const response = await fetch(`http://${ip}:${c.port}${c.health}`, {
            signal: AbortSignal.timeout(2000),
            redirect: 'manual',
          });
          await response.arrayBuffer();
          if (response.status >= 200 && response.status < 400) return { ok: true };
          lastProblem = `${c.health} answered ${response.status}`;
        } else {
          await new Promise<void>((resolve, reject) => {
            const socket = net.connect({ host: ip, port: c.port }, () => {
              socket.end();
              resolve();
            });
            socket.on('error', reject);
          });
          return { ok: true };
        }
      } catch (error) {
        lastProblem = (error as Error).message;
      }
    }
    await sleep(100);
  }
  return { ok: false, reason: `not ready after ${Math.round(timeoutMs / 1000)} s (${lastProblem})` };
}

export function createDockerEnvironments(runtime: DockerRuntime, router: Router) {
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

  async function writeRecord(plan: EnvPlan, status: EnvironmentState['status'], image: string): Promise<void> {
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
    };
    // labels cannot change: write a new record, then replace the old one with it
    const next = `${name}.next`;
    await runtime.removeContainer(next);
    const id = await runtime.createRecord(next, image, labels);
    await runtime.removeContainer(name);
    await runtime.renameContainer(id, name);
  }

  async function ensureImage(reference: string): Promise<void> {
    if (await runtime.inspectImage(reference)) return;
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
  }

  async function applyMigrations(
    containerId: string,
    c: EnvComponent,
    progress: (line: string) => void,
  ): Promise<void> {
    const storage = c.storage!;
    const psql = ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', storage.user, '-d', storage.database];
    async function run(args: string[], what: string, env: Record<string, string> = {}): Promise<string> {
      const result = await runtime.exec(containerId, [...psql, ...args], env);
      if (result.code !== 0) {
        throw new SlipwayError(
          'ENV_FAILED',
          `${c.id}: ${what} failed: ${result.output.trim().split('\n').at(-1) ?? ''}`,
          {
            fix: 'fix the SQL file named here and rerun `slipway env up`',
            details: result.output.trim().split('\n').slice(-10),
          },
        );
      }
      return result.output;
    }
    await run(
      [
        '-c',
        'CREATE TABLE IF NOT EXISTS slipway_migrations (name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      ],
      'creating the migrations table',
    );
    const applied = new Map(
      (
        await run(
          ['-t', '-A', '-F', ' ', '-c', 'SELECT name, sha256 FROM slipway_migrations'],
          'reading applied migrations',
        )
      )
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ') as [string, string]),
    );
    const groups: [string, string, boolean][] = [
      [IMAGE_MIGRATIONS_DIR, 'migrations', storage.migrations],
      // each seed file goes in once per volume (recorded like a migration), so a crash mid-seed converges too
      [IMAGE_SEED_DIR, 'seed', storage.seed],
    ];
    for (const [dir, prefix, wanted] of groups) {
      if (!wanted) continue;
      const listing = await runtime.exec(containerId, ['ls', '-1', dir]);
      if (listing.code !== 0) {
        throw new SlipwayError('ENV_FAILED', `${c.id}: the image has no ${dir}`, {
          fix: `COPY the ${prefix} folder to ${dir} in the storage Dockerfile`,
        });
      }
      for (const file of listing.output
        .split('\n')
        .filter((f) => f.endsWith('.sql'))
        .sort()) {
        const path = `${dir}/${file}`;
        const sum = (await runtime.exec(containerId, ['sha256sum', path])).output.split(' ')[0]!;
        const name = `${prefix}/${file}`;
        const previous = applied.get(name);
        if (previous === sum) continue;
        if (previous !== undefined && prefix === 'migrations') {
          throw new SlipwayError('ENV_FAILED', `${c.id}: migration ${file} changed after it was applied`, {
            fix: 'never edit an applied migration: add a new one that makes the change',
          });
        }
        if (previous !== undefined) continue;
        progress(`${c.id}: applying ${name}`);
        // the file and its record commit together; the values travel as session settings (PGOPTIONS), never
        // spliced into SQL text
        const options = `-c slipway.name=${name.replace(/([\\ ])/g, '\\$1')} -c slipway.sum=${sum}`;
        await run(
          [
            '--single-transaction',
            '-f',
            path,
            '-c',
            "INSERT INTO slipway_migrations (name, sha256) VALUES (current_setting('slipway.name'), current_setting('slipway.sum'))",
          ],
          name,
          { PGOPTIONS: options },
        );
      }
    }
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
    const network = await runtime.ensureNetwork(plan.network, { ...baseLabels, [ENV_LABEL.role]: 'env-network' });
    // HTTP components are reached by their stable names through the router, which only routes to ready containers
    const stableNames = plan.components.filter((c) => c.kind !== 'storage').map((c) => c.hostname);
    await router.connect(plan.network, stableNames);
    const result: UpResult = { changed: [], unchanged: [], removed: [], held: [] };
    // containers of the component being rolled out, not yet serving: what a failure removes (components already
    // switched keep their new containers, since their old ones are gone, or held for revert)
    let pending: string[] = [];
    const stoppedStorage: string[] = [];
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
        if (missing.length > 0) {
          await ensureImage(c.image);
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
          const image = await runtime.inspectImage(c.image);
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
            });
            pending.push(id);
            byName.set(name, { Id: id } as (typeof existing)[number]);
          }
          result.changed.push(c.id);
        } else result.unchanged.push(c.id);
        const ids = c.containerNames.map((n) => byName.get(n)!.Id);
        await Promise.all(ids.map((id) => runtime.startContainer(id)));
        const readiness = await Promise.all(
          ids.map((id) => waitReady(runtime, id, plan.network, c, plan.readyTimeoutMs)),
        );
        const notReady = readiness.findIndex((r) => !r.ok);
        if (notReady >= 0) {
          const logs = await runtime.logs(ids[notReady]!, 15);
          const failure = readiness[notReady] as { ok: false; reason: string };
          throw new SlipwayError('ENV_FAILED', `${c.id} never became ready: ${failure.reason}`, {
            fix: `look at its last log lines below, fix ${c.id}, rebuild and rerun`,
            details: logs.map((l) => `${c.id} | ${l}`),
          });
        }
        if (c.storage) {
          await applyMigrations(ids[0]!, c, progress);
          for (const old of stoppedStorage.splice(0)) await runtime.removeContainer(old);
        }
        if (c.route) {
          const upstreams = c.containerNames.map((n) => `${uniqueAlias(n)}:${c.port}`);
          const labels = { project: plan.project, env: plan.name };
          // the preview host and the internal stable name switch together, in one router change
          await router.applyRoutes({
            upsert: [
              { id: c.route.id, hosts: [c.route.host], upstreams, labels },
              { id: `${c.route.id}.internal`, hosts: [c.hostname], upstreams, sourceRanges: [network.subnet], labels },
            ],
          });
        }
        pending = [];
        if (!c.storage && others.length > 0 && options.holdOld && c.route) {
          result.held.push({
            id: c.id,
            routeId: c.route.id,
            hostname: c.hostname,
            subnet: network.subnet,
            port: c.port,
            old: others.map((o) => ({
              id: o.Id,
              upstream: `${uniqueAlias(o.Names[0]!.replace(/^\//, ''))}:${c.port}`,
            })),
            created: c.containerNames.filter((n) => missing.includes(n)).map((n) => byName.get(n)!.Id),
          });
        } else if (!c.storage && others.length > 0) {
          // in-flight requests finish on the old containers before they get SIGTERM (and they drain on SIGTERM too)
          progress(`${c.id}: switched to ${c.version}; draining ${others.length} old container(s)`);
          await sleep(plan.drainMs);
          await Promise.all(
            others.map(async (old) => {
              await runtime.stopContainer(old.Id, 30);
              await runtime.removeContainer(old.Id);
            }),
          );
        }
      }
      // components that left the environment (fewer modules than before)
      const wanted = new Set(plan.components.map((c) => c.id));
      for (const c of before?.components ?? []) {
        if (wanted.has(c.id)) continue;
        const routeId = `slipway.${plan.project}.${plan.name}.${c.id.replace('/', '-')}`;
        await router.applyRoutes({ remove: [routeId, `${routeId}.internal`] });
        await runtime.stopContainer(c.container, 30);
        await runtime.removeContainer(c.container);
        result.removed.push(c.id);
      }
      await writeRecord(plan, 'ready', plan.components[0]!.image);
      return result;
    } catch (error) {
      if (options.keepFailed) {
        await writeRecord(plan, 'failed', plan.components[0]!.image).catch(() => undefined);
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
    await Promise.all(
      held.flatMap((h) =>
        h.old.map(async (o) => {
          await runtime.stopContainer(o.id, 30);
          await runtime.removeContainer(o.id);
        }),
      ),
    );
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
    await Promise.all(
      held.flatMap((h) =>
        h.created.map(async (id) => {
          await runtime.stopContainer(id, 30);
          await runtime.removeContainer(id);
        }),
      ),
    );
  }

  return { listEnvironments, up, down, recordRelease, listReleases, finish, revert };
}

export type DockerEnvironments = ReturnType<typeof createDockerEnvironments>;
export { INTERNAL_HTTP_PORT };

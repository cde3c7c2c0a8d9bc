// Release environments (staging, production): deploy the build, promote the very digests another environment
// runs, roll back to a kept release, and list the history. Rollouts reuse the environment reconciler: new
// containers ready before the router switches, the old ones drained, and a release that never gets ready
// leaves the previous one serving. An environment on several clusters rolls out cluster by cluster and stops at
// the first failure.
import { appendFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig, ResolvedReleaseEnvironment } from '../config/resolve.js';
import { imageRepositoryIn } from '../config/resolve.js';
import { SlipwayError, isSlipwayError } from '../core/errors.js';
import { run } from '../core/exec.js';
import { getWithHost } from '../core/http-get.js';
import { closest } from '../core/suggest.js';
import type { BuildManifest } from '../image-builder/manifest.js';
import { readBuildManifest } from '../image-builder/manifest.js';
import type { Manifest, RegistryClient, RepositoryRef } from '../registry/client.js';
import { copyManifest, createRegistryClient, splitRepository } from '../registry/client.js';
import type { ClusterOutcome, EnvironmentEngine, ReleaseRecord } from './engine.js';
import { defaultLockDir, withEnvironmentLock } from './lock.js';
import { planEnvironment, type EnvPlan } from './plan.js';

export interface ReleaseContext {
  config: ResolvedConfig;
  /** The engines an environment runs on, in rollout order: one, or one per cluster of a multi-cluster environment. */
  engines: (environment: string) => Promise<EnvironmentEngine[]>;
  registry: RegistryClient;
  progress: (line: string) => void;
  env: NodeJS.ProcessEnv;
  lockDir?: string;
  now?: () => Date;
}

export function releaseEnvironment(config: ResolvedConfig, name: string): ResolvedReleaseEnvironment {
  const found = config.environments[name];
  if (!found) {
    const names = Object.keys(config.environments);
    const suggestion = closest(name, names);
    throw new SlipwayError(
      'ENV_NOT_FOUND',
      `no release environment "${name}" in the config${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
      {
        fix:
          names.length > 0
            ? `use one of: ${names.join(', ')}`
            : 'declare it under `environments:` in slipway.config.ts, e.g. environments: { staging: {}, production: { replicas: 2 } }',
      },
    );
  }
  return found;
}

function who(env: NodeJS.ProcessEnv): string {
  return env.GITLAB_USER_LOGIN ?? env.GITHUB_ACTOR ?? env.USER ?? os.userInfo().username;
}

/** A release record as of `now`: its id (the time), who and when, then what the release is. */
function newRecord(
  context: ReleaseContext,
  now: Date,
  fields: Omit<ReleaseRecord, 'project' | 'id' | 'who' | 'at'>,
): ReleaseRecord {
  return {
    project: context.config.project,
    id: `${now.getTime()}`,
    who: who(context.env),
    at: now.toISOString(),
    ...fields,
  };
}

function clock(context: ReleaseContext): Date {
  return (context.now ?? (() => new Date()))();
}

/** The append-only audit log: one JSON line per deploy, promote and rollback, whatever its result. */
async function audit(context: ReleaseContext, record: ReleaseRecord): Promise<void> {
  const dir = path.join(path.dirname(context.lockDir ?? defaultLockDir(context.env)), 'audit');
  await mkdir(dir, { recursive: true });
  await appendFile(path.join(dir, `${context.config.project}.jsonl`), `${JSON.stringify(record)}\n`);
}

/**
 * Records in the audit log a deploy or promote that failed before its rollout started (refused, or its images not
 * copied), then rethrows: the log keeps every attempt, not only those that reached the engine.
 */
async function auditFailure(
  context: ReleaseContext,
  attempt: Pick<ReleaseRecord, 'env' | 'kind' | 'from' | 'commit' | 'images'>,
  error: unknown,
): Promise<never> {
  const record = newRecord(context, clock(context), {
    version: attempt.commit ? `sha-${attempt.commit.slice(0, 12)}` : 'unknown',
    inputDigests: {},
    result: 'failed',
    reason: isSlipwayError(error) ? error.message : String(error),
    ...attempt,
  });
  await audit(context, record).catch(() => undefined);
  throw error;
}

/** A manifest naming exactly these images: what promote and rollback deploy instead of the latest build. */
function manifestOf(
  config: ResolvedConfig,
  images: Record<string, string>,
  inputDigests: Record<string, string>,
  commit: string | null,
): BuildManifest {
  return {
    version: 1,
    project: config.project,
    commit,
    ref: null,
    createdAt: new Date().toISOString(),
    pushed: true,
    components: Object.fromEntries(
      Object.entries(images).map(([id, image]) => {
        const component = config.components.find((c) => c.id === id);
        const inputDigest = inputDigests[id] ?? '';
        return [
          id,
          {
            kind: component?.kind ?? 'back',
            image,
            repository: image.split('@')[0]!.replace(/:[^/]*$/, ''),
            tag: `in-${inputDigest.replace(/^sha256:/, '').slice(0, 12)}`,
            inputDigest,
            digest: image.includes('@') ? image.split('@')[1]! : null,
            imageId: '',
            size: null,
            built: false,
            reason: 'promoted',
          },
        ];
      }),
    ),
  };
}

async function isAncestor(root: string, older: string, newer: string): Promise<boolean> {
  const result = await run({ file: 'git', args: ['merge-base', '--is-ancestor', older, newer], cwd: root }).catch(
    () => undefined,
  );
  return result?.code === 0;
}

async function rollout(
  context: ReleaseContext,
  name: string,
  manifest: BuildManifest,
  kind: ReleaseRecord['kind'],
  from: string | null,
): Promise<{ plan: EnvPlan; record: ReleaseRecord }> {
  const settings = releaseEnvironment(context.config, name);
  const now = clock(context);
  const engines = await context.engines(name);
  // every cluster answers before any changes: a cluster that cannot be reached fails the release up front
  const [existing] = (await Promise.all(engines.map((e) => e.listEnvironments(context.config.project)))).map((list) =>
    list.find((e) => e.name === name),
  );
  const plan = planEnvironment({
    config: context.config,
    manifest,
    branch: name,
    name,
    modules: [],
    now,
    createdAt: existing?.createdAt,
    release: settings,
    engine: engines[0]!.engine,
  });
  const record = newRecord(context, now, {
    env: name,
    kind,
    version: plan.components[0]?.version ?? 'unknown',
    commit: manifest.commit,
    images: Object.fromEntries(plan.components.map((c) => [c.id, c.image])),
    inputDigests: Object.fromEntries(plan.components.map((c) => [c.id, c.inputDigest])),
    result: 'succeeded',
    reason: '',
    from,
  });
  const outcomes: ClusterOutcome[] = [];
  const several = engines.length > 1;
  try {
    for (const [index, engine] of engines.entries()) {
      if (several) context.progress(`${engine.target}: rolling out ${record.version} (${index + 1}/${engines.length})`);
      try {
        await rolloutOne(context, engine, plan, settings);
        outcomes.push({ target: engine.target, result: 'succeeded' });
      } catch (error) {
        outcomes.push({
          target: engine.target,
          result: 'failed',
          reason: isSlipwayError(error) ? error.message : String(error),
        });
        for (const rest of engines.slice(index + 1)) outcomes.push({ target: rest.target, result: 'skipped' });
        throw error;
      }
    }
  } catch (error) {
    const failed: ReleaseRecord = {
      ...record,
      result: 'failed' as const,
      reason: isSlipwayError(error) ? error.message : String(error),
      ...(several ? { clusters: outcomes } : {}),
    };
    for (const engine of engines)
      await engine.recordRelease(failed, plan.components[0]!.image, settings.keep).catch(() => undefined);
    await audit(context, failed);
    const where = several ? stoppedAt(outcomes) : '';
    if (isSlipwayError(error) && error.code === 'ENV_FAILED') {
      throw new SlipwayError('ENV_FAILED', `${kind} to ${name} rolled back${where}: ${error.message}`, {
        fix: error.fix,
        details: error.details,
      });
    }
    if (several && isSlipwayError(error)) {
      throw new SlipwayError(error.code, `${kind} to ${name}${where}: ${error.message}`, {
        fix: error.fix,
        details: error.details,
        cause: error,
      });
    }
    throw error;
  }
  const done: ReleaseRecord = several ? { ...record, clusters: outcomes } : record;
  for (const engine of engines) await engine.recordRelease(done, plan.components[0]!.image, settings.keep);
  await audit(context, done);
  const untagged = await tagReleased(context, name, done.images);
  if (untagged.length > 0) {
    const rerun = {
      promote: `slipway promote ${from ?? '<from>'} ${name}`,
      deploy: `slipway deploy ${name}`,
      rollback: `slipway rollback ${name} --to ${done.version}`,
    }[kind];
    context.progress(
      `warning: ${name} is released, but its \`${name}\` tags were not all moved (${untagged.join('; ')}): rerun \`${rerun}\` (it changes nothing else) or they move with the next release`,
    );
  }
  return { plan, record: done };
}

/**
 * Once a release stands (deploy, promote and rollback alike), the `<env>` tag of each of its images' repositories
 * names the digest the environment runs; a release that failed or went back leaves the tags as they were, so they
 * never name digests that do not run. The environment is released already: failures are returned, not thrown.
 */
async function tagReleased(context: ReleaseContext, name: string, images: Record<string, string>): Promise<string[]> {
  const clientFor = registryClients(context);
  const failures: string[] = [];
  for (const [id, image] of Object.entries(images)) {
    const ref = pinned(image);
    if (!ref) continue;
    try {
      const client = clientFor(ref.host);
      const manifest = await client.getManifest(ref.name, ref.digest);
      if (!manifest) throw new Error(`${ref.digest.slice(0, 19)} is not in ${ref.repository}`);
      await client.putManifest(ref.name, name, manifest);
    } catch (error) {
      failures.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failures;
}

/** ` on <failed> (<done> keep the new version; <skipped> stay on the previous one)`. */
function stoppedAt(outcomes: ClusterOutcome[]): string {
  const failed = outcomes.find((o) => o.result === 'failed')?.target ?? '?';
  const done = outcomes.filter((o) => o.result === 'succeeded').map((o) => o.target);
  const skipped = outcomes.filter((o) => o.result === 'skipped').map((o) => o.target);
  const notes = [
    ...(done.length > 0 ? [`${done.join(', ')} keep${done.length === 1 ? 's' : ''} the new version`] : []),
    ...(skipped.length > 0 ? [`${skipped.join(', ')} stay${skipped.length === 1 ? 's' : ''} on the previous one`] : []),
  ];
  return ` on ${failed}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

/** One engine (one cluster): the new release ready, switched, checked, then finished or reverted. */
async function rolloutOne(
  context: ReleaseContext,
  engine: EnvironmentEngine,
  plan: EnvPlan,
  settings: ResolvedReleaseEnvironment,
): Promise<void> {
  const result = await engine.up(plan, {
    keepFailed: false,
    onProgress: context.progress,
    holdOld: true,
    warmUp: {
      requests: settings.warmUpRequests,
      paths: settings.check.paths,
      maxErrorRate: settings.check.maxErrorRate,
    },
  });
  const check = await postSwitchCheck(context, plan, settings, engine);
  if (!check.ok) {
    context.progress(`post-switch check failed (${check.reason}): sending traffic back to the previous release`);
    await engine.revert(plan, result.held);
    throw new SlipwayError('ENV_FAILED', `the post-switch check failed: ${check.reason}`, {
      fix: 'traffic went back to the previous release; fix the failing requests named here, rebuild and deploy again',
      details: check.failures.slice(0, 10),
    });
  }
  await engine.finish(plan, result.held);
}

/**
 * Sends requests as users would (through the router, or the engine's own way in), to each front and back's health
 * path and configured paths for the check's duration; the release stands only if the error rate stays within bounds.
 */
async function postSwitchCheck(
  context: ReleaseContext,
  plan: EnvPlan,
  settings: ResolvedReleaseEnvironment,
  engine: EnvironmentEngine,
): Promise<{ ok: true } | { ok: false; reason: string; failures: string[] }> {
  const targets = plan.components
    .filter((c) => c.route)
    .flatMap((c) =>
      [...(c.health ? [c.health] : []), ...(settings.check.paths[c.id] ?? [])].map((p) => ({
        id: c.id,
        host: c.route!.host,
        path: p,
      })),
    );
  if (targets.length === 0 || settings.check.ms === 0) return { ok: true };
  const { router } = context.config;
  const address = router.bind === '0.0.0.0' || router.bind === '::' ? '127.0.0.1' : router.bind;
  const until = Date.now() + settings.check.ms;
  const failures: string[] = [];
  let total = 0;
  while (Date.now() < until) {
    await Promise.all(
      targets.map(async (t) => {
        total++;
        const outcome = engine.probe
          ? await engine.probe(plan, t.id, t.path)
          : await httpGet(address, router.port, t.host, t.path);
        if (outcome !== 'ok') failures.push(`${t.host}${t.path}: ${outcome}`);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const rate = total === 0 ? 0 : failures.length / total;
  if (rate > settings.check.maxErrorRate) {
    return {
      ok: false,
      reason: `${failures.length} of ${total} requests failed (max error rate ${settings.check.maxErrorRate})`,
      failures,
    };
  }
  return { ok: true };
}

/** A GET through the router with the preview Host header: 'ok' for 2xx/3xx, else what went wrong. */
async function httpGet(address: string, port: number, host: string, path: string): Promise<string> {
  const answer = await getWithHost({ address, port, host, path });
  if ('error' in answer) return answer.error;
  return answer.status < 400 ? 'ok' : `HTTP ${answer.status}`;
}

function locked<T>(context: ReleaseContext, name: string, command: string, action: () => Promise<T>): Promise<T> {
  const dir = context.lockDir ?? defaultLockDir(context.env);
  return withEnvironmentLock(`${context.config.project}.${name}`, { dir, command, progress: context.progress }, action);
}

/** Deploys the current build manifest; refuses a build older than the one running unless forced. */
export async function deploy(context: ReleaseContext, name: string, options: { force: boolean }) {
  const settings = releaseEnvironment(context.config, name);
  const manifest = await readBuildManifest(context.config.root);
  if (!manifest)
    throw new SlipwayError('CONFIG_INVALID', 'no build manifest (.slipway/build.json) to deploy', {
      fix: 'run `slipway build --push` first',
    });
  const images = Object.fromEntries(Object.entries(manifest.components).map(([id, c]) => [id, c.image]));
  const attempt = { env: name, kind: 'deploy' as const, from: null, commit: manifest.commit, images };
  const failed = (error: unknown) => auditFailure(context, attempt, error);
  // an environment with a registry of its own runs its images from there: they are copied first, never rebuilt
  const copies = settings.registry
    ? await readImages(context, settings, images, 'run `slipway build --push` and deploy again').catch(failed)
    : [];
  return locked(context, name, `deploy ${name}`, async () => {
    const [primary] = await context.engines(name);
    const [current] = await primary!
      .listReleases(context.config.project, name)
      .then((r) => r.filter((x) => x.result === 'succeeded'));
    if (!options.force && current?.commit && manifest.commit && current.commit !== manifest.commit) {
      if (await isAncestor(context.config.root, manifest.commit, current.commit)) {
        await failed(
          new SlipwayError(
            'USAGE',
            `${name} runs ${current.version}, newer than this build (sha-${manifest.commit.slice(0, 12)})`,
            {
              fix: 'deploy a newer build, use `slipway rollback` to go back, or pass --force',
            },
          ),
        );
      }
    }
    if (copies.length === 0) return rollout(context, name, manifest, 'deploy', null);
    const copied = await copyImages(context, name, images, copies, `slipway deploy ${name}`).catch(failed);
    const components = { ...manifest.components };
    for (const { id } of copies)
      components[id] = { ...components[id]!, image: copied[id]!, repository: copied[id]!.split('@')[0]! };
    return rollout(context, name, { ...manifest, components }, 'deploy', null);
  });
}

/** An image pinned by digest (`host/name@sha256:…`), split into its registry, repository and digest. */
function pinned(image: string): { repository: string; host: string; name: string; digest: string } | undefined {
  if (!image.includes('@sha256:')) return undefined;
  const [repository, digest] = image.split('@') as [string, string];
  return { repository, digest, ...splitRepository(repository) };
}

/** A client per registry host: the top-level registry's is the context's, an environment's own gets its own. */
function registryClients(context: ReleaseContext): (host: string) => RegistryClient {
  const clients = new Map([[context.config.registry.host, context.registry]]);
  return (host) => {
    const known = clients.get(host);
    if (known) return known;
    const endpoint = Object.values(context.config.environments).find((e) => e.registry?.host === host)?.registry;
    if (!endpoint) {
      throw new SlipwayError('REGISTRY_ERROR', `the registry ${host} is not in the config`, {
        fix: 'name it again in slipway.config.ts (registry.url or environments.<name>.registry.url), or deploy anew',
      });
    }
    const client = createRegistryClient({ host, insecure: endpoint.insecure });
    clients.set(host, client);
    return client;
  };
}

/** The repository a component's images live in for an environment: in its own registry, or the top-level one. */
function repositoryFor(config: ResolvedConfig, settings: ResolvedReleaseEnvironment, id: string): string | undefined {
  const component = config.components.find((c) => c.id === id);
  if (!component) return undefined;
  return settings.registry
    ? imageRepositoryIn(settings.registry, config.project, component)
    : component.imageRepository;
}

interface ImageCopy {
  id: string;
  image: string;
  from: RepositoryRef;
  to: RepositoryRef;
  manifest: Manifest;
}

/**
 * Reads the manifest of each image (`repository@digest`) an environment is about to run, and where it goes: the same
 * repository, or the environment's own registry. Nothing is written; `fix` says what to do about a missing one.
 */
async function readImages(
  context: ReleaseContext,
  settings: ResolvedReleaseEnvironment,
  images: Record<string, string>,
  fix: string,
): Promise<ImageCopy[]> {
  const clientFor = registryClients(context);
  const copies: ImageCopy[] = [];
  for (const [id, image] of Object.entries(images)) {
    const ref = pinned(image);
    if (!ref) continue;
    const { host, name } = ref;
    const target = splitRepository(repositoryFor(context.config, settings, id) ?? ref.repository);
    const manifest = await clientFor(host).getManifest(name, ref.digest);
    if (!manifest) throw new SlipwayError('REGISTRY_ERROR', `${image} is not in the registry`, { fix });
    copies.push({
      id,
      image,
      from: { client: clientFor(host), host, name },
      to: { client: clientFor(target.host), host: target.host, name: target.name },
      manifest,
    });
  }
  return copies;
}

/**
 * Copies each image to where environment `name` keeps its images (blobs mounted within a registry, transferred
 * across registries, the manifest stored by digest: the digest stays the same). Returns the images the environment
 * will run; its tags move only once the release stands. A failure leaves the environment unchanged; `rerun` is the
 * command that converges.
 */
async function copyImages(
  context: ReleaseContext,
  name: string,
  images: Record<string, string>,
  copies: ImageCopy[],
  rerun: string,
): Promise<Record<string, string>> {
  const result = { ...images };
  const copied = new Map<string, string>();
  for (const copy of copies) {
    if (copy.from.host === copy.to.host && copy.from.name === copy.to.name) continue;
    const destination = `${copy.to.host}/${copy.to.name}`;
    try {
      const counts = await copyManifest(copy.from, copy.to, copy.manifest, copied);
      context.progress(
        `${copy.id}: copied to ${destination} (blobs: ${counts.mounted} mounted, ${counts.uploaded} uploaded, ${counts.present} already there)`,
      );
    } catch (error) {
      if (!isSlipwayError(error)) throw error;
      throw new SlipwayError(error.code, `copying ${copy.image} to ${destination} failed: ${error.message}`, {
        fix: `${error.code === 'REGISTRY_UNREACHABLE' ? 'start that registry' : error.fix}, then rerun \`${rerun}\` (${name} was not changed; what was copied is kept)`,
        cause: error,
      });
    }
    result[copy.id] = `${destination}@${copy.manifest.digest}`;
  }
  return result;
}

/**
 * Promotes exactly the images `from` runs, never rebuilt. Every manifest is read first; when `to` keeps its images in
 * another repository or registry, each one is copied there (blobs mounted within a registry, transferred across
 * registries, the manifest stored by digest, so the digest stays the same), and only then does `to` roll out; its
 * `to` tags move once the release stands. A registry failure before that leaves `to` as it was; a rerun skips what
 * was copied.
 */
export async function promote(
  context: ReleaseContext,
  from: string,
  to: string,
  options: { commit?: string | undefined } = {},
) {
  const settings = releaseEnvironment(context.config, to);
  const [sourceEngine] = await context.engines(from);
  const source = (await sourceEngine!.listEnvironments(context.config.project)).find((e) => e.name === from);
  if (!source || source.components.length === 0) {
    throw new SlipwayError('ENV_NOT_FOUND', `nothing runs in ${from} to promote`, {
      fix: `deploy to ${from} first (slipway deploy ${from})`,
    });
  }
  const images: Record<string, string> = {};
  const inputDigests: Record<string, string> = {};
  for (const c of source.components) {
    images[c.id] = c.image;
    inputDigests[c.id] = c.inputDigest;
  }
  const [sourceRelease] = await sourceEngine!.listReleases(context.config.project, from);
  // a pipeline promotes what it tested: not whatever the source environment runs by the time its job starts
  const attempt = { env: to, kind: 'promote' as const, from, commit: sourceRelease?.commit ?? null, images };
  const failed = (error: unknown) => auditFailure(context, attempt, error);
  const wanted = options.commit?.toLowerCase();
  if (wanted && !sourceRelease?.commit?.startsWith(wanted)) {
    const running = sourceRelease?.commit ? `runs ${sourceRelease.commit.slice(0, 12)}` : 'records no commit';
    await failed(
      new SlipwayError('COMMIT_MISMATCH', `${from} ${running}, not ${wanted.slice(0, 12)}: nothing was promoted`, {
        fix: `deploy ${wanted.slice(0, 12)} to ${from} first (its pipeline), or promote what ${from} runs without --commit`,
      }),
    );
  }
  const copies = await readImages(
    context,
    settings,
    images,
    `push it (slipway build --push) and redeploy ${from}`,
  ).catch(failed);
  return locked(context, to, `promote ${from} ${to}`, async () => {
    const promoted = await copyImages(context, to, images, copies, `slipway promote ${from} ${to}`).catch(failed);
    return rollout(
      context,
      to,
      manifestOf(context.config, promoted, inputDigests, sourceRelease?.commit ?? null),
      'promote',
      from,
    );
  });
}

/** Rolls back to the release before the current one, or to the kept release of `--to <version>`. */
export async function rollback(context: ReleaseContext, name: string, to: string | undefined) {
  releaseEnvironment(context.config, name);
  return locked(context, name, `rollback ${name}`, async () => {
    const [primary] = await context.engines(name);
    const releases = (await primary!.listReleases(context.config.project, name)).filter(
      (r) => r.result === 'succeeded',
    );
    const target = to
      ? releases.find((r) => r.version === to || r.id === to)
      : releases.find((r, i) => i > 0 && r.version !== releases[0]!.version);
    if (!target) {
      const attempt = { env: name, kind: 'rollback' as const, from: to ?? null, commit: null, images: {} };
      return auditFailure(
        context,
        attempt,
        new SlipwayError(
          'ENV_NOT_FOUND',
          to ? `no kept release ${to} of ${name}` : `${name} has no earlier release to go back to`,
          { fix: `see \`slipway history ${name}\` for the releases kept` },
        ),
      );
    }
    return rollout(
      context,
      name,
      manifestOf(context.config, target.images, target.inputDigests, target.commit),
      'rollback',
      target.version,
    );
  });
}

export async function history(
  context: Pick<ReleaseContext, 'config' | 'engines'>,
  name: string,
): Promise<ReleaseRecord[]> {
  const [primary] = await context.engines(name);
  return primary!.listReleases(context.config.project, name);
}

// Applies a build plan: builds (bounded concurrency), tags, pushes, and writes the build manifest, in that order,
// so a failed build leaves no pushed image and no manifest behind.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedComponent, ResolvedConfig } from '../config/resolve.js';
import { closest } from '../core/suggest.js';
import { SlipwayError } from '../core/errors.js';
import type { GitFacts } from '../core/git.js';
import { mapPool, mapPoolAll } from '../core/pool.js';
import type { ImageEngine } from '../engines/types.js';
import { splitRepository, type RegistryClient } from '../registry/client.js';
import { checkSources, collectInputs, relativeToRoot, type ComponentInputs } from './collect.js';
import { packContext } from './context.js';
import { decodeRecord, encodeRecord } from './inputs.js';
import { imageLabels, LABEL } from './labels.js';
import { mergeManifest, readBuildManifest, writeBuildManifest, type BuildManifest } from './manifest.js';
import { planBuild, type BuildPlan, type BuildPlanItem, type PlanFacts } from './plan.js';
import type { BuildProgress } from './progress.js';

export interface BuildOptions {
  config: ResolvedConfig;
  engine: ImageEngine;
  /** Needed with push. */
  registry: RegistryClient | undefined;
  push: boolean;
  only: string[];
  git: GitFacts;
  env: NodeJS.ProcessEnv;
  progress: (ids: string[]) => BuildProgress;
  now?: () => Date;
}

export interface BuiltComponent {
  id: string;
  kind: string;
  image: string;
  inputDigest: string;
  built: boolean;
  reason: string;
  digest: string | null;
  imageId: string;
}

export interface BuildReport {
  plan: BuildPlan;
  components: BuiltComponent[];
  manifestFile: string;
}

/** `--only` takes `<module>/<component>` or a whole `<module>`; anything else is refused with the valid names. */
export function selectComponents(config: ResolvedConfig, only: string[]): ResolvedComponent[] {
  if (only.length === 0) return config.components;
  const modules = new Set(config.components.map((c) => c.module));
  const wanted = new Set<string>();
  for (const name of only.flatMap((o) => o.split(',')).filter(Boolean)) {
    if (modules.has(name)) config.components.filter((c) => c.module === name).forEach((c) => wanted.add(c.id));
    else if (config.components.some((c) => c.id === name)) wanted.add(name);
    else {
      const valid = [...config.components.map((c) => c.id), ...modules];
      const suggestion = closest(name, valid);
      throw new SlipwayError(
        'UNKNOWN_COMPONENT',
        `--only ${name}: no such module or component${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
        {
          fix: `use one of: ${valid.join(', ')}`,
        },
      );
    }
  }
  return config.components.filter((c) => wanted.has(c.id));
}

async function resolveSecrets(
  config: ResolvedConfig,
  names: Set<string>,
  env: NodeJS.ProcessEnv,
): Promise<Map<string, Buffer>> {
  const values = new Map<string, Buffer>();
  for (const name of names) {
    const source = config.build.secrets[name]!;
    if ('env' in source) {
      const value = env[source.env];
      if (value === undefined) {
        throw new SlipwayError(
          'SECRET_MISSING',
          `build secret ${name} needs the environment variable ${source.env}, which is not set`,
          {
            fix: `export ${source.env} before building (its value never enters an image or a log)`,
          },
        );
      }
      values.set(name, Buffer.from(value));
    } else {
      const file = path.resolve(config.root, source.file);
      try {
        values.set(name, await readFile(file));
      } catch {
        throw new SlipwayError('SECRET_MISSING', `build secret ${name} reads ${source.file}, which cannot be read`, {
          fix: `create ${file} or change build.secrets.${name}.file`,
        });
      }
    }
  }
  return values;
}

function mask(text: string, secrets: Map<string, Buffer>): string {
  let masked = text;
  for (const value of secrets.values()) {
    const plain = value.toString('utf8').trim();
    if (plain.length >= 4) masked = masked.split(plain).join('***');
  }
  return masked;
}

async function gatherFacts(
  options: BuildOptions,
  collected: ComponentInputs[],
  localTags: Map<string, string[]>,
  sizes: Map<string, number>,
): Promise<PlanFacts[]> {
  const { engine, registry, push, config } = options;
  return mapPoolAll(collected, 8, async (c): Promise<PlanFacts> => {
    const tag = `in-${c.digest.replace(/^sha256:/, '').slice(0, 12)}`;
    const local = await engine.inspectImage(`${c.component.imageRepository}:${tag}`);
    if (local) localTags.set(c.component.id, local.repoTags);
    if (local) sizes.set(c.component.id, local.size);
    const localImageId = local && local.labels[LABEL.inputDigest] === c.digest ? local.id : undefined;
    const registryDigest =
      push && registry
        ? await registry.manifestDigest(splitRepository(c.component.imageRepository).name, tag)
        : undefined;
    let previousRecord;
    if (!localImageId && !registryDigest) {
      const earlier = await engine.findImages({ [LABEL.component]: c.component.id, [LABEL.project]: config.project });
      earlier.sort((a, b) => (a.created < b.created ? 1 : -1));
      previousRecord = earlier.map((image) => decodeRecord(image.labels[LABEL.inputs])).find(Boolean);
    }
    return {
      id: c.component.id,
      kind: c.component.kind,
      imageRepository: c.component.imageRepository,
      inputDigest: c.digest,
      record: c.record,
      pathPrefix: `${relativeToRoot(config, c.component.contextDir)}/`.replace(/^\.?\//, ''),
      localImageId,
      registryDigest,
      previousRecord,
    };
  });
}

export async function runBuild(options: BuildOptions): Promise<BuildReport> {
  const { config, engine, registry, push, git } = options;
  const now = options.now ?? (() => new Date());
  const selected = selectComponents(config, options.only);
  await checkSources(config, selected);
  await engine.ping();
  if (push) {
    if (!registry)
      throw new SlipwayError('USAGE', '--push needs a registry', { fix: 'set registry.url in slipway.config.ts' });
    await registry.ping();
  }

  const baseIds = new Map<string, Promise<string>>();
  const collected = await mapPoolAll(selected, 4, (component) => collectInputs(component, engine, baseIds));
  const byId = new Map(collected.map((c) => [c.component.id, c]));
  const localTags = new Map<string, string[]>();
  const sizes = new Map<string, number>();
  const plan = planBuild({
    project: config.project,
    commit: git.commit,
    push,
    facts: await gatherFacts(options, collected, localTags, sizes),
  });

  const toBuild = plan.items.filter((i) => i.action === 'build');
  const secretNames = new Set(toBuild.flatMap((i) => byId.get(i.id)!.component.secrets));
  const secrets = await resolveSecrets(config, secretNames, options.env);

  const progress = options.progress(plan.items.map((i) => i.id));
  for (const item of plan.items) progress.start(item.id, item.action, item.reason);
  const imageIds = new Map<string, string>(
    plan.items.filter((i) => i.localImageId).map((i) => [i.id, i.localImageId!]),
  );

  const failures: string[] = [];
  const settled = await mapPool(toBuild, config.build.concurrency, async (item) => {
    const c = byId.get(item.id)!;
    progress.state(item.id, 'building');
    const printed = new Set<string>();
    const componentSecrets = new Map(c.component.secrets.map((name) => [name, secrets.get(name)!]));
    const outcome = await engine.build({
      context: await packContext(
        c.entries,
        c.dockerfileInContext ? undefined : { name: c.dockerfileInTar, content: c.dockerfileContent },
      ),
      dockerfile: c.dockerfileInTar,
      tags: [
        `${item.imageRepository}:${item.inputTag}`,
        ...(item.commitTag ? [`${item.imageRepository}:${item.commitTag}`] : []),
      ],
      buildArgs: c.component.buildArgs,
      labels: imageLabels({
        project: config.project,
        module: c.component.module,
        component: c.component.name,
        kind: c.component.kind,
        inputDigest: c.digest,
        encodedInputs: encodeRecord(c.record),
        inputTag: item.inputTag,
        commit: git.commit,
        ref: git.ref,
        source: git.source,
        version: item.commitTag,
        baseName: c.bases[0],
        created: now(),
      }),
      target: c.component.target,
      secrets: componentSecrets,
      onStep: (step) => {
        // BuildKit repeats a step in several status messages: show each once, when it ends
        if ((step.completed || step.cached) && !printed.has(step.digest)) {
          printed.add(step.digest);
          progress.step(item.id, mask(step.name, secrets), step.cached);
        }
      },
    });
    if (!outcome.ok) {
      const { failure } = outcome;
      progress.state(item.id, 'failed', mask(`${failure.step}: ${failure.message}`, secrets));
      failures.push(
        `${item.id}: ${mask(failure.step, secrets)}: ${mask(failure.message, secrets)}`,
        ...failure.logTail.map((l) => `  | ${mask(l, secrets)}`),
      );
      return;
    }
    imageIds.set(item.id, outcome.imageId);
    const built = await engine.inspectImage(outcome.imageId);
    if (built) sizes.set(item.id, built.size);
    progress.state(item.id, 'done', `built ${outcome.imageId.slice(7, 19)}`);
  });
  for (const s of settled) if (s.status === 'rejected') failures.push(String((s.reason as Error).message ?? s.reason));
  if (failures.length > 0) {
    progress.close();
    const failed = failures.filter((f) => !f.startsWith('  ')).length;
    throw new SlipwayError('BUILD_FAILED', `${failed} of ${toBuild.length} image builds failed: ${failures[0]}`, {
      fix: 'fix the failing step shown below and rerun; nothing was pushed and .slipway/build.json was left as it was',
      details: failures,
    });
  }

  // reused local images still get this commit's tag, so `sha-<commit>` always names what this commit runs
  const untagged = plan.items.filter(
    (i) =>
      i.action !== 'build' &&
      i.localImageId &&
      i.commitTag &&
      !(localTags.get(i.id) ?? []).includes(`${i.imageRepository}:${i.commitTag}`),
  );
  await mapPoolAll(untagged, 8, (item) => engine.tag(item.localImageId!, item.imageRepository, item.commitTag!));

  const digests = new Map<string, string>();
  if (push && registry) {
    // images already in the registry only get the commit tag: a manifest copy, cheap enough to run 8 at a time
    const inRegistry = plan.items.filter((i) => i.action === 'reuse');
    await mapPoolAll(inRegistry, 8, async (item) => {
      digests.set(item.id, item.registryDigest!);
      if (!item.commitTag) return;
      const name = splitRepository(item.imageRepository).name;
      if ((await registry.manifestDigest(name, item.commitTag)) === item.registryDigest) return;
      const manifest = await registry.getManifest(name, item.inputTag);
      if (manifest) await registry.putManifest(name, item.commitTag, manifest);
    });
    await mapPoolAll(
      plan.items.filter((i) => i.action !== 'reuse'),
      2,
      async (item) => {
        progress.state(item.id, 'pushing');
        const digest = await engine.push(item.imageRepository, item.inputTag);
        if (item.commitTag) await engine.push(item.imageRepository, item.commitTag);
        digests.set(item.id, digest);
        progress.state(item.id, 'done', `pushed ${digest.slice(0, 19)}`);
      },
    );
  }
  progress.close();

  const components = plan.items.map((item): BuiltComponent => {
    const digest = digests.get(item.id) ?? null;
    return {
      id: item.id,
      kind: item.kind,
      image: digest ? `${item.imageRepository}@${digest}` : `${item.imageRepository}:${item.inputTag}`,
      inputDigest: item.inputDigest,
      built: item.action === 'build',
      reason: item.reason,
      digest,
      imageId: imageIds.get(item.id) ?? '',
    };
  });
  const manifest: BuildManifest = {
    version: 1,
    project: config.project,
    commit: git.commit ?? null,
    ref: git.ref ?? null,
    createdAt: now().toISOString(),
    pushed: push,
    components: Object.fromEntries(
      components.map((c, index) => {
        const item = plan.items[index]!;
        return [
          c.id,
          {
            kind: item.kind,
            image: c.image,
            repository: item.imageRepository,
            tag: item.inputTag,
            inputDigest: c.inputDigest,
            digest: c.digest,
            imageId: c.imageId,
            size: sizes.get(c.id) ?? null,
            built: c.built,
            reason: c.reason,
          },
        ];
      }),
    ),
  };
  const manifestFile = await writeBuildManifest(
    config.root,
    mergeManifest(await readBuildManifest(config.root), manifest),
  );
  return { plan, components, manifestFile };
}

export type { BuildPlanItem };

// Gathers each component's build inputs from disk and the engine: the I/O half of planning a build.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedComponent, ResolvedConfig } from '../config/resolve.js';
import { SlipwayError } from '../core/errors.js';
import type { ImageEngine } from '../engines/types.js';
import { listContext, type ContextEntry } from './context.js';
import { parseDockerfile } from './dockerfile.js';
import { inputDigest, inputRecord, type BuildInputs, type InputRecord } from './inputs.js';

export interface ComponentInputs {
  component: ResolvedComponent;
  entries: ContextEntry[];
  inputs: BuildInputs;
  digest: string;
  record: InputRecord;
  bases: string[];
  /** The Dockerfile's path inside the tar; an outside Dockerfile travels under a reserved name. */
  dockerfileInTar: string;
  dockerfileContent: Buffer;
  dockerfileInContext: boolean;
}

export const OUTSIDE_DOCKERFILE = '.slipway.Dockerfile';

async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export function relativeToRoot(config: ResolvedConfig, target: string): string {
  return path.relative(config.root, target).split(path.sep).join('/');
}

/** Checks what must exist before any build starts, so a bad path fails fast and nothing is half-built. */
export async function checkSources(config: ResolvedConfig, components: ResolvedComponent[]): Promise<void> {
  for (const c of components) {
    const at = `modules.${c.module}.components.${c.name}`;
    if (!(await isDirectory(c.contextDir))) {
      throw new SlipwayError(
        'CONTEXT_MISSING',
        `${c.id}: build context ${relativeToRoot(config, c.contextDir)} does not exist`,
        {
          fix: `create it or correct ${at}.context`,
        },
      );
    }
    const dockerfile = await stat(c.dockerfile).catch(() => undefined);
    if (!dockerfile?.isFile()) {
      throw new SlipwayError(
        'DOCKERFILE_MISSING',
        `${c.id}: Dockerfile ${relativeToRoot(config, c.dockerfile)} does not exist`,
        {
          fix: `create it or correct ${at}.dockerfile (relative to the context)`,
        },
      );
    }
  }
}

export async function collectInputs(
  component: ResolvedComponent,
  engine: ImageEngine,
  baseIds: Map<string, Promise<string>>,
): Promise<ComponentInputs> {
  const dockerfileContent = await readFile(component.dockerfile);
  const { bases } = parseDockerfile(dockerfileContent.toString('utf8'), component.buildArgs);
  if (bases.length === 0 && !/^\s*FROM\s+scratch/im.test(dockerfileContent.toString('utf8'))) {
    throw new SlipwayError('DOCKERFILE_INVALID', `${component.id}: ${component.dockerfile} has no FROM instruction`, {
      fix: 'start the Dockerfile with FROM <image>',
    });
  }
  const resolved: Record<string, string> = {};
  for (const base of bases) {
    // several components share a base image: ask the engine once
    let id = baseIds.get(base);
    if (!id) {
      id = engine.ensureImage(base);
      baseIds.set(base, id);
    }
    resolved[base] = await id;
  }
  const entries = await listContext(component.contextDir);
  const relativeDockerfile = path.relative(component.contextDir, component.dockerfile).split(path.sep).join('/');
  const dockerfileInContext =
    !relativeDockerfile.startsWith('..') && entries.some((e) => e.path === relativeDockerfile);
  const dockerfileInTar = dockerfileInContext ? relativeDockerfile : OUTSIDE_DOCKERFILE;
  const settings: Record<string, string> = {};
  if (component.target) settings.target = component.target;
  if (component.secrets.length > 0) settings.secrets = [...component.secrets].sort().join(',');
  const inputs: BuildInputs = {
    dockerfileSha256: (await import('node:crypto')).createHash('sha256').update(dockerfileContent).digest('hex'),
    dockerfilePath: relativeDockerfile.startsWith('..')
      ? `<outside>/${path.basename(component.dockerfile)}`
      : relativeDockerfile,
    entries: entries.map(({ path: p, type, executable, sha256 }) => ({ path: p, type, executable, sha256 })),
    buildArgs: component.buildArgs,
    bases: resolved,
    settings,
  };
  return {
    component,
    entries,
    inputs,
    digest: inputDigest(inputs),
    record: inputRecord(inputs),
    bases,
    dockerfileInTar,
    dockerfileContent,
    dockerfileInContext,
  };
}

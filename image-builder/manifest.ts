// The build manifest (.slipway/build.json): component -> image, the unit later steps deploy and promote.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ComponentKind } from '../config/schema.js';

export interface BuildManifestEntry {
  kind: ComponentKind;
  /** `repo@sha256:…` once pushed, else `repo:in-…` (an image on the local engine). */
  image: string;
  repository: string;
  tag: string;
  inputDigest: string;
  /** Registry manifest digest, once pushed. */
  digest: string | null;
  imageId: string;
  /** Image size in bytes as the engine reports it (null when the image is only in the registry). */
  size: number | null;
  built: boolean;
  reason: string;
}

export interface BuildManifest {
  version: 1;
  project: string;
  commit: string | null;
  ref: string | null;
  createdAt: string;
  pushed: boolean;
  components: Record<string, BuildManifestEntry>;
}

export function manifestPath(root: string): string {
  return path.join(root, '.slipway', 'build.json');
}

export async function readBuildManifest(root: string): Promise<BuildManifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(manifestPath(root), 'utf8')) as BuildManifest;
    return manifest.version === 1 ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file then rename), so a crash never leaves half a manifest. */
export async function writeBuildManifest(root: string, manifest: BuildManifest): Promise<string> {
  const file = manifestPath(root);
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temp, file);
  return file;
}

/** Entries of components not built this time (`--only`) are carried over from the previous manifest. */
export function mergeManifest(previous: BuildManifest | undefined, next: BuildManifest): BuildManifest {
  if (!previous || previous.project !== next.project) return next;
  return { ...next, components: { ...previous.components, ...next.components } };
}

// slipway's own package.json, found from the running module: cli/ in the sources, dist/cli/ once built, or
// node_modules/slipway/dist/cli/ when installed, so no fixed number of `..` fits every layout.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
  /** The package.json's path. */
  file: string;
}

/**
 * Walks up from `start` to the first package.json named `name`, skipping others on the way (a project's own
 * package.json above an installed slipway, or a nested one); undefined when the file system root is reached.
 */
export async function findPackage(start: string, name: string): Promise<PackageInfo | undefined> {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      let parsed: { name?: unknown; version?: unknown } | undefined;
      try {
        parsed = JSON.parse(text) as { name?: unknown; version?: unknown };
      } catch {
        parsed = undefined;
      }
      if (parsed?.name === name && typeof parsed.version === 'string') {
        return { name, version: parsed.version, file };
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** This slipway's package.json, from this module's folder. */
export function slipwayPackage(): Promise<PackageInfo | undefined> {
  return findPackage(path.dirname(fileURLToPath(import.meta.url)), 'slipway');
}

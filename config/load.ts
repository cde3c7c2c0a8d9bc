// Finds and imports the user's slipway.config.ts (TypeScript, through jiti), then resolves it.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { createJiti as CreateJiti } from 'jiti';
import { SlipwayError } from '../core/errors.js';
import type { ResolvedConfig } from './resolve.js';

export const CONFIG_FILE_NAMES = ['slipway.config.ts', 'slipway.config.mts', 'slipway.config.js', 'slipway.config.mjs'];

/** Looks for a config file in `start` and its parents. */
export function findConfigFile(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

// jiti keeps the transpiled config in its file cache (keyed by content), so loading costs milliseconds after the first time.
// The user's config imports `slipway`; point that at this very copy, whether or not the project installed it.
function selfEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return path.join(path.dirname(here), `index${path.extname(here)}`);
}

export async function loadRawConfig(file: string): Promise<unknown> {
  // required, not imported: importing CommonJS from ESM makes Node scan jiti's 190 kB bundle for exports
  const { createJiti } = createRequire(import.meta.url)('jiti') as { createJiti: typeof CreateJiti };
  const jiti = createJiti(import.meta.url, { alias: { slipway: selfEntry() }, moduleCache: false });
  try {
    const loaded = await jiti.import<unknown>(file, { default: true });
    return loaded;
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    throw new SlipwayError('CONFIG_LOAD', `${path.basename(file)} could not be loaded: ${message}`, {
      fix: `fix the syntax or import error in ${file}`,
      cause: error,
    });
  }
}

/** What a resolved config depends on besides the raw value: the location and slipway's own schema code. */
function cacheKey(raw: unknown, file: string): string | undefined {
  let serialised: string;
  try {
    serialised = JSON.stringify(raw, (_key, value: unknown) => {
      if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint')
        throw new Error('not plain data');
      return value;
    });
  } catch {
    return undefined;
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const ext = path.extname(fileURLToPath(import.meta.url));
  // the kubernetes section's schema lives with its engine
  const code = ['schema', 'resolve', '../engines/kubernetes/config'].map((name) => {
    const stat = statSync(path.join(here, `${name}${ext}`));
    return `${stat.size}:${stat.mtimeMs}`;
  });
  return createHash('sha256')
    .update(JSON.stringify([file, code, serialised]))
    .digest('hex');
}

/**
 * Validation (zod) costs about 100 ms of module loading, a third of a no-change `slipway build`, so a config whose
 * raw value, path and schema code are unchanged since its last successful validation is taken from the cache.
 */
async function resolveCached(raw: unknown, file: string): Promise<ResolvedConfig> {
  const key = cacheKey(raw, file);
  const cacheFile = path.join(path.dirname(file), '.slipway', 'cache', 'config.json');
  if (key) {
    try {
      const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as { key: string; config: ResolvedConfig };
      if (cached.key === key) return cached.config;
    } catch {
      // no cache yet, or unreadable: validate
    }
  }
  const { resolveConfig } = await import('./resolve.js');
  const config = resolveConfig(raw, file);
  if (key) {
    try {
      await mkdir(path.dirname(cacheFile), { recursive: true });
      const temp = `${cacheFile}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify({ key, config }));
      await rename(temp, cacheFile);
    } catch {
      // a read-only checkout still works, only slower
    }
  }
  return config;
}

export async function loadConfig(options: { cwd: string; configFile?: string }): Promise<ResolvedConfig> {
  const file = options.configFile ? path.resolve(options.cwd, options.configFile) : findConfigFile(options.cwd);
  if (!file || !existsSync(file)) {
    throw new SlipwayError(
      'CONFIG_NOT_FOUND',
      options.configFile
        ? `config file ${options.configFile} does not exist`
        : `no slipway.config.ts in ${options.cwd} or its parents`,
      { fix: 'create slipway.config.ts (see the README) or pass --config <file>' },
    );
  }
  return resolveCached(await loadRawConfig(file), file);
}

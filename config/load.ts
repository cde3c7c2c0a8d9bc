// Finds and imports the user's slipway.config.ts (TypeScript, through jiti), then resolves it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';
import { SlipwayError } from '../core/errors.js';
import { resolveConfig, type ResolvedConfig } from './resolve.js';

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
  return resolveConfig(await loadRawConfig(file), file);
}

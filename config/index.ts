// The public entry of the `slipway` package: what a user's slipway.config.ts imports.
import type { SlipwayConfigInput } from './schema.js';

export type { SlipwayConfigInput as SlipwayConfig, ComponentKind } from './schema.js';

/** Gives editor types to slipway.config.ts; returns the config unchanged. */
export function defineConfig(config: SlipwayConfigInput): SlipwayConfigInput {
  return config;
}

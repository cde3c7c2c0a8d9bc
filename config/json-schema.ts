// The JSON Schema of slipway.config.ts, generated from the zod schema (for editors and other tools).
import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://slipway.dev/schemas/slipway.config.schema.json', title: 'slipway.config.ts' };
}

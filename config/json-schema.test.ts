import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from './json-schema.js';
import { loadRawConfig } from './load.js';

const committed = path.resolve(import.meta.dirname, '../schemas/slipway.config.schema.json');
const example = path.resolve(import.meta.dirname, '../examples/scolarite/slipway.config.ts');

describe('the JSON Schema of slipway.config.ts', () => {
  it('is the committed file (regenerate with `slipway config schema > schemas/slipway.config.schema.json`)', () => {
    expect(JSON.parse(readFileSync(committed, 'utf8'))).toEqual(configJsonSchema());
  });

  it('accepts the example config and refuses a misspelled field', async () => {
    const validate = new Ajv2020({ strict: false }).compile(configJsonSchema());
    const raw = (await loadRawConfig(example)) as Record<string, unknown>;
    expect(validate(raw), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...raw, registy: {} })).toBe(false);
  });
});

// slipway's own .gitlab-ci.yml must be a pipeline GitLab accepts: validated against GitLab's published CI schema.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '..');

describe("slipway's own .gitlab-ci.yml", () => {
  it('validates against the GitLab CI schema and runs .ci/run', () => {
    const schema = JSON.parse(readFileSync(path.join(root, '../shared/schemas/gitlab-ci.schema.json'), 'utf8'));
    const ajv = new Ajv({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    const validate = ajv.compile(schema);
    const pipeline = parse(readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8')) as { test: { script: string[] } };
    expect(validate(pipeline), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(pipeline.test.script).toEqual(['bash .ci/run']);
    // a schema that accepted anything would prove nothing
    expect(validate({ test: { script: 42 } })).toBe(false);
  });
});

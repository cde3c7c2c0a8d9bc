// slipway's own .gitlab-ci.yml must be a pipeline GitLab accepts, and exactly what `slipway pipeline generate --self`
// writes: validated against GitLab's published CI schema, and regenerated here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../cli/main.js';
import { renderGithub } from './github.js';
import { renderGitlab } from './gitlab.js';
import { planSelfPipeline } from './self.js';

const root = path.resolve(import.meta.dirname, '..');

function validator(schemaFile: string) {
  const schema = JSON.parse(readFileSync(path.join(root, '../shared/schemas', schemaFile), 'utf8')) as object;
  const ajv = new Ajv({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv.compile(schema);
}

describe("slipway's own .gitlab-ci.yml", () => {
  const committed = readFileSync(path.join(root, '.gitlab-ci.yml'), 'utf8');

  it('validates against the GitLab CI schema and runs .ci/run', () => {
    const validate = validator('gitlab-ci.schema.json');
    const pipeline = parse(committed) as { test: { script: string[]; rules?: unknown; tags: string[] } };
    expect(validate(pipeline), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(pipeline.test.script).toEqual(['bash .ci/run']);
    // every pipeline, on a runner that allows the privileged containers the real engine needs
    expect(pipeline.test.rules).toBeUndefined();
    expect(pipeline.test.tags).toEqual(['privileged']);
    expect(Object.keys(pipeline)).not.toContain('workflow');
    // a schema that accepted anything would prove nothing
    expect(validate({ test: { script: 42 } })).toBe(false);
  });

  it('is exactly what the generator writes', () => {
    expect(renderGitlab(planSelfPipeline())).toBe(committed);
  });

  it('is what `slipway pipeline generate --target gitlab --self --check` finds up to date', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await main(['pipeline', 'generate', '--target', 'gitlab', '--self', '--check', '--json'], {
      stdout,
      stderr: new PassThrough(),
      cwd: root,
      env: {},
    });
    expect(JSON.parse(out)).toMatchObject({ target: 'gitlab', file: '.gitlab-ci.yml', jobs: ['test'], upToDate: true });
    expect(code).toBe(0);
  });

  it('renders for GitHub too: the job runs on every event, on a self-hosted runner with the same labels', () => {
    const validate = validator('github-workflow.schema.json');
    const workflow = parse(renderGithub(planSelfPipeline())) as {
      env: Record<string, string>;
      jobs: { test: Record<string, unknown> & { steps: Record<string, unknown>[] } };
    };
    expect(validate(workflow), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const job = workflow.jobs.test;
    expect(job.if).toBeUndefined();
    expect(job['runs-on']).toEqual(['self-hosted', 'privileged']);
    expect(job.env).toEqual({ SLIPWAY_MACHINE_STATE: '${{ github.workspace }}/.machine' });
    expect(job.steps.map((s) => s.run ?? s.uses)).toEqual([
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'actions/cache@v4',
      'bash .ci/run',
      'actions/upload-artifact@v4',
      'actions/upload-artifact@v4',
    ]);
    expect(workflow.env.SLIPWAY_BIN).toBeUndefined();
  });
});

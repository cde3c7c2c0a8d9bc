// Reading step outputs for the report: each command's --json shape is recognised, a step's own error is kept as
// such, and anything else is REPORT_INVALID naming the flag to fix.
import { describe, expect, it } from 'vitest';
import { gateSample, loadtestSample, manifestSample, previewSample } from '../test/fakes/reports.js';
import { parseBuild, parseEnvironments, parseGate, parseLoadtest } from './mr-inputs.js';

const stepError = {
  error: { code: 'ENV_FAILED', message: 'students/api never got ready', fix: 'see its logs', details: [] },
};

describe('step outputs', () => {
  it('reads `slipway gate --json`, dropping an issue list when there is one', () => {
    const gate = parseGate({ ...gateSample(), issues: [{}], reports: {} }, 'gate.json');
    expect(gate.kind).toBe('ok');
    expect(gate.kind === 'ok' && 'issues' in gate.value).toBe(false);
    expect(parseGate(stepError, 'gate.json')).toEqual({
      kind: 'error',
      error: { code: 'ENV_FAILED', message: 'students/api never got ready', fix: 'see its logs' },
      source: 'gate.json',
    });
  });

  it('refuses a file that is not the gate output, naming the flag', () => {
    expect(() => parseGate({ verdict: 'great' }, 'x.json')).toThrow(
      expect.objectContaining({
        code: 'REPORT_INVALID',
        message: 'x.json is not the output of slipway gate --json',
        fix: 'pass --gate the file slipway gate --json wrote, or remove x.json',
      }),
    );
  });

  it("reads the load test's report.json and refuses a raw k6 summary", () => {
    expect(parseLoadtest(loadtestSample(), 'r.json').kind).toBe('ok');
    expect(() => parseLoadtest({ metrics: { http_reqs: {} }, root_group: {} }, 'summary.json')).toThrow(
      expect.objectContaining({ code: 'REPORT_INVALID' }),
    );
  });

  it('reads the build manifest and `slipway build --json` alike', () => {
    const fromManifest = parseBuild(manifestSample(), 'build.json');
    const fromOutput = parseBuild(
      {
        components: [
          {
            id: 'students/api',
            kind: 'back',
            image: 'r/a@sha256:1',
            inputDigest: 'x',
            built: true,
            reason: 'changed',
            digest: null,
          },
        ],
        manifest: '.slipway/build.json',
      },
      'out.json',
    );
    expect(fromManifest).toMatchObject({
      kind: 'ok',
      value: [
        { id: 'students/api', built: true },
        { id: 'students/web', built: false },
      ],
    });
    expect(fromOutput).toMatchObject({
      kind: 'ok',
      value: [{ id: 'students/api', image: 'r/a@sha256:1', reason: 'changed' }],
    });
  });

  it('reads `env up --json` (entry URL: the first front) and `env ls --json` (entry URL: the first)', () => {
    expect(parseEnvironments(previewSample(), 'p.json')).toMatchObject({
      kind: 'ok',
      value: [
        { name: 'feature-login', slug: 'feature-login', entryUrl: 'http://web-students--feature-login.localhost:8080' },
      ],
    });
    const listed = parseEnvironments(
      {
        environments: [
          {
            name: 'a',
            branch: 'a',
            urls: { 'x/api': 'http://api' },
            components: [{ id: 'x/api', version: '1', running: true }],
          },
        ],
      },
      'ls.json',
    );
    expect(listed).toMatchObject({ kind: 'ok', value: [{ name: 'a', slug: 'a', entryUrl: 'http://api' }] });
    expect(parseEnvironments(stepError, 'p.json').kind).toBe('error');
  });
});

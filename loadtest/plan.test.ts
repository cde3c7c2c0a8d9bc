// Given an environment and the config, when a load test is planned, then the targets, the variables the script
// gets, the host mapping and the k6 argv are what the executor will run, with no I/O.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import type { EnvironmentState } from '../engines/docker/environments.js';
import { parseLoadtestConfig } from './config.js';
import { checkEnvironment, planLoadtest, routerAddress, type PlanInput } from './plan.js';

const config = resolveConfig(
  {
    project: 'shop',
    registry: { url: '127.0.0.1:5000' },
    router: { port: 18780, adminPort: 12780 },
    modules: {
      students: {
        components: {
          web: { kind: 'front', context: 'students/web', port: 8080, dependsOn: ['api'] },
          api: { kind: 'back', context: 'students/api', port: 8080, health: '/ready' },
          db: { kind: 'storage', context: 'students/db', port: 5432 },
        },
      },
    },
  },
  '/repo/slipway.config.ts',
);

function environment(overrides: Partial<EnvironmentState> = {}): EnvironmentState {
  return {
    project: 'shop',
    name: 'feat-x',
    branch: 'feat/x',
    slug: 'feat-x',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    expiresAt: '2026-01-04T00:00:00Z',
    maxExpiresAt: '2026-01-15T00:00:00Z',
    status: 'ready',
    lifetime: 'preview',
    modules: ['students'],
    urls: {
      'students/web': 'http://web-students--feat-x.localhost:18780',
      'students/api': 'http://api-students--feat-x.localhost:18780',
    },
    components: [],
    ...overrides,
  };
}

function input(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    config,
    loadtest: parseLoadtestConfig({ thresholds: { http_req_duration: ['p(95)<300'] } }, '/repo'),
    environment: environment(),
    role: 'target',
    script: undefined,
    load: {},
    k6: '/opt/k6',
    ...overrides,
  };
}

const TARGETS =
  '[{"id":"students/api","kind":"back","url":"http://api-students--feat-x.localhost:18780","health":"/ready"},' +
  '{"id":"students/web","kind":"front","url":"http://web-students--feat-x.localhost:18780","health":"/healthz"}]';

describe('planning a load test', () => {
  it('runs the smoke test with every preview URL as a variable and the preview hosts mapped to the router', () => {
    const plan = planLoadtest(input());
    expect(plan.script).toEqual({ kind: 'smoke', key: 'smoke', file: null });
    expect(plan.load).toEqual({ vus: 2, duration: '10s', rate: null });
    expect(plan.hosts).toEqual({
      'api-students--feat-x.localhost': '127.0.0.1',
      'web-students--feat-x.localhost': '127.0.0.1',
    });
    expect(plan.addresses).toEqual(['127.0.0.1:18780']);
    expect(plan.components).toEqual({
      'api-students--feat-x.localhost:18780': 'students/api',
      'web-students--feat-x.localhost:18780': 'students/web',
    });
    expect(plan.command).toEqual({
      file: '/opt/k6',
      cwd: '/repo',
      args: [
        'run',
        '--quiet',
        '--no-color',
        '--no-usage-report',
        '--summary-export',
        '/repo/.slipway/loadtest/work/summary-export.json',
        '--summary-trend-stats',
        'avg,min,med,max,p(90),p(95),p(99)',
        '--out',
        'json=/repo/.slipway/loadtest/work/samples.json',
        '-e',
        'SLIPWAY_ENVIRONMENT=feat-x',
        '-e',
        'SLIPWAY_BRANCH=feat/x',
        '-e',
        `SLIPWAY_TARGETS=${TARGETS}`,
        '-e',
        'SLIPWAY_URL_STUDENTS_API=http://api-students--feat-x.localhost:18780',
        '-e',
        'SLIPWAY_URL_STUDENTS_WEB=http://web-students--feat-x.localhost:18780',
        '/repo/.slipway/loadtest/work/entry.js',
      ],
    });
    expect(plan.files.log).toBe('/repo/.slipway/loadtest/k6.log');
    expect(plan.wrapper).toContain('import * as script from "file:///repo/.slipway/loadtest/work/smoke.js"');
    expect(plan.wrapper).toContain('"http_req_duration": [\n      "p(95)<300"');
    expect(plan.smoke).toContain('export default function');
  });

  it("passes --vus and --duration to k6, which overrides the script's own load", () => {
    const plan = planLoadtest(input({ script: '/repo/load/api.js', load: { vus: 5, duration: '1m' } }));
    expect(plan.script).toEqual({ kind: 'file', key: 'api', file: '/repo/load/api.js' });
    expect(plan.command.args.join(' ')).toContain('--vus 5 --duration 1m -e');
    expect(plan.wrapper).toContain('"file:///repo/load/api.js"');
    expect(plan.smoke).toBeNull();
  });

  it('leaves the load to the script when nothing asks otherwise', () => {
    expect(planLoadtest(input({ script: '/repo/load/api.js' })).load).toEqual({
      vus: null,
      duration: null,
      rate: null,
    });
  });

  it('turns --rate into an arrival-rate scenario instead of k6 flags', () => {
    const plan = planLoadtest(input({ load: { rate: 40, vus: 5, duration: '6s' } }));
    expect(plan.command.args).not.toContain('--vus');
    expect(plan.command.args).not.toContain('--duration');
    expect(plan.load).toEqual({ vus: 5, duration: '6s', rate: 40 });
    expect(plan.wrapper).toContain('"rate": {\n    "rate": 40,\n    "vus": 5,\n    "duration": "6s"\n  }');
  });

  it('keeps the baseline run apart: its own work folder and log', () => {
    const plan = planLoadtest(input({ role: 'baseline' }));
    expect(plan.files.workDir).toBe('/repo/.slipway/loadtest/work-baseline');
    expect(plan.files.log).toBe('/repo/.slipway/loadtest/k6-baseline.log');
  });

  it('dials loopback when the router listens on every address, and IP URLs directly', () => {
    expect(routerAddress('0.0.0.0')).toBe('127.0.0.1');
    expect(routerAddress('10.0.0.5')).toBe('10.0.0.5');
    const plan = planLoadtest(input({ environment: environment({ urls: { 'students/api': 'http://127.0.0.1:1' } }) }));
    expect(plan.hosts).toEqual({});
    expect(plan.addresses).toEqual(['127.0.0.1:1']);
    expect(plan.command.args).toContain('json=/repo/.slipway/loadtest/work/samples.json');
    const noBreakdown = planLoadtest(input({ loadtest: parseLoadtestConfig({ breakdown: false }, '/repo') }));
    expect(noBreakdown.command.args).not.toContain('--out');
  });

  it('refuses an environment that is not ready, or has no URL', () => {
    expect(() => checkEnvironment(environment({ status: 'failed' }))).toThrow(
      'environment feat-x is not ready (status failed)',
    );
    expect(() => planLoadtest(input({ environment: environment({ status: 'unknown' }) }))).toThrow(/not ready/);
    expect(() => checkEnvironment(environment({ urls: {} }))).toThrow('environment feat-x has no preview URL');
  });
});

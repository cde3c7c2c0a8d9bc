// SonarQube through its documented Web API, on a fake server that refuses any request it does not expect.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { GateResult } from '../../quality/types.js';
import { cleanEnv, createGitRepo, runSlipway, type GitRepo } from '../helpers/git-repo.js';

type GateJson = Omit<GateResult, 'issues'>;

interface Route {
  path: string;
  query: Record<string, string>;
  /** Response bodies, one per call; the last repeats. */
  bodies: unknown[];
}

/** Responses shaped like the examples of api/qualitygates/project_status, api/measures/component and api/ce/task. */
const STATUS = {
  projectStatus: {
    status: 'ERROR',
    conditions: [
      {
        status: 'ERROR',
        metricKey: 'new_coverage',
        comparator: 'LT',
        periodIndex: 1,
        errorThreshold: '80',
        actualValue: '57.1',
      },
      {
        status: 'OK',
        metricKey: 'new_duplicated_lines_density',
        comparator: 'GT',
        periodIndex: 1,
        errorThreshold: '3',
        actualValue: '0.0',
      },
    ],
    periods: [{ index: 1, mode: 'previous_version', date: '2026-01-01T00:00:00+0000' }],
    ignoredConditions: false,
  },
};
const MEASURES = {
  component: {
    key: 'fixture',
    name: 'Fixture',
    qualifier: 'TRK',
    measures: [
      { metric: 'coverage', value: '81.2', bestValue: false },
      { metric: 'new_coverage', period: { index: 1, value: '57.1', bestValue: false } },
      { metric: 'violations', value: '4', bestValue: false },
    ],
  },
};

const servers: Server[] = [];
const repos: GitRepo[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
  for (const r of repos.splice(0)) r.cleanup();
});

async function fakeSonar(
  token: string,
  routes: Route[],
): Promise<{ url: string; unexpected: string[]; seen: string[] }> {
  const unexpected: string[] = [];
  const seen: string[] = [];
  const calls = new Map<Route, number>();
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    seen.push(`${url.pathname}?${url.searchParams.toString()}`);
    const route = routes.find(
      (r) =>
        r.path === url.pathname &&
        JSON.stringify(Object.entries(r.query).sort()) === JSON.stringify(Object.entries(query).sort()),
    );
    const auth = req.headers.authorization === `Basic ${Buffer.from(`${token}:`).toString('base64')}`;
    if (!route || req.method !== 'GET' || !auth) {
      unexpected.push(`${req.method} ${req.url} auth=${auth}`);
      res.writeHead(auth ? 404 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ msg: 'unexpected request' }] }));
      return;
    }
    const n = calls.get(route) ?? 0;
    calls.set(route, n + 1);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(route.bodies[Math.min(n, route.bodies.length - 1)]));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, unexpected, seen };
}

async function repoWithSonar(url: string, scan: string | false): Promise<GitRepo> {
  const repo = await createGitRepo({ prefix: 'slipway-sonar-' });
  repos.push(repo);
  const scanArgv = scan === false ? 'false' : JSON.stringify([process.execPath, 'fake-scanner.mjs']);
  repo.write(
    'slipway.config.ts',
    `export default { gate: { sonar: { hostUrl: '${url}', projectKey: 'fixture', scan: ${scanArgv} } } };\n`,
  );
  // stands in for sonar-scanner: records its arguments and writes the task file the real scanner writes
  repo.write(
    'fake-scanner.mjs',
    [
      "import { mkdirSync, writeFileSync } from 'node:fs';",
      "mkdirSync('.scannerwork', { recursive: true });",
      "writeFileSync('.scannerwork/args.json', JSON.stringify(process.argv.slice(2)));",
      "writeFileSync('.scannerwork/report-task.txt', 'projectKey=fixture\\nceTaskId=AXtask1\\n');",
      '',
    ].join('\n'),
  );
  repo.write('.gitignore', '.scannerwork\n');
  await repo.commit('base');
  await repo.git('checkout', '--quiet', '-b', 'feature');
  repo.write('src/a.ts', 'export const a = 1;\n');
  await repo.commit('feature');
  return repo;
}

describe('SonarQube collector', () => {
  it('given a merge request in GitLab CI, when judged, then every query is scoped to it and the failed condition fails the gate', async () => {
    const sonar = await fakeSonar('squ_token', [
      {
        path: '/api/ce/task',
        query: { id: 'AXtask1' },
        bodies: [{ task: { id: 'AXtask1', status: 'IN_PROGRESS' } }, { task: { id: 'AXtask1', status: 'SUCCESS' } }],
      },
      {
        path: '/api/qualitygates/project_status',
        query: { projectKey: 'fixture', pullRequest: '7' },
        bodies: [STATUS],
      },
      {
        path: '/api/measures/component',
        query: {
          component: 'fixture',
          pullRequest: '7',
          metricKeys:
            'coverage,new_coverage,duplicated_lines_density,new_duplicated_lines_density,violations,new_violations,bugs,vulnerabilities,code_smells,security_hotspots',
        },
        bodies: [MEASURES],
      },
    ]);
    const repo = await repoWithSonar(sonar.url, 'scan');
    const env = cleanEnv({
      SONAR_TOKEN: 'squ_token',
      CI_MERGE_REQUEST_IID: '7',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature',
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
    });
    const run = await runSlipway(['gate', '--base', 'main', '--json'], repo.dir, env);
    expect(sonar.unexpected).toEqual([]);
    expect(run.code, run.stderr).toBe(1);
    const result = run.json<GateJson>();
    expect(result.conditions.find((c) => c.id === 'sonar:new_coverage')).toMatchObject({
      scope: 'new',
      value: 57.1,
      threshold: '>= 80',
      passed: false,
    });
    expect(result.conditions.find((c) => c.id === 'sonar:new_duplicated_lines_density')).toMatchObject({
      passed: true,
      threshold: '<= 3',
    });
    expect(result.metrics['sonar.new_coverage']).toEqual({ value: 57.1, better: 'higher' });
    const { readFileSync } = await import('node:fs');
    const args = JSON.parse(readFileSync(`${repo.dir}/.scannerwork/args.json`, 'utf8')) as string[];
    expect(args).toEqual([
      `-Dsonar.host.url=${sonar.url}`,
      '-Dsonar.projectKey=fixture',
      '-Dsonar.pullrequest.key=7',
      '-Dsonar.pullrequest.branch=feature',
      '-Dsonar.pullrequest.base=main',
    ]);
    expect(sonar.seen.filter((s) => s.startsWith('/api/ce/task'))).toHaveLength(2);
  });

  it('given a branch outside CI, when judged without scanning, then the queries carry the branch', async () => {
    const sonar = await fakeSonar('squ_token', [
      {
        path: '/api/qualitygates/project_status',
        query: { projectKey: 'fixture', branch: 'feature' },
        bodies: [{ projectStatus: { status: 'OK', conditions: [] } }],
      },
      {
        path: '/api/measures/component',
        query: {
          component: 'fixture',
          branch: 'feature',
          metricKeys:
            'coverage,new_coverage,duplicated_lines_density,new_duplicated_lines_density,violations,new_violations,bugs,vulnerabilities,code_smells,security_hotspots',
        },
        bodies: [MEASURES],
      },
    ]);
    const repo = await repoWithSonar(sonar.url, false);
    const run = await runSlipway(
      ['gate', '--base', 'main', '--json'],
      repo.dir,
      cleanEnv({ SONAR_TOKEN: 'squ_token' }),
    );
    expect(sonar.unexpected).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
  });

  it('given a wrong token, when judged, then the verdict is error with a fix about the token', async () => {
    const sonar = await fakeSonar('squ_right', []);
    const repo = await repoWithSonar(sonar.url, false);
    const run = await runSlipway(
      ['gate', '--base', 'main', '--json'],
      repo.dir,
      cleanEnv({ SONAR_TOKEN: 'squ_wrong' }),
    );
    expect(run.code).toBe(3);
    const error = run.json<GateJson>().errors[0]!;
    expect(error).toMatchObject({ collector: 'sonar', code: 'SONAR_FAILED' });
    expect(error.message).toContain('answered 401: unexpected request');
    expect(error.fix).toContain('SONAR_TOKEN');
  });
});

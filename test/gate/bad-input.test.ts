// What the gate says about bad input: missing history or branches, corrupt reports, missing or crashing tools.
import { afterEach, describe, expect, it } from 'vitest';
import type { GateResult } from '../../quality/types.js';
import { createGitRepo, makeNodeProject, runSlipway, type GitRepo } from '../helpers/git-repo.js';

const repos: GitRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

async function repoWith(files: Record<string, string | Buffer>, options: { node?: boolean } = {}): Promise<GitRepo> {
  const repo = await createGitRepo({ prefix: 'slipway-bad-' });
  repos.push(repo);
  if (options.node) makeNodeProject(repo);
  for (const [file, content] of Object.entries(files)) repo.write(file, content);
  await repo.commit('base');
  await repo.git('checkout', '--quiet', '-b', 'feature');
  return repo;
}

type GateJson = Omit<GateResult, 'issues'>;

describe('bad input', () => {
  it('given a target branch that does not exist, when judged, then exit 2 says how to fetch it', async () => {
    const repo = await repoWith({ 'a.ts': 'export const a = 1;\n' });
    const run = await runSlipway(['gate', '--base', 'develop'], repo.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error BASE_NOT_FOUND: the target branch "develop" does not exist here');
    expect(run.stderr).toContain('git fetch origin develop:refs/remotes/origin/develop');
  });

  it('given a shallow clone without the merge-base, when judged, then exit 2 names the git fetch that fixes it', async () => {
    const origin = await repoWith({ 'a.ts': 'export const a = 1;\n' });
    await origin.git('checkout', '--quiet', 'main');
    for (let i = 0; i < 3; i++) {
      origin.write('a.ts', `export const a = ${i + 2};\n`);
      await origin.commit(`main ${i}`);
    }
    await origin.git('checkout', '--quiet', 'feature');
    origin.write('b.ts', 'export const b = 1;\n');
    await origin.commit('feature work');
    const clone = await createGitRepo({ prefix: 'slipway-shallow-' });
    repos.push(clone);
    await clone.git(
      'fetch',
      '--quiet',
      '--depth',
      '1',
      `file://${origin.dir}`,
      'feature:feature',
      'main:refs/remotes/origin/main',
    );
    await clone.git('checkout', '--quiet', 'feature');
    const run = await runSlipway(['gate', '--base', 'main', '--json'], clone.dir);
    expect(run.code).toBe(2);
    expect(run.json<{ error: { code: string; message: string; fix: string } }>().error).toEqual({
      code: 'NO_MERGE_BASE',
      message: 'HEAD and origin/main have no common ancestor in this shallow clone',
      fix: 'fetch the history: git fetch --unshallow origin main (or set GIT_DEPTH: 0 in GitLab CI, fetch-depth: 0 in actions/checkout)',
      details: [],
    });
  });

  it.each([
    ['empty', '', 'coverage report is unusable: the file is empty'],
    ['corrupt', 'SF:src/a.ts\nDA:one,two\n', 'lcov report is unusable: unreadable line "DA:one,two"'],
    ['truncated JSON', '{"src/a.ts": {"statementMap": ', 'coverage report is unusable: not JSON'],
  ])(
    'given an %s coverage file, when judged, then the verdict is error with exit 3',
    async (_kind, content, message) => {
      const repo = await repoWith({
        'slipway.config.ts': "export default { gate: { coverage: { report: 'reports/lcov.info' } } };\n",
        'src/a.ts': 'export const a = 1;\n',
      });
      repo.write('reports/lcov.info', content);
      const run = await runSlipway(['gate', '--base', 'main', '--json'], repo.dir);
      expect(run.code).toBe(3);
      const result = run.json<GateJson>();
      expect(result.verdict).toBe('error');
      expect(result.errors).toEqual([
        expect.objectContaining({
          collector: 'coverage',
          code: 'REPORT_INVALID',
          message: expect.stringContaining(message),
        }),
      ]);
    },
  );

  it('given tools listed in package.json but not installed, when judged, then exit 3 says to install them', async () => {
    const repo = await repoWith({
      'package.json': JSON.stringify({ devDependencies: { vitest: '4', '@vitest/coverage-v8': '4', eslint: '9' } }),
      'eslint.config.js': 'export default [];\n',
      'src/a.ts': 'export const a = 1;\n',
    });
    repo.write('src/b.ts', 'export const b = 1;\n');
    await repo.commit('b');
    const run = await runSlipway(['gate', '--base', 'main', '--json'], repo.dir);
    expect(run.code).toBe(3);
    const errors = run.json<GateJson>().errors;
    expect(errors.map((e) => [e.collector, e.code])).toEqual([
      ['coverage', 'TOOL_MISSING'],
      ['eslint', 'TOOL_MISSING'],
    ]);
    expect(errors[0]!.message).toMatch(/^vitest is in package.json but not installed/);
    expect(errors[0]!.fix).toBe('install the dependencies first (npm ci)');
  });

  it('given an ESLint config that crashes, when judged, then the verdict is error naming ESLint, exit 3', async () => {
    const repo = await repoWith({ 'src/a.ts': 'export const a = 1;\n' }, { node: true });
    repo.write('eslint.config.js', "throw new Error('boom in config');\n");
    repo.write('src/a.ts', 'export const a = 2;\n');
    await repo.commit('broken lint config');
    const run = await runSlipway(['gate', '--base', 'main', '--json'], repo.dir);
    expect(run.code).toBe(3);
    const eslint = run.json<GateJson>().errors.find((e) => e.collector === 'eslint');
    expect(eslint).toMatchObject({ code: 'TOOL_FAILED', message: 'eslint crashed: eslint exited with 2' });
    expect(eslint!.details.join('\n')).toContain('boom in config');
  });

  it('given binary, deleted and renamed-and-edited files, when judged, then the gate passes and lists them', async () => {
    const legacy = Array.from({ length: 30 }, (_, i) => `export const value${i} = ${i};`).join('\n') + '\n';
    const repo = await repoWith(
      {
        'src/legacy.ts': legacy,
        'src/gone.ts': 'export const gone = 1;\n',
        'src/math.test.ts': "import { test } from 'vitest';\ntest('x', () => {});\n",
      },
      { node: true },
    );
    repo.remove('src/gone.ts');
    repo.remove('src/legacy.ts');
    repo.write('src/renamed.ts', legacy.replace('value7 = 7', 'value7 = 77'));
    repo.write('assets/logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    await repo.commit('binary, delete, rename');
    const run = await runSlipway(['gate', '--base', 'main', '--json'], repo.dir);
    expect(run.code, run.stderr).toBe(0);
    const result = run.json<GateJson>();
    expect(result.verdict).toBe('no-baseline');
    expect(result.newCode).toEqual({
      files: 3,
      lines: 1,
      binaryFiles: ['assets/logo.png'],
      deletedFiles: ['src/gone.ts'],
    });
  });

  it('given an invalid gate block, when judged, then exit 2 lists each problem', async () => {
    const repo = await repoWith({
      'slipway.config.ts':
        "export default { gate: { thresholds: { newCoverage: 'high' }, sonar: { hostUrl: 'nope' } } };\n",
    });
    const run = await runSlipway(['gate', '--base', 'main'], repo.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error CONFIG_INVALID');
    expect(run.stderr).toContain('gate.thresholds.newCoverage');
    expect(run.stderr).toContain('gate.sonar.hostUrl');
  });

  it('given no --base and no --record, or a folder outside git, when run, then exit 2', async () => {
    const repo = await repoWith({ 'a.ts': '1\n' });
    expect((await runSlipway(['gate'], repo.dir)).code).toBe(2);
    await repo.git('init', '--quiet', '--bare', 'not-a-worktree.git');
    const outside = await runSlipway(['gate', '--base', 'main'], `${repo.dir}/not-a-worktree.git`);
    expect(outside.code).toBe(2);
  });
});

describe('npm audit', () => {
  const lock = (deps: Record<string, string>) =>
    JSON.stringify({
      name: 'audit-fixture',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'audit-fixture', version: '1.0.0', dependencies: deps },
        ...Object.fromEntries(
          Object.entries(deps).map(([name, version]) => [
            `node_modules/${name}`,
            { version, resolved: `https://registry.npmjs.org/${name}/-/${name}-${version}.tgz` },
          ]),
        ),
      },
    });

  it('given a lockfile without dependencies, when recorded, then npm audit runs and the baseline counts 0 vulnerabilities', async () => {
    const repo = await repoWith({
      'package.json': '{"name":"audit-fixture","version":"1.0.0"}',
      'package-lock.json': lock({}),
    });
    await repo.git('checkout', '--quiet', 'main');
    const run = await runSlipway(['gate', '--record', '--json'], repo.dir);
    expect(run.code, run.stderr).toBe(0);
    const metrics = run.json<{ recorded: { metrics: Record<string, { value: number }> } }>().recorded.metrics;
    expect(metrics['vulnerabilities.critical']).toEqual({ value: 0, better: 'lower' });
    expect(metrics['vulnerabilities.high']).toEqual({ value: 0, better: 'lower' });
  });

  it('given a vulnerable dependency, when judged, then it is counted, or shown as not judged when the advisory service is unreachable', async () => {
    const repo = await repoWith({
      'package.json': '{"name":"audit-fixture","version":"1.0.0"}',
      'package-lock.json': lock({}),
    });
    repo.write('package.json', '{"name":"audit-fixture","version":"1.0.0","dependencies":{"minimist":"1.2.5"}}');
    repo.write('package-lock.json', lock({ minimist: '1.2.5' }));
    await repo.commit('minimist 1.2.5 (prototype pollution, CVE-2021-44906)');
    const run = await runSlipway(['gate', '--base', 'main', '--json'], repo.dir);
    const result = run.json<GateJson>();
    const audit = result.conditions.find((c) => c.id === 'audit');
    if (audit) {
      expect(audit).toMatchObject({
        judged: false,
        note: expect.stringMatching(/^not judged: npm audit could not reach the advisory service/),
      });
      expect(run.code).toBe(0);
      repo.write('slipway.config.ts', 'export default { gate: { audit: { enabled: true } } };\n');
      const required = await runSlipway(['gate', '--base', 'main', '--json'], repo.dir);
      expect(required.code).toBe(3);
      expect(required.json<GateJson>().errors[0]).toMatchObject({ collector: 'audit', code: 'TOOL_FAILED' });
    } else {
      expect(result.metrics['vulnerabilities.critical']!.value).toBeGreaterThan(0);
    }
  });
});

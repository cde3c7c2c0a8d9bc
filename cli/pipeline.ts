// `slipway pipeline generate`: writes the project's GitLab CI or GitHub Actions pipeline from slipway.config.ts.
import type { PipelineModel } from '../pipelines/model.js';
import type { CliCommand } from './command.js';

type Target = 'gitlab' | 'github';

const TARGETS: readonly Target[] = ['gitlab', 'github'];

const DEFAULT_FILES: Record<Target, string> = {
  gitlab: '.gitlab-ci.yml',
  github: '.github/workflows/slipway.yml',
};

/** The repository holding the config (the pipeline file lives at its root), or the config's folder. */
async function repositoryRoot(start: string): Promise<string> {
  const [{ existsSync }, path] = await Promise.all([import('node:fs'), import('node:path')]);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/** The version of this slipway: its package.json above this file (cli/ in the sources, dist/cli/ built). */
async function slipwayVersion(): Promise<string | undefined> {
  const { slipwayPackage } = await import('../core/package-info.js');
  return (await slipwayPackage())?.version;
}

export const pipelineGenerateCommand: CliCommand = {
  name: 'pipeline generate',
  summary: 'write the GitLab CI or GitHub Actions pipeline for this project (or check it is up to date)',
  usage: 'slipway pipeline generate --target gitlab|github [--out <file>] [--check] [--default-branch <name>] [--self]',
  description: [
    'Merge requests: build (slipway build rebuilds only components whose inputs changed), the quality gate with its',
    'reports, a preview environment (stopped when the merge request closes, from the default branch files), and the',
    'load test when slipway.config.ts has a loadtest block, then mr-report (slipway mr report: comment, status,',
    'deployments) even when they failed. Default branch: build, gate baseline, deploy to the first release',
    'environment, a manual promotion to each next one, a manual release (slipway release --push). Tags v<x.y.z>:',
    'promotion only, never a build. Schedules: env gc --open-from-platform. Deploys and releases are serialised.',
    'Tokens: SLIPWAY_GITLAB_TOKEN (a masked CI/CD variable) on GitLab, GITHUB_TOKEN on GitHub. Default file:',
    '.gitlab-ci.yml, or .github/workflows/slipway.yml, at the root of the repository holding the config.',
    '',
    "Jobs run slipway as $SLIPWAY_BIN: `npx slipway` (the project's devDependency, after `npm ci`) when the",
    'repository root has a package-lock.json, else `npx --yes slipway@<this version>` with no install step. Set it',
    "in the project's CI/CD variables (GitHub: a repository variable) to run another install.",
    "--self writes the pipeline of slipway's own repository (its test job runs .ci/run) instead of a project's.",
    '',
    'Exit codes: 0 written (or up to date with --check), 1 --check found the file missing or different.',
  ].join('\n'),
  flags: {
    target: { type: 'string', value: '<gitlab|github>', description: 'the forge to write the pipeline for' },
    out: { type: 'string', value: '<file>', description: 'where to write it (default: see above)' },
    check: { type: 'boolean', description: 'write nothing; exit 1 when the file differs from what would be written' },
    'default-branch': {
      type: 'string',
      value: '<name>',
      description: 'the branch that deploys (GitHub only; GitLab uses $CI_DEFAULT_BRANCH; default: main)',
    },
    self: { type: 'boolean', description: "slipway's own pipeline (for slipway's repository), not a project's" },
  },
  async run({ flags, positionals, out, cwd }) {
    const { SlipwayError } = await import('../core/errors.js');
    const target = flags.target as string | undefined;
    if (!target || !(TARGETS as readonly string[]).includes(target) || positionals.length > 0) {
      throw new SlipwayError('USAGE', target ? `unknown target "${target}"` : 'pipeline generate needs --target', {
        fix: 'slipway pipeline generate --target gitlab|github [--out <file>] [--check]',
      });
    }
    const [path, { readFile, writeFile, mkdir }] = await Promise.all([import('node:path'), import('node:fs/promises')]);
    const { repo, plan } =
      flags.self === true
        ? { repo: await repositoryRoot(cwd), plan: (await import('../pipelines/self.js')).planSelfPipeline() }
        : await projectPipeline(cwd, flags);
    const text =
      target === 'gitlab'
        ? (await import('../pipelines/gitlab.js')).renderGitlab(plan)
        : (await import('../pipelines/github.js')).renderGithub(plan);
    const file =
      typeof flags.out === 'string' ? path.resolve(cwd, flags.out) : path.join(repo, DEFAULT_FILES[target as Target]);
    const shown = path.relative(cwd, file) || file;
    const jobs = plan.jobs.map((job) => job.id);

    if (flags.check === true) {
      const current = await readFile(file, 'utf8').catch(() => undefined);
      const upToDate = current === text;
      out.result({ target, file: shown, jobs, upToDate }, () =>
        upToDate
          ? `${shown} is up to date`
          : `${shown} ${current === undefined ? 'is missing' : 'differs from the config'}: run slipway pipeline generate --target ${target}${flags.self === true ? ' --self' : ''}${typeof flags.out === 'string' ? ` --out ${flags.out}` : ''}`,
      );
      return upToDate ? 0 : 1;
    }
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    out.result({ target, file: shown, jobs, written: true }, () => `wrote ${shown}: ${jobs.join(', ')}`);
    return 0;
  },
};

async function projectPipeline(
  cwd: string,
  flags: Record<string, string | boolean | string[] | undefined>,
): Promise<{ repo: string; plan: PipelineModel }> {
  const [path, { existsSync }, { loadConfig, loadRawConfig }, { parseLoadtestConfig }, model] = await Promise.all([
    import('node:path'),
    import('node:fs'),
    import('../config/load.js'),
    import('../loadtest/config.js'),
    import('../pipelines/model.js'),
  ]);
  const config = await loadConfig({ cwd, configFile: flags.config as string | undefined });
  const raw = (await loadRawConfig(config.configFile)) as Record<string, unknown>;
  const repo = await repositoryRoot(config.root);
  const relative = (file: string) => path.relative(repo, file).split(path.sep).join('/');
  const configFile = relative(config.configFile);
  const loadtest =
    raw.loadtest === undefined ? undefined : parseLoadtestConfig(raw.loadtest, config.root, config.configFile);
  const lockfile = existsSync(path.join(repo, 'package-lock.json'));
  const version = lockfile ? undefined : await slipwayVersion();
  const plan = model.planPipeline(config, {
    ...(typeof flags['default-branch'] === 'string' ? { defaultBranch: flags['default-branch'] } : {}),
    // found by `slipway` from the repository root only when it sits there
    ...(configFile === path.basename(configFile) ? {} : { configFile }),
    ...(loadtest ? { loadtest: { reportsDir: relative(loadtest.reportsDir) } } : {}),
    lockfile,
    ...(version ? { slipwayVersion: version } : {}),
  });
  return { repo, plan };
}

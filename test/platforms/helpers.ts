// Shared set-up for the platform tests: a project repository, the CI variables of a GitLab or GitHub job pointing at
// a fake, and a search for the token in everything slipway printed or wrote.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, type CliRun } from '../helpers/cli.js';
import { createGitRepo, type GitRepo } from '../helpers/git-repo.js';

export const CONFIG = `export default {
  project: 'relfix',
  registry: { url: '127.0.0.1:5000' },
  modules: {
    students: {
      components: {
        web: { kind: 'front', context: 'students/web', port: 8080 },
        api: { kind: 'back', context: 'students/api', port: 8080 },
      },
    },
  },
};
`;

/** A repository with the config and one commit; `.slipway/` ignored as projects do. */
export async function projectRepo(): Promise<GitRepo> {
  const repo = await createGitRepo({ prefix: 'slipway-platform-' });
  repo.write('.gitignore', '.slipway/\n');
  repo.write('slipway.config.ts', CONFIG);
  for (const dir of ['students/web', 'students/api']) repo.write(`${dir}/index.js`, '// v0\n');
  await repo.commit('chore: init');
  return repo;
}

/**
 * The test process may itself run in a CI job: every forge variable it has is blanked (runCli merges process.env),
 * so only what a test sets reaches slipway.
 */
export function blankForgeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(process.env)) {
    if (/^(CI|GITLAB_|GITHUB_|CI_|SLIPWAY_PLATFORM|SLIPWAY_GITLAB_TOKEN|SLIPWAY_GITHUB_TOKEN|RUNNER_)/.test(key))
      env[key] = '';
  }
  return env;
}

export function gitlabEnv(apiUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const server = apiUrl.replace(/\/api\/v4$/, '');
  return {
    ...blankForgeEnv(),
    GITLAB_CI: 'true',
    CI_SERVER_URL: server,
    CI_API_V4_URL: apiUrl,
    CI_PROJECT_ID: '42',
    CI_PROJECT_PATH: 'school/scolarite',
    CI_PROJECT_URL: `${server}/school/scolarite`,
    CI_PIPELINE_ID: '99',
    CI_PIPELINE_URL: `${server}/school/scolarite/-/pipelines/99`,
    ...extra,
  };
}

export function mergeRequestVariables(iid: number, branch: string, sha: string): NodeJS.ProcessEnv {
  return {
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_MERGE_REQUEST_IID: String(iid),
    CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: branch,
    CI_COMMIT_REF_NAME: branch,
    CI_COMMIT_SHA: sha,
  };
}

/** GitHub Actions variables for a pull_request event, with its payload written to `eventFile`. */
export function githubEnv(
  apiUrl: string,
  token: string,
  pull: { number: number; branch: string; sha: string } | undefined,
  eventFile: string,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const event = pull
    ? {
        action: 'synchronize',
        number: pull.number,
        pull_request: {
          number: pull.number,
          html_url: `https://github.example/school/scolarite/pull/${pull.number}`,
          head: { ref: pull.branch, sha: pull.sha },
          base: { ref: 'main' },
        },
      }
    : {};
  writeFileSync(eventFile, JSON.stringify(event));
  return {
    ...blankForgeEnv(),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_API_URL: apiUrl,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_REPOSITORY: 'school/scolarite',
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_EVENT_NAME: pull ? 'pull_request' : 'push',
    GITHUB_RUN_ID: '777',
    GITHUB_TOKEN: token,
    ...(pull
      ? {
          GITHUB_REF: `refs/pull/${pull.number}/merge`,
          GITHUB_HEAD_REF: pull.branch,
          GITHUB_BASE_REF: 'main',
          // the test merge commit, not the head: checks must go to the head
          GITHUB_SHA: '0'.repeat(40),
        }
      : {}),
    ...extra,
  };
}

export function slipway(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliRun> {
  return runCli(args, { cwd, env });
}

function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

/** Where the token shows up: in a run's output, or in a file under `dir` (`.slipway/`). Empty is the only pass. */
export function tokenLeaks(token: string, runs: CliRun[], dir: string): string[] {
  const leaks: string[] = [];
  for (const [i, run] of runs.entries()) {
    if (run.stdout.includes(token)) leaks.push(`run ${i} stdout`);
    if (run.stderr.includes(token)) leaks.push(`run ${i} stderr`);
  }
  for (const file of filesUnder(dir)) if (readFileSync(file, 'utf8').includes(token)) leaks.push(file);
  return leaks;
}

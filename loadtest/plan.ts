// Plans a k6 run against one environment, with no I/O: targets, the variables the script gets, the host mapping,
// the files, and the k6 argv. `slipway loadtest --dry-run` prints it; the executor applies it.
import path from 'node:path';
import type { ResolvedConfig } from '../config/resolve.js';
import type { Command } from '../core/exec.js';
import { SlipwayError } from '../core/errors.js';
import type { EnvironmentState } from '../engines/docker/environments.js';
import { envVarPrefix } from '../environments/plan.js';
import type { LoadtestConfig } from './config.js';
import { SMOKE_SCRIPT, wrapperSource, type WrapperSettings } from './scripts.js';
import type { HostMap } from './summary.js';

export interface Target {
  /** `<module>/<component>` */
  id: string;
  kind: string;
  /** The preview URL, e.g. http://api-students--main.localhost:8080 */
  url: string;
  /** The health path the smoke script requests. */
  health: string;
}

export interface LoadRequest {
  vus?: number;
  duration?: string;
  rate?: number;
}

export interface LoadtestPlan {
  environment: { name: string; branch: string };
  /** `target` is the environment under test; `baseline` the one run first to compare with. */
  role: 'target' | 'baseline';
  targets: Target[];
  script: { kind: 'smoke' | 'file'; key: string; file: string | null };
  load: { vus: number | null; duration: string | null; rate: number | null };
  /** Variables the script reads through `__ENV`. */
  variables: Record<string, string>;
  /** Preview host -> the address k6 connects to (the router). */
  hosts: Record<string, string>;
  /** URL host (with port) -> component id, for the per-endpoint breakdown. */
  components: HostMap;
  /** Addresses (host:port) that must accept connections before k6 starts. */
  addresses: string[];
  files: {
    workDir: string;
    wrapper: string;
    smoke: string | null;
    summary: string;
    samples: string | null;
    log: string;
  };
  wrapper: string;
  smoke: string | null;
  /** The k6 argv without the REST API address, which the executor adds once it has a free port. */
  command: Command;
  timeoutMs: number;
}

export interface PlanInput {
  config: ResolvedConfig;
  loadtest: LoadtestConfig;
  environment: EnvironmentState;
  role: 'target' | 'baseline';
  /** Absolute path of the script, or undefined for the configured script or the built-in smoke test. */
  script: string | undefined;
  load: LoadRequest;
  k6: string;
}

/** What k6 should dial for a preview host: the router's bind address, loopback when it listens on every address. */
export function routerAddress(bind: string): string {
  return ['', '0.0.0.0', '::', '[::]'].includes(bind) ? '127.0.0.1' : bind;
}

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':') || host.startsWith('[');
}

/** Refuses an environment that is missing its URLs or whose last `env up` did not finish. */
export function checkEnvironment(environment: EnvironmentState): void {
  if (environment.status !== 'ready') {
    throw new SlipwayError(
      'ENV_NOT_READY',
      `environment ${environment.name} is not ready (status ${environment.status}): its last \`env up\` failed or did not finish`,
      {
        fix: `bring it up again with \`slipway env up ${environment.branch || environment.name}\`, then rerun the load test`,
      },
    );
  }
  if (Object.keys(environment.urls).length === 0) {
    throw new SlipwayError('ENV_NOT_READY', `environment ${environment.name} has no preview URL to load-test`, {
      fix: 'only fronts and backs get URLs: bring up the modules that have them',
    });
  }
}

export function targetsOf(config: ResolvedConfig, environment: EnvironmentState): Target[] {
  return Object.entries(environment.urls)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, url]) => {
      const component = config.components.find((c) => c.id === id);
      const kind = component?.kind ?? environment.components.find((c) => c.id === id)?.kind ?? 'back';
      return { id, kind, url, health: component?.health ?? '/healthz' };
    });
}

/** `SLIPWAY_URL_<MODULE>_<COMPONENT>` for each target, its environment, and all targets as JSON. */
export function scriptVariables(environment: EnvironmentState, targets: Target[]): Record<string, string> {
  const variables: Record<string, string> = {
    SLIPWAY_ENVIRONMENT: environment.name,
    SLIPWAY_BRANCH: environment.branch,
    SLIPWAY_TARGETS: JSON.stringify(targets),
  };
  for (const target of targets) variables[`SLIPWAY_URL_${envVarPrefix(target.id)}`] = target.url;
  return variables;
}

const TREND_STATS = 'avg,min,med,max,p(90),p(95),p(99)';

export function planLoadtest(input: PlanInput): LoadtestPlan {
  const { config, loadtest, environment, role } = input;
  checkEnvironment(environment);
  const targets = targetsOf(config, environment);
  const dial = routerAddress(config.router.bind);
  const hosts: Record<string, string> = {};
  const components: HostMap = {};
  const addresses = new Set<string>();
  for (const target of targets) {
    const url = new URL(target.url);
    components[url.host] = target.id;
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    if (isIp(url.hostname)) addresses.add(`${url.hostname}:${port}`);
    else {
      // k6's Go resolver does not resolve *.localhost, and the router serves every preview host on one address
      hosts[url.hostname] = dial;
      addresses.add(`${dial}:${port}`);
    }
  }
  const scriptFile = input.script ?? loadtest.script;
  const workDir = path.join(loadtest.reportsDir, role === 'target' ? 'work' : 'work-baseline');
  const smokeFile = scriptFile ? null : path.join(workDir, 'smoke.js');
  const script = scriptFile
    ? { kind: 'file' as const, key: path.basename(scriptFile).replace(/\.[^.]+$/, ''), file: scriptFile }
    : { kind: 'smoke' as const, key: 'smoke', file: null };
  const { vus, duration, rate } = input.load;
  const settings: WrapperSettings = {
    hosts,
    thresholds: loadtest.thresholds,
    defaults: { vus: loadtest.vus, duration: loadtest.duration },
    rate: rate === undefined ? null : { rate, vus: vus ?? loadtest.vus, duration: duration ?? loadtest.duration },
  };
  const files = {
    workDir,
    wrapper: path.join(workDir, 'entry.js'),
    smoke: smokeFile,
    summary: path.join(workDir, 'summary-export.json'),
    samples: loadtest.breakdown ? path.join(workDir, 'samples.json') : null,
    log: path.join(loadtest.reportsDir, role === 'target' ? 'k6.log' : 'k6-baseline.log'),
  };
  const variables = scriptVariables(environment, targets);
  const args = [
    'run',
    '--quiet',
    '--no-color',
    '--no-usage-report',
    '--summary-export',
    files.summary,
    '--summary-trend-stats',
    TREND_STATS,
    ...(files.samples ? ['--out', `json=${files.samples}`] : []),
    // with --rate the wrapper's arrival-rate scenario carries the load; k6's own flags would replace it
    ...(rate === undefined && vus !== undefined ? ['--vus', String(vus)] : []),
    ...(rate === undefined && duration !== undefined ? ['--duration', duration] : []),
    ...Object.entries(variables).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
    files.wrapper,
  ];
  return {
    environment: { name: environment.name, branch: environment.branch },
    role,
    targets,
    script,
    // the smoke script sets no load, so the config's defaults apply; another script's own options may
    load: settings.rate
      ? { vus: settings.rate.vus, duration: settings.rate.duration, rate: settings.rate.rate }
      : {
          vus: vus ?? (script.kind === 'smoke' ? loadtest.vus : null),
          duration: duration ?? (script.kind === 'smoke' ? loadtest.duration : null),
          rate: null,
        },
    variables,
    hosts,
    components,
    addresses: [...addresses].sort(),
    files,
    wrapper: wrapperSource(scriptFile ?? smokeFile!, settings),
    smoke: smokeFile ? SMOKE_SCRIPT : null,
    command: { file: input.k6, args, cwd: loadtest.root },
    timeoutMs: loadtest.timeoutMs,
  };
}

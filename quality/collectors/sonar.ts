// SonarQube: optionally runs the scanner, then reads the quality gate and measures through the Web API,
// always scoped to the branch or merge request, so another branch's analysis is never judged.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SlipwayError } from '../../core/errors.js';
import type { PlannedStep } from '../plan.js';
import type { SonarCondition, SonarResult } from '../types.js';
import { runStep, type AnalysisScope, type Collector } from './types.js';

export const SONAR_METRIC_KEYS = [
  'coverage',
  'new_coverage',
  'duplicated_lines_density',
  'new_duplicated_lines_density',
  'violations',
  'new_violations',
  'bugs',
  'vulnerabilities',
  'code_smells',
  'security_hotspots',
];

export interface SonarSettings {
  hostUrl: string;
  projectKey: string;
  token: string | undefined;
  timeoutSeconds: number;
}

/** Query parameters that scope a Web API call to the analysed branch or merge request. */
export function scopeParams(scope: AnalysisScope): Record<string, string> {
  return scope.kind === 'pull-request' ? { pullRequest: scope.key } : { branch: scope.branch };
}

/** Scanner properties for the same scope. */
export function scannerScopeArgs(scope: AnalysisScope): string[] {
  return scope.kind === 'pull-request'
    ? [
        `-Dsonar.pullrequest.key=${scope.key}`,
        `-Dsonar.pullrequest.branch=${scope.branch}`,
        `-Dsonar.pullrequest.base=${scope.base}`,
      ]
    : [`-Dsonar.branch.name=${scope.branch}`];
}

async function sonarGet<T>(settings: SonarSettings, endpoint: string, params: Record<string, string>): Promise<T> {
  const url = new URL(`${settings.hostUrl}/${endpoint}`);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const headers: Record<string, string> = { Accept: 'application/json' };
  // a token is sent as the login with an empty password, which every SonarQube version accepts
  if (settings.token) headers.Authorization = `Basic ${Buffer.from(`${settings.token}:`).toString('base64')}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new SlipwayError(
      'SONAR_FAILED',
      `SonarQube at ${settings.hostUrl} is unreachable: ${(error as Error).message}`,
      {
        fix: 'check gate.sonar.hostUrl and the network',
        cause: error,
      },
    );
  }
  const body = await response.text();
  if (!response.ok) {
    const message = (() => {
      try {
        return (JSON.parse(body) as { errors?: { msg: string }[] }).errors?.map((e) => e.msg).join('; ');
      } catch {
        return undefined;
      }
    })();
    throw new SlipwayError(
      'SONAR_FAILED',
      `SonarQube ${endpoint} answered ${response.status}${message ? `: ${message}` : ''}`,
      {
        fix:
          response.status === 401 || response.status === 403
            ? 'set the token (SONAR_TOKEN, or gate.sonar.tokenEnv) to one with Browse permission on the project'
            : 'check gate.sonar.projectKey and that the branch or merge request was analysed',
      },
    );
  }
  return JSON.parse(body) as T;
}

/** Waits for the background task of the scanner's upload (its id is in .scannerwork/report-task.txt). */
export async function waitForTask(settings: SonarSettings, taskId: string, pollMs = 1000): Promise<void> {
  const deadline = Date.now() + settings.timeoutSeconds * 1000;
  for (;;) {
    const { task } = await sonarGet<{ task: { status: string; errorMessage?: string } }>(settings, 'api/ce/task', {
      id: taskId,
    });
    if (task.status === 'SUCCESS') return;
    if (task.status === 'FAILED' || task.status === 'CANCELED') {
      throw new SlipwayError(
        'SONAR_FAILED',
        `the SonarQube analysis ${task.status.toLowerCase()}: ${task.errorMessage ?? ''}`.trim(),
        {
          fix: 'open the project background tasks in SonarQube',
        },
      );
    }
    if (Date.now() > deadline) {
      throw new SlipwayError(
        'SONAR_FAILED',
        `SonarQube did not process the analysis within ${settings.timeoutSeconds} s`,
        {
          fix: 'raise gate.sonar.timeoutSeconds or check the compute engine',
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

interface ProjectStatus {
  projectStatus: { status: SonarResult['status']; conditions?: SonarCondition[] };
}

interface MeasuresResponse {
  component: {
    measures: { metric: string; value?: string; period?: { value: string }; periods?: { value: string }[] }[];
  };
}

/** Reads the quality gate status and the measures of one branch or merge request. */
export async function readSonar(settings: SonarSettings, scope: AnalysisScope): Promise<SonarResult> {
  const params = scopeParams(scope);
  const status = await sonarGet<ProjectStatus>(settings, 'api/qualitygates/project_status', {
    projectKey: settings.projectKey,
    ...params,
  });
  const measures = await sonarGet<MeasuresResponse>(settings, 'api/measures/component', {
    component: settings.projectKey,
    metricKeys: SONAR_METRIC_KEYS.join(','),
    ...params,
  });
  const values: Record<string, number> = {};
  for (const measure of measures.component.measures) {
    // measures on new code carry their value in `period` (or `periods` before SonarQube 8.1)
    const raw = measure.value ?? measure.period?.value ?? measure.periods?.[0]?.value;
    if (raw !== undefined && Number.isFinite(Number(raw))) values[measure.metric] = Number(raw);
  }
  const query = new URLSearchParams({ id: settings.projectKey, ...params });
  return {
    status: status.projectStatus.status,
    conditions: (status.projectStatus.conditions ?? []).map((c) => ({
      metricKey: c.metricKey,
      status: c.status,
      comparator: c.comparator,
      errorThreshold: c.errorThreshold,
      actualValue: c.actualValue,
    })),
    measures: values,
    dashboardUrl: `${settings.hostUrl}/dashboard?${query.toString()}`,
  };
}

function withScope(step: PlannedStep, scope: AnalysisScope, lcov: string | undefined): PlannedStep {
  if (!step.command) return step;
  const extra = [...scannerScopeArgs(scope), ...(lcov ? [`-Dsonar.javascript.lcov.reportPaths=${lcov}`] : [])];
  return { ...step, command: { ...step.command, args: [...step.command.args, ...extra] } };
}

export const sonarCollector: Collector = {
  id: 'sonar',
  async collect(step, context) {
    const sonar = context.config.sonar!;
    const settings: SonarSettings = {
      hostUrl: sonar.hostUrl,
      projectKey: sonar.projectKey,
      token: context.env[sonar.tokenEnv],
      timeoutSeconds: sonar.timeoutSeconds,
    };
    await runStep(withScope(step, context.scope, context.coverageReport), {
      ...context.env,
      ...(settings.token ? { SONAR_TOKEN: settings.token } : {}),
    });
    const taskFile = path.join(context.projectDir, '.scannerwork', 'report-task.txt');
    if (step.command && existsSync(taskFile)) {
      const taskId = /^ceTaskId=(.+)$/m.exec(await readFile(taskFile, 'utf8'))?.[1];
      if (taskId) await waitForTask(settings, taskId.trim());
    }
    return { sonar: await readSonar(settings, context.scope) };
  },
};

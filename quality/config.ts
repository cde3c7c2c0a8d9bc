// The `gate` block of slipway.config.ts: thresholds (per project and per module), tool overrides, reports, SonarQube.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { findConfigFile, loadRawConfig } from '../config/load.js';
import { SlipwayError } from '../core/errors.js';
import type { Severity } from './types.js';

export { gateConfigSchema, thresholdsSchema } from '../config/gate-schema.js';
import { gateConfigSchema, toolSchema } from '../config/gate-schema.js';

export type GateConfigInput = z.input<typeof gateConfigSchema>;
type GateConfigParsed = z.output<typeof gateConfigSchema>;

export interface Thresholds {
  newCoverage: number;
  newDuplication: number;
  newIssueSeverity: Severity;
  maxNewIssues: number;
  minNewLines: number;
}

/** SonarQube's "Sonar way" defaults. */
export const DEFAULT_THRESHOLDS: Thresholds = {
  newCoverage: 80,
  newDuplication: 3,
  newIssueSeverity: 'major',
  maxNewIssues: 0,
  minNewLines: 20,
};

export interface ToolSettings {
  enabled: boolean | undefined;
  command: string[] | undefined;
  report: string | undefined;
}

export interface GateConfig {
  /** The folder the project's paths are relative to (the config's folder, else the current directory). */
  projectDir: string;
  configFile: string | undefined;
  thresholds: Thresholds;
  modules: { prefix: string; thresholds: Thresholds }[];
  overall: { enabled: boolean; tolerance: Record<string, number | string>; ignore: string[] };
  coverage: ToolSettings & { exclude: string[] };
  eslint: ToolSettings & { scope: 'changed' | 'all' };
  duplication: ToolSettings & { minTokens: number; minLines: number; ignore: string[] };
  typescript: ToolSettings & { project: string };
  audit: ToolSettings;
  images: { enabled: boolean | undefined; manifest: string };
  /** `report` defaults to LOADTEST_REPORT (quality/plan.ts). */
  loadtest: ToolSettings;
  sonar:
    | { hostUrl: string; projectKey: string; tokenEnv: string; scan: boolean | string[]; timeoutSeconds: number }
    | undefined;
  reports: { codeclimate?: string; sarif?: string; junit?: string; markdown?: string };
  baseline: { storage: 'git-ref' | 'file'; file: string; remote: string };
}

function tool(settings: z.output<typeof toolSchema> | undefined): ToolSettings {
  return { enabled: settings?.enabled, command: settings?.command, report: settings?.report };
}

function normaliseModulePrefix(prefix: string): string {
  return prefix.replace(/^\.\//, '').replace(/\/+$/, '');
}

/** Fills defaults; module thresholds inherit the project's. */
export function resolveGateConfig(parsed: GateConfigParsed, projectDir: string, configFile?: string): GateConfig {
  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS, ...stripUndefined(parsed.thresholds ?? {}) };
  const modules = Object.entries(parsed.modules ?? {})
    .map(([prefix, override]) => ({
      prefix: normaliseModulePrefix(prefix),
      thresholds: { ...thresholds, ...stripUndefined(override) },
    }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    projectDir,
    configFile,
    thresholds,
    modules,
    overall: {
      enabled: parsed.overall?.enabled ?? true,
      tolerance: { 'image.*': '5%', 'duplication.density': 0.1, 'coverage.lines': 0.1, ...parsed.overall?.tolerance },
      ignore: parsed.overall?.ignore ?? [],
    },
    coverage: { ...tool(parsed.coverage), exclude: parsed.coverage?.exclude ?? [] },
    eslint: { ...tool(parsed.eslint), scope: parsed.eslint?.scope ?? 'changed' },
    duplication: {
      ...tool(parsed.duplication),
      minTokens: parsed.duplication?.minTokens ?? 50,
      minLines: parsed.duplication?.minLines ?? 5,
      ignore: parsed.duplication?.ignore ?? [],
    },
    typescript: { ...tool(parsed.typescript), project: parsed.typescript?.project ?? 'tsconfig.json' },
    audit: tool(parsed.audit),
    images: { enabled: parsed.images?.enabled, manifest: parsed.images?.manifest ?? '.slipway/build.json' },
    loadtest: tool(parsed.loadtest),
    sonar: parsed.sonar && {
      hostUrl: parsed.sonar.hostUrl.replace(/\/+$/, ''),
      projectKey: parsed.sonar.projectKey,
      tokenEnv: parsed.sonar.tokenEnv ?? 'SONAR_TOKEN',
      scan: parsed.sonar.scan ?? false,
      timeoutSeconds: parsed.sonar.timeoutSeconds ?? 300,
    },
    reports: stripUndefined(parsed.reports ?? {}),
    baseline: {
      storage: parsed.baseline?.storage ?? 'git-ref',
      file: parsed.baseline?.file ?? '.slipway/baselines/{branch}.json',
      remote: parsed.baseline?.remote ?? 'origin',
    },
  };
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/** Validates a raw `gate` block; every problem is listed with its path. */
export function parseGateConfig(raw: unknown, projectDir: string, configFile?: string): GateConfig {
  const result = gateConfigSchema.safeParse(raw ?? {});
  if (!result.success) {
    const details = result.error.issues.map((issue) => {
      const at = ['gate', ...issue.path.map(String)].join('.');
      const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
      return `${at}: ${issue.message}${keys}`;
    });
    throw new SlipwayError('CONFIG_INVALID', `the gate block of ${configFile ?? 'the config'} is invalid`, {
      fix: 'correct the fields listed below',
      details,
    });
  }
  return resolveGateConfig(result.data, projectDir, configFile);
}

/**
 * Reads the `gate` key of slipway.config.ts when there is one, else the defaults. Only that key is validated:
 * a repository with no slipway config, or one whose other sections are incomplete, still gets its gate.
 */
export async function loadGateConfig(options: { cwd: string; configFile?: string }): Promise<GateConfig> {
  const file = options.configFile ? path.resolve(options.cwd, options.configFile) : findConfigFile(options.cwd);
  if (options.configFile && (!file || !existsSync(file))) {
    throw new SlipwayError('CONFIG_NOT_FOUND', `config file ${options.configFile} does not exist`, {
      fix: 'pass the path of an existing slipway.config.ts, or leave --config out',
    });
  }
  if (!file) return parseGateConfig(undefined, path.resolve(options.cwd));
  const raw = await loadRawConfig(file);
  const gate = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).gate : undefined;
  return parseGateConfig(gate, path.dirname(file), file);
}

/** The thresholds for a file: the longest module prefix that contains it, else the project's. */
export function thresholdsFor(
  config: Pick<GateConfig, 'modules' | 'thresholds'>,
  file: string,
): {
  module: string | undefined;
  thresholds: Thresholds;
} {
  for (const module of config.modules) {
    if (module.prefix === '' || file === module.prefix || file.startsWith(`${module.prefix}/`)) {
      return { module: module.prefix, thresholds: module.thresholds };
    }
  }
  return { module: undefined, thresholds: config.thresholds };
}

// The values that flow through the quality gate: changed lines, collected metrics, baselines and the typed result.

/** SonarQube's (and GitLab Code Quality's) severities, lowest first. */
export type Severity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';
export const SEVERITIES: readonly Severity[] = ['info', 'minor', 'major', 'critical', 'blocker'];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export type CollectorId =
  'coverage' | 'eslint' | 'duplication' | 'typescript' | 'audit' | 'images' | 'sonar' | 'loadtest';
export const COLLECTOR_IDS: readonly CollectorId[] = [
  'coverage',
  'eslint',
  'duplication',
  'typescript',
  'audit',
  'images',
  'sonar',
  'loadtest',
];

export type FileStatus = 'added' | 'modified' | 'renamed' | 'copied' | 'deleted' | 'type-changed';

/** One file of the merge request's diff; paths are relative to the repository root, with `/`. */
export interface ChangedFile {
  path: string;
  /** Set for renames and copies. */
  oldPath?: string;
  status: FileStatus;
  binary: boolean;
  /** Lines added or changed, numbered in the new file. Empty for deleted and binary files. */
  addedLines: number[];
}

export interface NewCode {
  /** The target branch as given, e.g. `main` or `origin/main`. */
  base: string;
  mergeBase: string;
  head: string;
  files: ChangedFile[];
}

export interface Issue {
  tool: 'eslint' | 'typescript';
  rule: string;
  severity: Severity;
  path: string;
  line: number;
  column?: number;
  message: string;
  /** The trimmed source line, so fingerprints survive code moving up or down. */
  snippet?: string;
}

/** Hit counts by line number, for each file. */
export type CoverageData = Map<string, Map<number, number>>;

export interface TestRun {
  total: number;
  failed: number;
  /** Test files with failures, and the failing test names. */
  failures: { path: string; name: string }[];
}

export interface DuplicateFragment {
  path: string;
  start: number;
  end: number;
}

export interface Duplication {
  totalLines: number;
  duplicatedLines: number;
  /** Percent of lines duplicated, 0-100. */
  density: number;
  blocks: { first: DuplicateFragment; second: DuplicateFragment; lines: number; tokens: number }[];
}

export type VulnerabilitySeverity = 'info' | 'low' | 'moderate' | 'high' | 'critical';

export interface Vulnerability {
  name: string;
  severity: VulnerabilitySeverity;
  title: string;
  range: string;
}

export interface ImageSize {
  component: string;
  image: string;
  bytes: number;
}

export interface SonarCondition {
  metricKey: string;
  status: 'OK' | 'WARN' | 'ERROR' | 'NONE';
  comparator: string;
  errorThreshold: string | undefined;
  actualValue: string | undefined;
}

export interface SonarResult {
  status: 'OK' | 'WARN' | 'ERROR' | 'NONE';
  conditions: SonarCondition[];
  measures: Record<string, number>;
  dashboardUrl: string;
}

/** What a collector found, one field per kind of measure. */
export interface Metrics {
  coverage?: CoverageData;
  tests?: TestRun;
  /** Issues by tool, with the files the tool looked at (`all`, or only the changed ones). */
  issues: { tool: Issue['tool']; scope: 'all' | 'changed'; files: string[]; list: Issue[] }[];
  duplication?: Duplication;
  vulnerabilities?: Vulnerability[];
  images?: ImageSize[];
  sonar?: SonarResult;
  /** The load test's own judgement (thresholds, baseline comparison), already in the gate's condition shape. */
  loadtest?: Condition[];
  /** Collectors whose service was unreachable while auto-detected: shown as not judged, never silently passed. */
  unavailable?: { collector: CollectorId; title: string; reason: string }[];
}

/** A collector that could not do its job: a tool missing, crashed, or a corrupt report. */
export interface CollectorFailure {
  collector: CollectorId;
  code: string;
  message: string;
  fix: string;
  details: string[];
}

export type Better = 'higher' | 'lower';

export interface MetricValue {
  value: number;
  better: Better;
}

/** Per-file facts kept in a baseline, so an incremental run can compute overall numbers. */
export interface FileBaseline {
  /** [covered, coverable] lines. */
  coverage?: [number, number];
  /** Issue counts keyed `<tool>.<severity>`. */
  issues?: Record<string, number>;
}

export interface Baseline {
  version: 1;
  branch: string;
  commit: string;
  recordedAt: string;
  metrics: Record<string, MetricValue>;
  files: Record<string, FileBaseline>;
}

export type Verdict = 'passed' | 'failed' | 'error' | 'no-baseline';

export interface Location {
  path: string;
  lines: number[];
  /** What is wrong there, e.g. `eslint no-unused-vars (major): 'x' is defined but never used`. */
  message?: string;
}

export interface Condition {
  /** e.g. `new_coverage`, `new_coverage@packages/legacy`, `overall:eslint.major`, `tests`. */
  id: string;
  scope: 'new' | 'overall';
  /** One-line description for humans. */
  title: string;
  value: number | null;
  /** `>= 80`, `<= 3`, `<= 12.5 (baseline)`. */
  threshold: string;
  passed: boolean;
  /** False when the condition was not judged (too few new lines, nothing measured); then it never fails. */
  judged: boolean;
  note?: string;
  /** The module (path prefix) whose thresholds applied, when not the project's. */
  module?: string;
  locations: Location[];
}

export interface GateResult {
  verdict: Verdict;
  base: string;
  mergeBase: string;
  head: string;
  baseline: { branch: string; commit: string; recordedAt: string } | null;
  conditions: Condition[];
  errors: CollectorFailure[];
  /** New-code facts, for the summary. */
  newCode: { files: number; lines: number; binaryFiles: string[]; deletedFiles: string[] };
  /** All issues the tools found (the reports list them, marked new when on a changed line). */
  issues: (Issue & { isNew: boolean })[];
  metrics: Record<string, MetricValue>;
}

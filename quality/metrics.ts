// Overall metrics from what the collectors found, and the per-file facts a baseline keeps; pure functions.
import picomatch from 'picomatch';
import { DUPLICATION_IGNORES } from './plan.js';
import {
  SEVERITIES,
  type Baseline,
  type ChangedFile,
  type CoverageData,
  type FileBaseline,
  type Issue,
  type MetricValue,
  type Metrics,
  type NewCode,
} from './types.js';

const COVERAGE_SOURCE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx', '.vue', '.svelte'];
const DUPLICATION_SOURCE_EXTENSIONS = [
  ...COVERAGE_SOURCE_EXTENSIONS,
  ...[
    '.css',
    '.scss',
    '.less',
    '.py',
    '.java',
    '.kt',
    '.go',
    '.rs',
    '.cs',
    '.php',
    '.rb',
    '.c',
    '.h',
    '.cpp',
    '.cc',
    '.hpp',
    '.swift',
  ],
];
/** Files never judged on coverage: tests, declarations, configs, fixtures. */
export const COVERAGE_EXCLUDES = [
  '**/*.test.*',
  '**/*.spec.*',
  '**/__tests__/**',
  '**/__mocks__/**',
  '**/test/**',
  '**/tests/**',
  '**/e2e/**',
  '**/fixtures/**',
  '**/*.d.ts',
  '**/*.config.*',
  '**/node_modules/**',
  '**/dist/**',
];

function extension(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}

/** Whether a changed file is source code that tests should cover. */
export function isCoverageSource(file: string, exclude: string[]): boolean {
  if (!COVERAGE_SOURCE_EXTENSIONS.includes(extension(file))) return false;
  return !picomatch([...COVERAGE_EXCLUDES, ...exclude], { dot: true })(file);
}

/** Whether jscpd looks at a file with slipway's default formats and ignores. */
export function isDuplicationSource(file: string, ignore: string[]): boolean {
  if (!DUPLICATION_SOURCE_EXTENSIONS.includes(extension(file))) return false;
  return !picomatch([...DUPLICATION_IGNORES, ...ignore], { dot: true })(file);
}

/**
 * A guess at whether a line holds executable code, for changed files the coverage report does not list
 * (vitest only reports files a test loaded): such a file's new code counts as uncovered, never as absent.
 */
export function isCodeLine(text: string): boolean {
  const line = text.trim();
  if (line === '') return false;
  if (/^(\/\/|\/\*|\*|\*\/)/.test(line)) return false;
  if (/^[\s{}()[\];,]*$/.test(line)) return false;
  if (/^(export\s+)?(declare\s+)?(interface|type)\s/.test(line) || /^import\s+type\s/.test(line)) return false;
  return true;
}

/** [covered, coverable] lines of one file. */
export function fileCoverage(lines: Map<number, number>): [number, number] {
  let covered = 0;
  for (const hits of lines.values()) if (hits > 0) covered++;
  return [covered, lines.size];
}

function percent(part: number, whole: number): number {
  return whole === 0 ? 100 : Math.round((part / whole) * 10000) / 100;
}

export function overallCoverage(coverage: CoverageData): number {
  let covered = 0;
  let total = 0;
  for (const lines of coverage.values()) {
    const [c, t] = fileCoverage(lines);
    covered += c;
    total += t;
  }
  return percent(covered, total);
}

function issueKey(issue: Pick<Issue, 'tool' | 'severity'>): string {
  return `${issue.tool}.${issue.severity}`;
}

/** Per-file facts for a baseline: coverage counts and issue counts by tool and severity. */
export function fileFacts(metrics: Metrics): Record<string, FileBaseline> {
  const files: Record<string, FileBaseline> = {};
  const entry = (path: string) => (files[path] ??= {});
  for (const [path, lines] of metrics.coverage ?? []) entry(path).coverage = fileCoverage(lines);
  for (const group of metrics.issues) {
    if (group.tool !== 'eslint') continue;
    for (const issue of group.list) {
      const issues = (entry(issue.path).issues ??= {});
      issues[issueKey(issue)] = (issues[issueKey(issue)] ?? 0) + 1;
    }
  }
  return files;
}

/**
 * Current overall metrics. ESLint may have linted only the changed files: then its totals are the baseline's,
 * minus what the baseline counted in the changed, renamed and deleted files, plus what this run found in them.
 */
export function overallMetrics(
  metrics: Metrics,
  baseline: Baseline | undefined,
  changed: ChangedFile[],
): Record<string, MetricValue> {
  const values: Record<string, MetricValue> = {};
  const lower = (value: number): MetricValue => ({ value, better: 'lower' });
  if (metrics.coverage) values['coverage.lines'] = { value: overallCoverage(metrics.coverage), better: 'higher' };
  for (const group of metrics.issues) {
    if (group.tool === 'typescript') {
      values['typescript.errors'] = lower(group.list.filter((i) => i.severity === 'critical').length);
      continue;
    }
    const counts = Object.fromEntries(SEVERITIES.map((s) => [`eslint.${s}`, 0])) as Record<string, number>;
    if (group.scope === 'changed') {
      if (!baseline) continue;
      const replaced = new Set<string>(group.files);
      for (const file of changed) {
        if (file.status === 'deleted') replaced.add(file.path);
        if (file.status === 'renamed' && file.oldPath) replaced.add(file.oldPath);
      }
      for (const key of Object.keys(counts)) counts[key] = baseline.metrics[key]?.value ?? 0;
      for (const file of replaced) {
        for (const [key, n] of Object.entries(baseline.files[file]?.issues ?? {})) counts[key] = (counts[key] ?? 0) - n;
      }
    }
    for (const issue of group.list) counts[issueKey(issue)] = (counts[issueKey(issue)] ?? 0) + 1;
    for (const [key, n] of Object.entries(counts)) values[key] = lower(Math.max(0, n));
  }
  if (metrics.duplication) values['duplication.density'] = lower(Math.round(metrics.duplication.density * 100) / 100);
  if (metrics.vulnerabilities) {
    for (const level of ['low', 'moderate', 'high', 'critical'] as const) {
      values[`vulnerabilities.${level}`] = lower(metrics.vulnerabilities.filter((v) => v.severity === level).length);
    }
  }
  for (const image of metrics.images ?? []) values[`image.${image.component}.bytes`] = lower(image.bytes);
  for (const [key, value] of Object.entries(metrics.sonar?.measures ?? {})) {
    values[`sonar.${key}`] = { value, better: /coverage/.test(key) ? 'higher' : 'lower' };
  }
  return values;
}

/** The baseline a `--record` run stores. */
export function buildBaseline(input: { branch: string; commit: string; metrics: Metrics; now: Date }): Baseline {
  return {
    version: 1,
    branch: input.branch,
    commit: input.commit,
    recordedAt: input.now.toISOString(),
    metrics: overallMetrics(input.metrics, undefined, []),
    files: fileFacts(input.metrics),
  };
}

/** The changed files' added lines, as sets, keyed by path. */
export function addedLineSets(newCode: NewCode | undefined): Map<string, Set<number>> {
  const sets = new Map<string, Set<number>>();
  for (const file of newCode?.files ?? []) {
    if (file.status !== 'deleted' && !file.binary) sets.set(file.path, new Set(file.addedLines));
  }
  return sets;
}

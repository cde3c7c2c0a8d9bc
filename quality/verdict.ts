// The judgement: new-code conditions per module, the overall ratchet against the baseline, the verdict. Pure.
import type { GateConfig, Thresholds } from './config.js';
import { thresholdsFor } from './config.js';
import { addedLineSets, isCodeLine, isCoverageSource, isDuplicationSource, overallMetrics } from './metrics.js';
import {
  severityRank,
  type Baseline,
  type CollectorFailure,
  type Condition,
  type GateResult,
  type Issue,
  type Location,
  type MetricValue,
  type Metrics,
  type NewCode,
  type Verdict,
} from './types.js';

export interface VerdictInput {
  newCode: NewCode;
  metrics: Metrics;
  baseline: Baseline | undefined;
  config: Pick<GateConfig, 'thresholds' | 'modules' | 'overall' | 'coverage' | 'duplication'>;
  failures: CollectorFailure[];
  /** The text of each changed, non-binary, non-deleted file, by line (index 0 is line 1). */
  fileLines: Map<string, string[]>;
}

interface Group {
  module: string | undefined;
  thresholds: Thresholds;
  /** Non-blank added lines by file. */
  lines: Map<string, number[]>;
}

function groupsOf(input: VerdictInput): Group[] {
  const groups = new Map<string, Group>();
  for (const file of input.newCode.files) {
    if (file.status === 'deleted' || file.binary) continue;
    const { module, thresholds } = thresholdsFor(input.config, file.path);
    const key = module ?? '';
    const group = groups.get(key) ?? { module, thresholds, lines: new Map<string, number[]>() };
    groups.set(key, group);
    const text = input.fileLines.get(file.path) ?? [];
    group.lines.set(
      file.path,
      file.addedLines.filter((n) => (text[n - 1] ?? '').trim() !== ''),
    );
  }
  if (groups.size === 0) groups.set('', { module: undefined, thresholds: input.config.thresholds, lines: new Map() });
  return [...groups.values()].sort((a, b) => (a.module ?? '').localeCompare(b.module ?? ''));
}

function count(lines: Map<string, number[]>): number {
  let n = 0;
  for (const list of lines.values()) n += list.length;
  return n;
}

function idFor(base: string, module: string | undefined): string {
  return module === undefined ? base : `${base}@${module}`;
}

function rounded(value: number): number {
  return Math.round(value * 100) / 100;
}

function newCoverageCondition(input: VerdictInput, group: Group, newLines: number): Condition | undefined {
  const coverage = input.metrics.coverage;
  if (!coverage) return undefined;
  const { thresholds, module } = group;
  let coverable = 0;
  let covered = 0;
  const locations: Location[] = [];
  for (const [path, lines] of group.lines) {
    if (!isCoverageSource(path, input.config.coverage.exclude)) continue;
    const measured = coverage.get(path);
    const text = input.fileLines.get(path) ?? [];
    const uncovered: number[] = [];
    for (const line of lines) {
      const hits = measured ? measured.get(line) : isCodeLine(text[line - 1] ?? '') ? 0 : undefined;
      if (hits === undefined) continue;
      coverable++;
      if (hits > 0) covered++;
      else uncovered.push(line);
    }
    if (uncovered.length > 0) {
      locations.push({
        path,
        lines: uncovered,
        message: measured
          ? 'new lines not covered by any test'
          : 'no test loads this file (absent from the coverage report)',
      });
    }
  }
  const value = coverable === 0 ? null : rounded((covered / coverable) * 100);
  const tooSmall = newLines < thresholds.minNewLines;
  const judged = !tooSmall && value !== null;
  const passed = !judged || (value ?? 100) >= thresholds.newCoverage;
  return {
    id: idFor('new_coverage', module),
    scope: 'new',
    title: `Coverage of new lines${module ? ` in ${module}` : ''}`,
    value,
    threshold: `>= ${thresholds.newCoverage}`,
    passed,
    judged,
    ...(tooSmall
      ? { note: `not judged: ${newLines} new lines, fewer than ${thresholds.minNewLines}` }
      : value === null
        ? { note: 'not judged: no coverable new lines' }
        : { note: `${covered} of ${coverable} coverable new lines covered` }),
    ...(module ? { module } : {}),
    locations,
  };
}

function newDuplicationCondition(input: VerdictInput, group: Group, newLines: number): Condition | undefined {
  const duplication = input.metrics.duplication;
  if (!duplication) return undefined;
  const { thresholds, module } = group;
  const fragments = new Map<string, [number, number][]>();
  for (const block of duplication.blocks) {
    for (const fragment of [block.first, block.second]) {
      const list = fragments.get(fragment.path) ?? [];
      list.push([fragment.start, fragment.end]);
      fragments.set(fragment.path, list);
    }
  }
  let considered = 0;
  let duplicated = 0;
  const locations: Location[] = [];
  for (const [path, lines] of group.lines) {
    if (!isDuplicationSource(path, input.config.duplication.ignore)) continue;
    considered += lines.length;
    const ranges = fragments.get(path) ?? [];
    const inBlocks = lines.filter((line) => ranges.some(([start, end]) => line >= start && line <= end));
    duplicated += inBlocks.length;
    if (inBlocks.length > 0) locations.push({ path, lines: inBlocks, message: 'new lines duplicated elsewhere' });
  }
  const value = considered === 0 ? null : rounded((duplicated / considered) * 100);
  const tooSmall = newLines < thresholds.minNewLines;
  const judged = !tooSmall && value !== null;
  return {
    id: idFor('new_duplicated_lines_density', module),
    scope: 'new',
    title: `Duplicated new lines${module ? ` in ${module}` : ''}`,
    value,
    threshold: `<= ${thresholds.newDuplication}`,
    passed: !judged || (value ?? 0) <= thresholds.newDuplication,
    judged,
    ...(tooSmall
      ? { note: `not judged: ${newLines} new lines, fewer than ${thresholds.minNewLines}` }
      : value === null
        ? { note: 'not judged: no new source lines' }
        : { note: `${duplicated} of ${considered} new lines duplicated` }),
    ...(module ? { module } : {}),
    locations,
  };
}

export function describeIssue(issue: Issue): string {
  return `${issue.tool} ${issue.rule} (${issue.severity}): ${issue.message}`;
}

function newIssuesCondition(group: Group, newIssues: Issue[], toolsRan: boolean): Condition | undefined {
  if (!toolsRan) return undefined;
  const { thresholds, module } = group;
  const inGroup = newIssues.filter((issue) => group.lines.has(issue.path));
  const counted = inGroup.filter((issue) => severityRank(issue.severity) >= severityRank(thresholds.newIssueSeverity));
  const bySeverity = new Map<string, number>();
  for (const issue of inGroup) bySeverity.set(issue.severity, (bySeverity.get(issue.severity) ?? 0) + 1);
  return {
    id: idFor('new_issues', module),
    scope: 'new',
    title: `New issues of severity ${thresholds.newIssueSeverity} or above${module ? ` in ${module}` : ''}`,
    value: counted.length,
    threshold: `<= ${thresholds.maxNewIssues}`,
    passed: counted.length <= thresholds.maxNewIssues,
    judged: true,
    note:
      inGroup.length === 0
        ? 'no issue on new lines'
        : `on new lines: ${[...bySeverity].map(([s, n]) => `${n} ${s}`).join(', ')}`,
    ...(module ? { module } : {}),
    locations: counted.map((issue) => ({ path: issue.path, lines: [issue.line], message: describeIssue(issue) })),
  };
}

function testsCondition(metrics: Metrics): Condition | undefined {
  const tests = metrics.tests;
  if (!tests) return undefined;
  const byFile = new Map<string, string[]>();
  for (const failure of tests.failures) byFile.set(failure.path, [...(byFile.get(failure.path) ?? []), failure.name]);
  return {
    id: 'tests',
    scope: 'overall',
    title: 'Failing tests',
    value: tests.failed,
    threshold: '<= 0',
    passed: tests.failed === 0,
    judged: true,
    note: `${tests.total - tests.failed} of ${tests.total} tests passed`,
    locations: [...byFile].map(([path, names]) => ({ path, lines: [], message: names.join('; ') })),
  };
}

/** The tolerance for a metric: an exact id, else the longest `prefix*` pattern; `"5%"` is relative to the baseline. */
export function toleranceFor(
  metric: string,
  baselineValue: number,
  tolerance: Record<string, number | string>,
): number {
  let chosen: number | string | undefined = tolerance[metric];
  if (chosen === undefined) {
    const patterns = Object.keys(tolerance)
      .filter((key) => key.endsWith('*') && metric.startsWith(key.slice(0, -1)))
      .sort((a, b) => b.length - a.length);
    chosen = patterns[0] === undefined ? undefined : tolerance[patterns[0]];
  }
  if (chosen === undefined) return 0;
  if (typeof chosen === 'number') return chosen;
  return (Math.abs(baselineValue) * Number(chosen.slice(0, -1))) / 100;
}

function matchesAny(metric: string, patterns: string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? metric.startsWith(p.slice(0, -1)) : metric === p));
}

function ratchetLocations(metric: string, input: VerdictInput, changedPaths: Set<string>): Location[] {
  const { metrics, baseline } = input;
  const issues = (tool: Issue['tool'], keep: (i: Issue) => boolean) => {
    const all = metrics.issues.filter((g) => g.tool === tool).flatMap((g) => g.list.filter(keep));
    const inChanged = all.filter((i) => changedPaths.has(i.path));
    return (inChanged.length > 0 ? inChanged : all)
      .slice(0, 50)
      .map((i) => ({ path: i.path, lines: [i.line], message: describeIssue(i) }));
  };
  if (metric.startsWith('eslint.')) return issues('eslint', (i) => `eslint.${i.severity}` === metric);
  if (metric === 'typescript.errors') return issues('typescript', (i) => i.severity === 'critical');
  if (metric === 'coverage.lines') {
    const locations: Location[] = [];
    for (const [path, lines] of metrics.coverage ?? []) {
      const before = baseline?.files[path]?.coverage;
      let covered = 0;
      for (const hits of lines.values()) if (hits > 0) covered++;
      const now = lines.size === 0 ? 100 : (covered / lines.size) * 100;
      const then = before ? (before[1] === 0 ? 100 : (before[0] / before[1]) * 100) : undefined;
      if ((then !== undefined && now < then - 0.01) || (then === undefined && changedPaths.has(path) && now < 100)) {
        const uncovered = [...lines].filter(([, hits]) => hits === 0).map(([line]) => line);
        locations.push({
          path,
          lines: uncovered.filter((line) =>
            input.newCode.files.some((f) => f.path === path && f.addedLines.includes(line)),
          ),
          message: `file coverage ${rounded(now)}%${then === undefined ? ' (new file)' : ` (was ${rounded(then)}%)`}`,
        });
      }
    }
    return locations;
  }
  if (metric === 'duplication.density') {
    return (metrics.duplication?.blocks ?? [])
      .flatMap((b) => [b.first, b.second])
      .filter((f) => changedPaths.has(f.path))
      .map((f) => ({ path: f.path, lines: range(f.start, f.end), message: 'duplicated block' }));
  }
  if (metric.startsWith('vulnerabilities.')) {
    const level = metric.slice('vulnerabilities.'.length);
    return (metrics.vulnerabilities ?? [])
      .filter((v) => v.severity === level)
      .map((v) => ({ path: 'package-lock.json', lines: [], message: `${v.name} ${v.range}: ${v.title}` }));
  }
  if (metric.startsWith('image.')) {
    const component = metric.slice('image.'.length, -'.bytes'.length);
    const image = metrics.images?.find((i) => i.component === component);
    return image ? [{ path: component, lines: [], message: `${image.image}: ${image.bytes} bytes` }] : [];
  }
  return [];
}

function range(start: number, end: number): number[] {
  return Array.from({ length: Math.max(0, end - start + 1) }, (_, i) => start + i);
}

function ratchetConditions(input: VerdictInput, current: Record<string, MetricValue>): Condition[] {
  const { baseline, config } = input;
  if (!baseline || !config.overall.enabled) return [];
  const changedPaths = new Set(input.newCode.files.map((f) => f.path));
  const conditions: Condition[] = [];
  for (const [metric, now] of Object.entries(current).sort(([a], [b]) => a.localeCompare(b))) {
    const then = baseline.metrics[metric];
    if (!then || metric.startsWith('sonar.') || matchesAny(metric, config.overall.ignore)) continue;
    const tolerance = toleranceFor(metric, then.value, config.overall.tolerance);
    const limit = now.better === 'lower' ? then.value + tolerance : then.value - tolerance;
    const passed = now.better === 'lower' ? now.value <= limit + 1e-9 : now.value >= limit - 1e-9;
    conditions.push({
      id: `overall:${metric}`,
      scope: 'overall',
      title: `${metric} no worse than on ${baseline.branch}`,
      value: now.value,
      threshold: `${now.better === 'lower' ? '<=' : '>='} ${rounded(limit)}`,
      passed,
      judged: true,
      note: `baseline ${then.value} at ${baseline.commit.slice(0, 12)}${tolerance ? `, tolerance ${rounded(tolerance)}` : ''}`,
      locations: passed ? [] : ratchetLocations(metric, input, changedPaths),
    });
  }
  return conditions;
}

const COMPARATORS: Record<string, string> = { LT: '>=', GT: '<=', EQ: '!=', NE: '==' };

function sonarConditions(metrics: Metrics): Condition[] {
  const sonar = metrics.sonar;
  if (!sonar) return [];
  const conditions: Condition[] = sonar.conditions.map((c) => ({
    id: `sonar:${c.metricKey}`,
    scope: c.metricKey.startsWith('new_') ? 'new' : 'overall',
    title: `SonarQube ${c.metricKey}`,
    value: c.actualValue === undefined ? null : Number(c.actualValue),
    // SonarQube gives the failing side (LT 80 fails below 80); show the passing side like the other conditions
    threshold: `${COMPARATORS[c.comparator] ?? c.comparator} ${c.errorThreshold ?? ''}`.trim(),
    passed: c.status !== 'ERROR',
    judged: c.status !== 'NONE',
    locations: [],
    note: sonar.dashboardUrl,
  }));
  if (sonar.status === 'ERROR' && conditions.every((c) => c.passed)) {
    conditions.push({
      id: 'sonar:quality_gate',
      scope: 'overall',
      title: 'SonarQube quality gate',
      value: null,
      threshold: 'OK',
      passed: false,
      judged: true,
      locations: [],
      note: sonar.dashboardUrl,
    });
  }
  return conditions;
}

/** error beats failed beats no-baseline beats passed: new code is judged even before the first baseline. */
export function verdictOf(
  conditions: Condition[],
  failures: CollectorFailure[],
  hasBaseline: boolean,
  ratchetOn: boolean,
): Verdict {
  if (failures.length > 0) return 'error';
  if (conditions.some((c) => c.judged && !c.passed)) return 'failed';
  if (ratchetOn && !hasBaseline) return 'no-baseline';
  return 'passed';
}

export function judge(input: VerdictInput): GateResult {
  const { newCode, metrics, baseline, failures } = input;
  const added = addedLineSets(newCode);
  const allIssues = metrics.issues.flatMap((g) => g.list);
  const issues = allIssues.map((issue) => ({ ...issue, isNew: added.get(issue.path)?.has(issue.line) ?? false }));
  const newIssues = issues.filter((i) => i.isNew);
  const conditions: Condition[] = [];
  for (const group of groupsOf(input)) {
    const newLines = count(group.lines);
    const candidates = [
      newCoverageCondition(input, group, newLines),
      newDuplicationCondition(input, group, newLines),
      newIssuesCondition(group, newIssues, metrics.issues.length > 0),
    ];
    for (const condition of candidates) if (condition) conditions.push(condition);
  }
  const tests = testsCondition(metrics);
  if (tests) conditions.push(tests);
  for (const missing of metrics.unavailable ?? []) {
    conditions.push({
      id: missing.collector,
      scope: 'overall',
      title: missing.title,
      value: null,
      threshold: '-',
      passed: true,
      judged: false,
      note: `not judged: ${missing.reason}`,
      locations: [],
    });
  }
  const current = overallMetrics(metrics, baseline, newCode.files);
  conditions.push(...ratchetConditions(input, current), ...sonarConditions(metrics), ...(metrics.loadtest ?? []));
  const textFiles = newCode.files.filter((f) => f.status !== 'deleted' && !f.binary);
  return {
    verdict: verdictOf(conditions, failures, baseline !== undefined, input.config.overall.enabled),
    base: newCode.base,
    mergeBase: newCode.mergeBase,
    head: newCode.head,
    baseline: baseline ? { branch: baseline.branch, commit: baseline.commit, recordedAt: baseline.recordedAt } : null,
    conditions,
    errors: failures,
    newCode: {
      files: newCode.files.length,
      lines: textFiles.reduce((n, f) => n + f.addedLines.length, 0),
      binaryFiles: newCode.files.filter((f) => f.binary).map((f) => f.path),
      deletedFiles: newCode.files.filter((f) => f.status === 'deleted').map((f) => f.path),
    },
    issues,
    metrics: current,
  };
}

/** 0 passed or no-baseline, 1 failed, 3 a tool failed. */
export function exitCodeFor(verdict: Verdict): 0 | 1 | 3 {
  return verdict === 'failed' ? 1 : verdict === 'error' ? 3 : 0;
}

// The merge-request report: gate verdict, preview URLs, k6 comparison and what was built (and why), as one Markdown
// comment plus the status, annotations and deployments that go with it. Pure: inputs in, a plan out.
import { renderMarkdown as renderLoadtestMarkdown } from '../loadtest/reports.js';
import type { LoadtestResult } from '../loadtest/result.js';
import { lineRanges } from '../quality/reporters/findings.js';
import { renderMarkdown as renderGateMarkdown } from '../quality/reporters/markdown.js';
import type { Condition, GateResult } from '../quality/types.js';
import type { Annotation, ReportState } from '../platforms/types.js';

/** What `slipway gate --json` prints: the result without the issue list. */
export type GateSummary = Omit<GateResult, 'issues'>;

/** A step that ran and failed before producing its result (its `--json` printed `{ error }`). */
export interface StepError {
  code: string;
  message: string;
  fix: string;
}

export interface BuiltComponent {
  id: string;
  kind: string;
  image: string;
  built: boolean;
  reason: string;
}

export interface PreviewEnvironment {
  name: string;
  /** The branch's slug (GitLab's CI_COMMIT_REF_SLUG). */
  slug: string;
  branch: string;
  /** Preview URL by component id. */
  urls: Record<string, string>;
  /** The URL that stands for the environment: the first front's, else the first back's, else the first. */
  entryUrl: string | undefined;
}

export type Input<T> =
  | { kind: 'ok'; value: T; source: string }
  | { kind: 'error'; error: StepError; source: string }
  | { kind: 'absent'; looked: string[] };

export interface MrReportInputs {
  project: string;
  sha: string | undefined;
  runUrl: string | undefined;
  gate: Input<GateSummary>;
  loadtest: Input<LoadtestResult>;
  build: Input<BuiltComponent[]>;
  environments: Input<PreviewEnvironment[]>;
}

export interface PlannedDeployment {
  environment: string;
  slug: string;
  branch: string;
  url: string;
}

export interface MrReportPlan {
  /** The hidden first line the comment is found by again. */
  marker: string;
  /** The whole comment: the marker, then the Markdown; at most `maxLength` characters. */
  body: string;
  state: ReportState;
  /** One line for the status (GitLab's description, GitHub's check run title). */
  title: string;
  annotations: Annotation[];
  /** Failed places beyond MAX_ANNOTATIONS, named in the summary only. */
  annotationsLeftOut: number;
  deployments: PlannedDeployment[];
  /** Parts dropped so the comment fits the forge's limit. */
  shortened: string[];
}

/** GitHub stores at most 65,536 characters in a comment; GitLab 1,000,000 in a note. */
export const DEFAULT_MAX_LENGTH = 65_536;
/** GitHub takes 50 annotations per request and the UI lists about this many; the rest are in the summary. */
export const MAX_ANNOTATIONS = 500;

/**
 * One comment per project: two slipway projects in one repository each keep their own. The name is URI-encoded so
 * that nothing in it (`-->`) can end the HTML comment.
 */
export function reportMarker(project: string): string {
  return `<!-- slipway:mr-report project="${encodeURIComponent(project)}" -->`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Embedded reports start at `##`; inside the comment they sit one level lower. */
function demote(markdown: string): string {
  return markdown.replace(/^### /gm, '#### ').replace(/^## /gm, '### ').trimEnd();
}

function shortImage(image: string): string {
  const match = /^(.*@sha256:)([0-9a-f]{64})$/.exec(image);
  return match ? `${match[1]}${match[2]!.slice(0, 12)}…` : image;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

interface Row {
  icon: string;
  label: string;
  text: string;
  failed: boolean;
  judged: boolean;
}

function gateRow(input: Input<GateSummary>): Row {
  if (input.kind === 'absent')
    return { icon: '➖', label: 'Quality gate', text: 'not run in this pipeline', failed: false, judged: false };
  if (input.kind === 'error') {
    return {
      icon: '⚠️',
      label: 'Quality gate',
      text: `could not run: ${input.error.code} ${input.error.message}`,
      failed: true,
      judged: true,
    };
  }
  const gate = input.value;
  const judged = gate.conditions.filter((c) => c.judged);
  const failed = judged.filter((c) => !c.passed);
  const counts = `${plural(judged.length, 'condition')} judged, ${failed.length} failed`;
  switch (gate.verdict) {
    case 'passed':
      return { icon: '✅', label: 'Quality gate', text: `passed (${counts})`, failed: false, judged: true };
    case 'no-baseline':
      return {
        icon: '✅',
        label: 'Quality gate',
        text: `new code passed; no baseline of \`${gate.base}\` to compare the overall code with yet`,
        failed: false,
        judged: true,
      };
    case 'failed':
      return {
        icon: '❌',
        label: 'Quality gate',
        text: `failed: ${failed.map((c) => `\`${c.id}\``).join(', ')}`,
        failed: true,
        judged: true,
      };
    case 'error':
      return {
        icon: '⚠️',
        label: 'Quality gate',
        text: `could not judge: ${gate.errors.map((e) => `${e.collector} (${e.code})`).join(', ') || 'a tool failed'}`,
        failed: true,
        judged: true,
      };
  }
}

function ms(value: number): string {
  return `${Number(value.toFixed(1))} ms`;
}

function loadtestRow(input: Input<LoadtestResult>): Row {
  if (input.kind === 'absent')
    return { icon: '➖', label: 'Load test', text: 'not run in this pipeline', failed: false, judged: false };
  if (input.kind === 'error') {
    return {
      icon: '⚠️',
      label: 'Load test',
      text: `could not run: ${input.error.code} ${input.error.message}`,
      failed: true,
      judged: true,
    };
  }
  const result = input.value;
  const overall = result.metrics.overall;
  const numbers = `p95 ${ms(overall.p95)}, p99 ${ms(overall.p99)}, errors ${Number((overall.errorRate * 100).toFixed(2))}%`;
  const regressions = result.comparison?.regressions.length ?? 0;
  const compared = result.comparison
    ? `; ${plural(regressions, 'regression')} against the baseline`
    : result.missingBaseline
      ? '; no baseline yet'
      : '';
  if (result.verdict === 'failed') {
    return {
      icon: '❌',
      label: 'Load test',
      text: `failed on \`${result.environment.name}\`: ${result.failures.length} ${result.failures.length === 1 ? 'failure' : 'failures'} (${numbers}${compared})`,
      failed: true,
      judged: true,
    };
  }
  return {
    icon: '✅',
    label: 'Load test',
    text: `passed on \`${result.environment.name}\` (${numbers}${compared})`,
    failed: false,
    judged: true,
  };
}

function previewRow(input: Input<PreviewEnvironment[]>): Row {
  if (input.kind === 'absent')
    return {
      icon: '➖',
      label: 'Preview',
      text: 'no preview environment in this pipeline',
      failed: false,
      judged: false,
    };
  if (input.kind === 'error') {
    return {
      icon: '❌',
      label: 'Preview',
      text: `env up failed: ${input.error.code} ${input.error.message}`,
      failed: true,
      judged: true,
    };
  }
  const links = input.value.flatMap((env) => (env.entryUrl ? [`[${env.name}](${env.entryUrl})`] : [`\`${env.name}\``]));
  return { icon: '🌐', label: 'Preview', text: links.join(' · ') || 'no URL', failed: false, judged: false };
}

function buildRow(input: Input<BuiltComponent[]>): Row {
  if (input.kind === 'absent')
    return { icon: '➖', label: 'Images', text: 'no build manifest in this pipeline', failed: false, judged: false };
  if (input.kind === 'error') {
    return {
      icon: '❌',
      label: 'Images',
      text: `build failed: ${input.error.code} ${input.error.message}`,
      failed: true,
      judged: true,
    };
  }
  const built = input.value.filter((c) => c.built).length;
  return {
    icon: '📦',
    label: 'Images',
    text: `${built} built, ${input.value.length - built} reused`,
    failed: false,
    judged: false,
  };
}

function previewSection(environments: PreviewEnvironment[]): string[] {
  return environments.flatMap((env) => [
    `### Preview \`${env.name}\` (branch \`${cell(env.branch)}\`)`,
    '',
    '| Component | URL |',
    '|---|---|',
    ...Object.entries(env.urls).map(([id, url]) => `| ${cell(id)} | ${url} |`),
    '',
  ]);
}

function buildSection(components: BuiltComponent[]): string[] {
  if (components.length === 0) return [];
  return [
    '### Images: what was built and why',
    '',
    '| Component | | Image | Why |',
    '|---|---|---|---|',
    ...components.map(
      (c) =>
        `| ${cell(c.id)} | ${c.built ? 'built' : 'reused'} | \`${cell(shortImage(c.image))}\` | ${cell(c.reason)} |`,
    ),
    '',
  ];
}

function details(summary: string, body: string, open: boolean): string[] {
  return [`<details${open ? ' open' : ''}><summary>${summary}</summary>`, '', body, '', '</details>', ''];
}

/** Failed places of failed conditions, one annotation per line range (new code: failure; overall: warning). */
export function annotationsFrom(conditions: Condition[]): Annotation[] {
  const seen = new Set<string>();
  const annotations: Annotation[] = [];
  for (const condition of conditions) {
    if (!condition.judged || condition.passed) continue;
    for (const location of condition.locations) {
      // annotations belong to files of the repository: absolute or outside paths (a report file) are left out
      if (location.path.startsWith('/') || location.path.split('/').includes('..') || location.path === '') continue;
      const ranges = location.lines.length > 0 ? lineRanges(location.lines) : [[1, 1] as [number, number]];
      for (const [startLine, endLine] of ranges) {
        const key = `${condition.id}\u0000${location.path}\u0000${startLine}\u0000${endLine}`;
        if (seen.has(key)) continue;
        seen.add(key);
        annotations.push({
          path: location.path,
          startLine,
          endLine,
          level: condition.scope === 'new' ? 'failure' : 'warning',
          title: condition.id,
          message: location.message ? `${condition.title}: ${location.message}` : condition.title,
        });
      }
    }
  }
  return annotations;
}

function stateOf(rows: Row[]): ReportState {
  if (rows.some((r) => r.failed)) return 'failure';
  return rows.some((r) => r.judged) ? 'success' : 'neutral';
}

function titleOf(rows: Row[], state: ReportState): string {
  const words: Record<string, string> = {
    'Quality gate': 'gate',
    'Load test': 'load test',
  };
  const parts = rows
    .filter((r) => r.judged && words[r.label])
    .map((r) => `${words[r.label]} ${r.failed ? (r.icon === '⚠️' ? 'error' : 'failed') : 'passed'}`);
  const text = parts.length > 0 ? parts.join(', ') : state === 'failure' ? 'a step failed' : 'nothing judged';
  return text.length > 250 ? `${text.slice(0, 249)}…` : text;
}

const HEADLINE: Record<ReportState, string> = {
  success: '✅',
  failure: '❌',
  neutral: 'ℹ️',
};

interface Part {
  /** Named in `shortened` when dropped. */
  name: string;
  full: string[];
  short: string[];
}

export function planMrReport(inputs: MrReportInputs, options: { maxLength?: number } = {}): MrReportPlan {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const marker = reportMarker(inputs.project);
  const rows = [
    gateRow(inputs.gate),
    loadtestRow(inputs.loadtest),
    previewRow(inputs.environments),
    buildRow(inputs.build),
  ];
  const state = stateOf(rows);
  const gate = inputs.gate.kind === 'ok' ? inputs.gate.value : undefined;
  const loadtest = inputs.loadtest.kind === 'ok' ? inputs.loadtest.value : undefined;
  const gateIds = new Set(gate?.conditions.map((c) => c.id) ?? []);
  const conditions = [...(gate?.conditions ?? []), ...(loadtest?.conditions.filter((c) => !gateIds.has(c.id)) ?? [])];
  const all = annotationsFrom(conditions);
  const annotations = all.slice(0, MAX_ANNOTATIONS);
  const environments = inputs.environments.kind === 'ok' ? inputs.environments.value : [];
  const components = inputs.build.kind === 'ok' ? inputs.build.value : [];

  const head = [
    marker,
    `## ${HEADLINE[state]} slipway: ${inputs.project}`,
    '',
    [
      inputs.sha ? `Commit \`${inputs.sha.slice(0, 12)}\`` : undefined,
      inputs.runUrl ? `[pipeline](${inputs.runUrl})` : undefined,
      'this comment is updated on every push',
    ]
      .filter(Boolean)
      .join(' · '),
    '',
    '| | | |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.icon} | **${r.label}** | ${cell(r.text)} |`),
    '',
  ];
  const gateText = gate ? demote(renderGateMarkdown({ ...gate, issues: [] })) : '';
  const loadtestText = loadtest ? demote(renderLoadtestMarkdown(loadtest)) : '';
  const leftOut =
    all.length > annotations.length
      ? [`${all.length - annotations.length} more places to fix are not annotated (see the gate's reports).`, '']
      : [];
  const artifacts = "too long for a comment: see the job's reports";
  const parts: Part[] = [
    { name: 'preview', full: previewSection(environments), short: [] },
    {
      name: 'gate',
      full: gate ? details(`Quality gate: ${gate.verdict}`, gateText, rows[0]!.failed) : [],
      short: gate ? [`Quality gate details: ${artifacts}.`, ''] : [],
    },
    {
      name: 'loadtest',
      full: loadtest ? details(`Load test: ${loadtest.verdict}`, loadtestText, rows[1]!.failed) : [],
      short: loadtest ? [`Load test details: ${artifacts}.`, ''] : [],
    },
    {
      name: 'images',
      full: buildSection(components),
      short: components.length > 0 ? [`Images: ${artifacts}.`, ''] : [],
    },
  ];
  // the biggest parts go first when the comment is too long: the load test's endpoints, then the gate's places
  const dropOrder = ['loadtest', 'gate', 'images', 'preview'];
  const shortened: string[] = [];
  const render = () =>
    [...head, ...parts.flatMap((p) => (shortened.includes(p.name) ? p.short : p.full)), ...leftOut]
      .join('\n')
      .trimEnd() + '\n';
  let body = render();
  for (const name of dropOrder) {
    if (body.length <= maxLength) break;
    shortened.push(name);
    body = render();
  }
  if (body.length > maxLength) {
    const note = `\n\n… (cut at ${maxLength} characters)\n`;
    body = body.slice(0, maxLength - note.length) + note;
  }
  const deployments = environments.flatMap((env) =>
    env.entryUrl ? [{ environment: env.name, slug: env.slug, branch: env.branch, url: env.entryUrl }] : [],
  );
  return {
    marker,
    body,
    state,
    title: titleOf(rows, state),
    annotations,
    annotationsLeftOut: all.length - annotations.length,
    deployments,
    shortened,
  };
}

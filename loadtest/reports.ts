// The load test's reports: the Markdown table for the merge-request comment and JUnit (one case per threshold).
import { escapeXml } from '../quality/reporters/junit.js';
import { describeRow, formatMetric, METRIC_LABEL, type ComparisonRow } from './compare.js';
import type { LoadtestResult, LoadtestVerdict } from './result.js';
import type { EndpointMetrics } from './summary.js';

const HEADLINE: Record<LoadtestVerdict, string> = {
  passed: '✅ Load test passed',
  failed: '❌ Load test failed',
  'no-baseline': 'ℹ️ Load test passed; no baseline to compare with yet',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function signed(row: ComparisonRow): string {
  const text = formatMetric(row.metric, Math.abs(row.current - row.baseline));
  return `${row.current >= row.baseline ? '+' : '−'}${text}`;
}

function mark(row: ComparisonRow): string {
  if (!row.judged) return '➖';
  return row.regressed ? '❌' : '✅';
}

function comparisonTable(rows: ComparisonRow[]): string[] {
  return [
    '| | Scope | Metric | Baseline | Current | Change | Allowed worse |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${mark(r)} | ${cell(r.scope)} | ${METRIC_LABEL[r.metric]} | ${formatMetric(r.metric, r.baseline)} | ${formatMetric(r.metric, r.current)} | ${signed(r)} | ${formatMetric(r.metric, r.allowed)} |`,
    ),
  ];
}

function endpointRow(name: string, m: EndpointMetrics): string {
  return `| ${cell(name)} | ${m.requests} | ${formatMetric('throughput', m.throughput)} | ${formatMetric('errorRate', m.errorRate)} | ${formatMetric('p95', m.avg)} | ${formatMetric('p95', m.p95)} | ${formatMetric('p99', m.p99)} |`;
}

export function loadDescription(result: LoadtestResult): string {
  const { vus, duration, rate } = result.load;
  if (rate !== null) return `${rate} requests/s for ${duration} (up to ${vus} VUs)`;
  if (vus === null && duration === null) return "the script's own load";
  return `${vus ?? "the script's"} VUs for ${duration ?? "the script's duration"}`;
}

export function renderMarkdown(result: LoadtestResult): string {
  const { overall } = result.metrics;
  const script = result.script.kind === 'smoke' ? 'built-in smoke script' : `script \`${result.script.key}\``;
  const lines = [
    `## ${HEADLINE[result.verdict]}: \`${result.environment.name}\``,
    '',
    `k6 ${result.k6.version}, ${script}, ${loadDescription(result)}: ${overall.requests} requests (${formatMetric('throughput', overall.throughput)}), errors ${formatMetric('errorRate', overall.errorRate)}, p95 ${formatMetric('p95', overall.p95)}, p99 ${formatMetric('p99', overall.p99)}.`,
    '',
  ];
  if (result.failures.length > 0) lines.push(...result.failures.map((f) => `- **${cell(f)}**`), '');
  lines.push('### Thresholds', '');
  if (result.thresholds.length === 0) lines.push('No thresholds were set (script or `loadtest.thresholds`).', '');
  else {
    lines.push('| | Metric | Threshold | Value | From |', '|---|---|---|---|---|');
    for (const t of result.thresholds) {
      lines.push(
        `| ${t.passed ? '✅' : '❌'} | ${cell(t.metric)} | \`${cell(t.expression)}\` | ${t.value === null ? '-' : Number(t.value.toFixed(3))} | ${t.source} |`,
      );
    }
    lines.push('');
  }
  lines.push('### Compared with the baseline', '');
  if (result.missingBaseline) {
    lines.push(
      `No baseline at \`${result.missingBaseline}\` yet: record one on the target branch with \`slipway loadtest <env> --record-baseline\`.`,
      '',
    );
  } else if (!result.comparison) lines.push('No baseline was given (`--baseline <file|environment>`).', '');
  else {
    const c = result.comparison;
    const from =
      c.baseline.kind === 'environment'
        ? `the same script run on environment \`${c.baseline.name}\` just before`
        : `\`${c.baseline.name}\`${c.baseline.recordedAt ? ` (recorded ${c.baseline.recordedAt}${c.baseline.environment ? ` on \`${c.baseline.environment}\`` : ''})` : ''}`;
    lines.push(`Baseline: ${from}.`, '');
    const shown = c.rows.filter((r) => r.scope === 'overall' || r.regressed);
    lines.push(...comparisonTable(shown), '');
    if (c.rows.length > shown.length) {
      lines.push('<details><summary>Every endpoint</summary>', '', ...comparisonTable(c.rows), '', '</details>', '');
    }
    const only = [
      ...c.onlyInBaseline.map((k) => `\`${cell(k)}\` (baseline only)`),
      ...c.onlyInCurrent.map((k) => `\`${cell(k)}\` (this run only)`),
    ];
    if (only.length > 0) lines.push(`Not compared: ${only.join(', ')}.`, '');
  }
  const endpoints = Object.entries(result.metrics.endpoints);
  if (endpoints.length > 0) {
    lines.push(
      '### Endpoints',
      '',
      '| Endpoint | Requests | Throughput | Errors | avg | p95 | p99 |',
      '|---|---|---|---|---|---|---|',
      ...endpoints.map(([name, m]) => endpointRow(name, m)),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

function suite(name: string, cases: string[], failures: number, skipped: number, time: string): string {
  const attributes = `name="${escapeXml(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}"`;
  return cases.length === 0
    ? `  <testsuite ${attributes}/>`
    : `  <testsuite ${attributes}>\n${cases.join('\n')}\n  </testsuite>`;
}

/** One test case per threshold (and one per compared metric), for CI test reports. */
export function renderJunit(result: LoadtestResult): string {
  const time = result.metrics.durationSeconds.toFixed(3);
  const thresholdCases = result.thresholds.map((t) => {
    const open = `    <testcase name="${escapeXml(`${t.metric} ${t.expression}`)}" classname="slipway.loadtest.thresholds">`;
    if (t.passed) return `${open}</testcase>`;
    const message = `threshold ${t.metric} ${t.expression} failed${t.value === null ? '' : `: ${t.value}`} (${t.source})`;
    return `${open}\n      <failure type="threshold" message="${escapeXml(message)}"/>\n    </testcase>`;
  });
  const suites = [
    suite('slipway loadtest: thresholds', thresholdCases, result.thresholds.filter((t) => !t.passed).length, 0, time),
  ];
  let tests = thresholdCases.length;
  let failures = result.thresholds.filter((t) => !t.passed).length;
  if (result.comparison) {
    const rows = result.comparison.rows;
    const cases = rows.map((r) => {
      const open = `    <testcase name="${escapeXml(`${r.scope} ${r.metric}`)}" classname="slipway.loadtest.baseline">`;
      if (!r.judged) return `${open}\n      <skipped message="${escapeXml(r.note ?? 'not judged')}"/>\n    </testcase>`;
      if (!r.regressed) return `${open}</testcase>`;
      return `${open}\n      <failure type="regression" message="${escapeXml(describeRow(r))}"/>\n    </testcase>`;
    });
    const regressed = rows.filter((r) => r.regressed).length;
    suites.push(
      suite('slipway loadtest: baseline comparison', cases, regressed, rows.filter((r) => !r.judged).length, time),
    );
    tests += cases.length;
    failures += regressed;
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="slipway loadtest ${escapeXml(result.environment.name)}" tests="${tests}" failures="${failures}" errors="0" time="${time}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

// SARIF 2.1.0: one run per tool, results marked new or unchanged against the target branch.
import type { GateResult, Severity } from '../types.js';
import { findingsOf, type Finding } from './findings.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  blocker: 'error',
  critical: 'error',
  major: 'error',
  minor: 'warning',
  info: 'note',
};

const INFO_URI: Record<string, string> = {
  eslint: 'https://eslint.org',
  typescript: 'https://www.typescriptlang.org',
  slipway: 'https://github.com/slipway/slipway',
};

/** SARIF wants URI references: each path segment percent-encoded (`a b.ts` becomes `a%20b.ts`). */
export function pathToUri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

function runOf(tool: string, findings: Finding[]) {
  const rules = [...new Set(findings.map((f) => f.rule))].sort();
  return {
    tool: {
      driver: {
        name: tool,
        ...(INFO_URI[tool] ? { informationUri: INFO_URI[tool] } : {}),
        rules: rules.map((id) => ({ id })),
      },
    },
    originalUriBaseIds: { SRCROOT: { description: { text: 'the repository root' } } },
    results: findings.map((f) => ({
      ruleId: f.rule,
      ruleIndex: rules.indexOf(f.rule),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: pathToUri(f.path), uriBaseId: 'SRCROOT' },
            region: { startLine: f.line, endLine: f.endLine, ...(f.column ? { startColumn: f.column } : {}) },
          },
        },
      ],
      partialFingerprints: { 'slipway/v1': f.fingerprint },
      baselineState: f.isNew ? 'new' : 'unchanged',
    })),
  };
}

export function renderSarif(result: GateResult): string {
  const findings = findingsOf(result);
  const tools = [...new Set(['slipway', ...findings.map((f) => f.tool)])];
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: tools.map((tool) =>
      runOf(
        tool,
        findings.filter((f) => f.tool === tool),
      ),
    ),
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

// GitLab Code Quality report (a CodeClimate subset): one entry per finding, fingerprints stable across runs.
import type { GateResult } from '../types.js';
import { findingsOf } from './findings.js';

export interface CodeClimateEntry {
  type: 'issue';
  check_name: string;
  description: string;
  categories: string[];
  severity: string;
  fingerprint: string;
  engine_name: string;
  location: { path: string; lines: { begin: number; end: number } };
}

export function renderCodeClimate(result: GateResult): string {
  const entries: CodeClimateEntry[] = findingsOf(result).map((f) => ({
    type: 'issue',
    check_name: `${f.tool}/${f.rule}`,
    description: f.message,
    categories: [f.tool === 'slipway' ? 'Complexity' : f.tool === 'typescript' ? 'Bug Risk' : 'Style'],
    severity: f.severity,
    fingerprint: f.fingerprint,
    engine_name: f.tool,
    location: { path: f.path, lines: { begin: f.line, end: f.endLine } },
  }));
  return `${JSON.stringify(entries, null, 2)}\n`;
}

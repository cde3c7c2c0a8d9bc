// Dependency vulnerabilities from `npm audit --json` (report version 2, npm 7 and later).
import type { Vulnerability, VulnerabilitySeverity } from '../types.js';
import { SlipwayError } from '../../core/errors.js';
import { invalidReport, parseJson, readReport, runStep, type Collector } from './types.js';

const LEVELS: VulnerabilitySeverity[] = ['info', 'low', 'moderate', 'high', 'critical'];

interface AuditReport {
  auditReportVersion?: number;
  message?: string;
  vulnerabilities?: Record<
    string,
    { name: string; severity: string; range?: string; via: (string | { title?: string })[] }
  >;
  error?: { code?: string; summary?: string };
}

export function parseNpmAudit(text: string): Vulnerability[] {
  const json = parseJson('npm audit', text) as AuditReport;
  if (json.error) {
    const reason = json.error.summary || json.message || json.error.code || 'unknown error';
    throw new SlipwayError('TOOL_FAILED', `npm audit could not reach the advisory service: ${reason}`, {
      fix: 'check that the registry is reachable and package-lock.json is current (npm install --package-lock-only)',
    });
  }
  if (json.auditReportVersion !== 2 || typeof json.vulnerabilities !== 'object') {
    throw invalidReport('npm audit', 'not an auditReportVersion 2 report', 'use npm 7 or later');
  }
  return Object.values(json.vulnerabilities).map((v) => {
    const advisory = v.via.find((via): via is { title?: string } => typeof via === 'object');
    const through = v.via.filter((via): via is string => typeof via === 'string');
    return {
      name: v.name,
      severity: (LEVELS as string[]).includes(v.severity) ? (v.severity as VulnerabilitySeverity) : 'info',
      title: advisory?.title ?? (through.length > 0 ? `through ${through.join(', ')}` : 'vulnerable'),
      range: v.range ?? '*',
    };
  });
}

export const auditCollector: Collector = {
  id: 'audit',
  async collect(step, context) {
    const stdout = await runStep(step, context.env);
    try {
      return { vulnerabilities: parseNpmAudit(await readReport(step, stdout)) };
    } catch (error) {
      // a registry without the audit endpoint (a mirror, a proxy) must not block every merge request,
      // unless the config asked for the audit explicitly
      if (!(error instanceof SlipwayError) || error.code !== 'TOOL_FAILED' || context.config.audit.enabled === true)
        throw error;
      context.info(`audit: not judged, ${error.message}`);
      return {
        unavailable: [{ collector: 'audit', title: 'Dependency vulnerabilities (npm audit)', reason: error.message }],
      };
    }
  },
};

// The registry of reporters: one per report format, looked up by name.
import type { GateResult } from '../types.js';
import { renderCodeClimate } from './codeclimate.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';

export type ReportFormat = 'codeclimate' | 'sarif' | 'junit' | 'markdown';

export interface Reporter {
  format: ReportFormat;
  render(result: GateResult): string;
}

export const REPORTERS: Record<ReportFormat, Reporter> = {
  codeclimate: { format: 'codeclimate', render: renderCodeClimate },
  sarif: { format: 'sarif', render: renderSarif },
  junit: { format: 'junit', render: renderJunit },
  markdown: { format: 'markdown', render: renderMarkdown },
};

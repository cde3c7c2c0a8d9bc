// Duplicated blocks from jscpd's JSON report, with the overall duplicated-line density.
import type { Duplication } from '../types.js';
import { invalidReport, parseJson, readReport, runStep, toRepoPath, type Collector } from './types.js';

interface JscpdFile {
  name: string;
  start: number;
  end: number;
}

interface JscpdReport {
  duplicates: { firstFile: JscpdFile; secondFile: JscpdFile; lines: number; tokens: number }[];
  statistics: { total: { lines: number; duplicatedLines: number; percentage: number } };
}

export function parseJscpdJson(text: string, baseDir: string, repoRoot: string): Duplication {
  const json = parseJson('jscpd', text) as Partial<JscpdReport>;
  if (!Array.isArray(json.duplicates) || !json.statistics?.total) {
    throw invalidReport('jscpd', 'no duplicates or statistics', 'run jscpd with --reporters json');
  }
  const fragment = (file: JscpdFile) => ({
    path: toRepoPath(file.name, baseDir, repoRoot),
    start: file.start,
    end: file.end,
  });
  const total = json.statistics.total;
  return {
    totalLines: total.lines,
    duplicatedLines: total.duplicatedLines,
    density: total.percentage,
    blocks: json.duplicates.map((d) => ({
      first: fragment(d.firstFile),
      second: fragment(d.secondFile),
      lines: d.lines,
      tokens: d.tokens,
    })),
  };
}

export const duplicationCollector: Collector = {
  id: 'duplication',
  async collect(step, context) {
    const stdout = await runStep(step, context.env);
    return { duplication: parseJscpdJson(await readReport(step, stdout), context.projectDir, context.repoRoot) };
  },
};

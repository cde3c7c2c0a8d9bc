// Test coverage by line, from lcov or istanbul JSON (what vitest and jest write), plus the test results.
import { SlipwayError } from '../../core/errors.js';
import type { CoverageData, TestRun } from '../types.js';
import { invalidReport, parseJson, readReport, runStep, toRepoPath, type Collector } from './types.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Parses lcov `SF:`/`DA:` records; paths are left as written. */
export function parseLcov(text: string): CoverageData {
  const files: CoverageData = new Map();
  let current: Map<number, number> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('SF:')) {
      const file = line.slice(3);
      current = files.get(file) ?? new Map();
      files.set(file, current);
    } else if (line.startsWith('DA:')) {
      if (!current)
        throw invalidReport('lcov', `"${line}" comes before any SF: record`, 'regenerate the coverage report');
      const [lineNumber, hits] = line.slice(3).split(',');
      const n = Number(lineNumber);
      const h = Number(hits);
      if (!Number.isInteger(n) || !Number.isFinite(h)) {
        throw invalidReport('lcov', `unreadable line "${line}"`, 'regenerate the coverage report');
      }
      current.set(n, Math.max(current.get(n) ?? 0, h));
    } else if (line === 'end_of_record') current = undefined;
  }
  return files;
}

interface IstanbulFile {
  path?: string;
  statementMap: Record<string, { start: { line: number } }>;
  s: Record<string, number>;
}

/** Parses istanbul's coverage-final.json; a line's hits are its statements' highest count, as istanbul does. */
export function parseIstanbul(text: string): CoverageData {
  const json = parseJson('coverage', text);
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw invalidReport('coverage', 'expected an object keyed by file', 'point the gate at coverage-final.json');
  }
  const files: CoverageData = new Map();
  for (const [key, value] of Object.entries(json as Record<string, IstanbulFile>)) {
    if (!value || typeof value.statementMap !== 'object' || typeof value.s !== 'object') {
      throw invalidReport('coverage', `entry ${key} has no statementMap`, 'point the gate at coverage-final.json');
    }
    const lines = new Map<number, number>();
    for (const [id, location] of Object.entries(value.statementMap)) {
      const line = location.start.line;
      lines.set(line, Math.max(lines.get(line) ?? 0, value.s[id] ?? 0));
    }
    files.set(value.path ?? key, lines);
  }
  return files;
}

/**
 * Either format, told apart by the first character. `allowEmpty` is for reports slipway's own test run wrote:
 * when the tests load no source file, vitest writes an empty lcov, and every changed file then counts as untested.
 */
export function parseCoverage(text: string, options: { allowEmpty?: boolean } = {}): CoverageData {
  const trimmed = text.trimStart();
  if (trimmed === '' && options.allowEmpty) return new Map();
  if (trimmed === '')
    throw invalidReport(
      'coverage',
      'the file is empty',
      'rerun the tests with coverage; an interrupted run leaves an empty file',
    );
  const data = trimmed.startsWith('{') ? parseIstanbul(trimmed) : parseLcov(trimmed);
  if (data.size === 0) {
    throw invalidReport(
      'coverage',
      'it covers no file',
      'check that the tests ran and that coverage is collected for the sources',
    );
  }
  return data;
}

interface JestLikeResults {
  numTotalTests?: number;
  numFailedTests?: number;
  testResults?: {
    name: string;
    status?: string;
    message?: string;
    assertionResults?: { fullName?: string; title?: string; status: string }[];
  }[];
}

/** vitest's and jest's `--json` results: totals and the failing tests by file. */
export function parseTestResults(text: string, baseDir: string, repoRoot: string): TestRun {
  const json = parseJson('test results', text) as JestLikeResults;
  if (typeof json.numTotalTests !== 'number')
    throw invalidReport('test results', 'no numTotalTests', 'rerun the tests');
  const failures: TestRun['failures'] = [];
  for (const file of json.testResults ?? []) {
    const path = toRepoPath(file.name, baseDir, repoRoot);
    const failed = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const assertion of failed) failures.push({ path, name: assertion.fullName ?? assertion.title ?? 'test' });
    if (failed.length === 0 && file.status === 'failed')
      failures.push({ path, name: (file.message ?? 'suite failed').split('\n')[0]! });
  }
  return { total: json.numTotalTests, failed: Math.max(json.numFailedTests ?? 0, failures.length), failures };
}

export const coverageCollector: Collector = {
  id: 'coverage',
  async collect(step, context) {
    let stdout: string;
    let crashed: SlipwayError | undefined;
    try {
      stdout = await runStep(step, context.env);
    } catch (error) {
      // vitest and jest exit 1 both for failing tests and for crashes: the reports tell them apart
      if (!(error instanceof SlipwayError) || error.code !== 'TOOL_FAILED') throw error;
      crashed = error;
      stdout = '';
    }
    const tests =
      step.testReport && existsSync(step.testReport)
        ? parseTestResults(await readFile(step.testReport, 'utf8'), context.projectDir, context.repoRoot)
        : undefined;
    if (crashed && !tests) throw crashed;
    const raw = parseCoverage(await readReport(step, stdout), { allowEmpty: tests !== undefined && tests.total > 0 });
    const coverage: CoverageData = new Map();
    for (const [file, lines] of raw) coverage.set(toRepoPath(file, context.projectDir, context.repoRoot), lines);
    return tests ? { coverage, tests } : { coverage };
  },
};

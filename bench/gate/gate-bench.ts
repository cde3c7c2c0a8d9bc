// Measures `slipway gate` on a generated ~100,000-line TypeScript repository with a 500-line change, against
// running the same tools without slipway; prints a table and writes the "## gate" section of bench/RESULTS.md.
// Run: npx jiti bench/gate/gate-bench.ts   (builds dist/ first, so the gate runs as users run it)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeProjectFiles } from '../../test/helpers/git-repo.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// outside slipway's tree, so vitest does not pick up slipway's own vitest.config.ts
const WORK = path.join(os.tmpdir(), 'slipway-bench-gate');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const MODULES = 400;
const FUNCTIONS = 20;
const RUNS = 5;

function functionSource(module: number, index: number): string {
  const name = `score${module}x${index}`;
  return [
    `export function ${name}(items: Item${module}[], factor: number): number {`,
    '  let total = 0;',
    '  for (const item of items) {',
    `    if (item.score > ${index * 3 + (module % 7)}) {`,
    `      total += item.score * factor + ${module + index};`,
    '    } else {',
    `      total -= item.id % ${index + 2};`,
    '    }',
    '  }',
    `  const bonus = items.length > ${index + (module % 5)} ? ${module % 11} : ${index % 4};`,
    '  return total + bonus;',
    '}',
    '',
  ].join('\n');
}

function moduleSource(module: number, functions = FUNCTIONS): string {
  const header = [
    `// Generated module ${module}.`,
    `export interface Item${module} {`,
    '  id: number;',
    '  name: string;',
    '  score: number;',
    '}',
    '',
  ].join('\n');
  return header + Array.from({ length: functions }, (_, i) => functionSource(module, i)).join('');
}

function write(file: string, content: string): void {
  const target = path.join(WORK, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, content);
}

function sh(file: string, args: string[], cwd = WORK): { ms: number; code: number; stderr: string } {
  const started = process.hrtime.bigint();
  const result = spawnSync(file, args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, code: result.status ?? -1, stderr: result.stderr };
}

function git(...args: string[]): void {
  execFileSync('git', args, { cwd: WORK, stdio: 'ignore' });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function generate(): number {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  git('init', '--quiet', '--initial-branch', 'main');
  git('config', 'user.name', 'Bench');
  git('config', 'user.email', 'bench@example.com');
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(WORK, 'node_modules'), 'dir');
  for (const [file, content] of Object.entries(nodeProjectFiles('bench-app'))) write(file, content);
  let lines = 0;
  for (let m = 0; m < MODULES; m++) {
    const source = moduleSource(m);
    lines += source.split('\n').length - 1;
    write(`src/mod-${m}.ts`, source);
    if (m % 10 === 0) {
      write(
        `src/mod-${m}.test.ts`,
        `import { expect, test } from 'vitest';\nimport { score${m}x0 } from './mod-${m}.js';\ntest('m${m}', () => expect(typeof score${m}x0([{ id: 1, name: 'a', score: 9 }], 2)).toBe('number'));\n`,
      );
    }
  }
  git('add', '--all');
  git('commit', '--quiet', '-m', 'generated');
  return lines;
}

/** About 500 changed lines: 4 new functions (48 lines) in each of 5 modules, and a new 258-line module. */
function change(): number {
  git('checkout', '--quiet', '-b', 'feature');
  let added = 0;
  for (const m of [3, 57, 128, 256, 399]) {
    const extra = Array.from({ length: 4 }, (_, i) => functionSource(m, FUNCTIONS + i)).join('');
    added += extra.split('\n').length - 1;
    writeFileSync(path.join(WORK, `src/mod-${m}.ts`), moduleSource(m) + extra);
  }
  const fresh = moduleSource(MODULES, 21);
  added += fresh.split('\n').length - 1;
  write(`src/mod-${MODULES}.ts`, fresh);
  git('add', '--all');
  git('commit', '--quiet', '-m', 'a 500-line change');
  return added;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function main(): void {
  const node = process.execPath;
  const loadBefore = os.loadavg()[0]!;
  console.error('building dist/ ...');
  sh(node, [path.join(BIN, 'tsc'), '-p', 'tsconfig.build.json'], ROOT);
  const slipway = path.join(ROOT, 'bin', 'slipway.js');
  console.error('generating the repository ...');
  const lines = generate();
  // main's own test run, whose coverage the baseline records
  sh(path.join(BIN, 'vitest'), ['run', '--coverage.enabled=true', '--coverage.reporter=lcovonly']);
  const record = sh(node, [slipway, 'gate', '--record', '--coverage', 'coverage/lcov.info']);
  if (record.code !== 0) throw new Error(`record failed: ${record.stderr}`);
  const changed = change();
  const coverage = sh(path.join(BIN, 'vitest'), ['run', '--coverage.enabled=true', '--coverage.reporter=lcovonly']);
  const tools = {
    eslint: sh(path.join(BIN, 'eslint'), [
      '--format',
      'json',
      '--output-file',
      path.join(os.tmpdir(), 'bench-eslint.json'),
      '.',
    ]),
    tsc: sh(path.join(BIN, 'tsc'), ['--noEmit', '--pretty', 'false', '-p', 'tsconfig.json']),
    jscpd: sh(path.join(BIN, 'jscpd'), [
      '--reporters',
      'json',
      '--output',
      path.join(os.tmpdir(), 'bench-jscpd'),
      '--silent',
      '--format',
      'typescript',
      '.',
    ]),
  };
  const gateRuns: number[] = [];
  let verdict = '';
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(node, [slipway, 'gate', '--base', 'main', '--coverage', 'coverage/lcov.info', '--json'], {
      cwd: WORK,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    gateRuns.push(Number(process.hrtime.bigint() - started) / 1e6);
    verdict = (JSON.parse(run.stdout) as { verdict: string }).verdict;
  }
  const toolsSum = tools.eslint.ms + tools.tsc.ms + tools.jscpd.ms;
  const gate = median(gateRuns);
  const rows = [
    ['repository', `${lines} lines in ${MODULES} modules; change: ${changed} new lines in 6 files`],
    ['machine', `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, node ${process.version}`],
    ['test run with coverage (vitest, not part of the gate)', `${seconds(coverage.ms)} s`],
    ['tools without slipway: eslint . (whole repo)', `${seconds(tools.eslint.ms)} s`],
    ['tools without slipway: tsc --noEmit', `${seconds(tools.tsc.ms)} s`],
    ['tools without slipway: jscpd .', `${seconds(tools.jscpd.ms)} s`],
    ['tools without slipway, one after another', `${seconds(toolsSum)} s`],
    [
      `slipway gate --base main --coverage … (median of ${RUNS}; target < 10 s)`,
      `${seconds(gate)} s (runs: ${gateRuns.map(seconds).join(', ')}; verdict ${verdict})`,
    ],
    ['slipway gate --record (whole-repo ESLint, on main)', `${seconds(record.ms)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k!.length));
  console.log(rows.map(([k, v]) => `${k!.padEnd(width)}  ${v}`).join('\n'));
  const section = [
    '## gate',
    '',
    `Generated by \`npx jiti bench/gate/gate-bench.ts\` on ${new Date().toISOString().slice(0, 10)}. The gate reads the coverage of the`,
    'test run (`--coverage`), lints only the changed files (the baseline holds the rest), and runs tsc and jscpd',
    'side by side; "tools without slipway" is what a pipeline runs to get the same findings for the whole repository.',
    '',
    '| measure | value |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    'Notes:',
    '',
    '- The gate cannot be faster than its slowest tool: tsc checks the whole program (there is no per-file type',
    '  check), so its time bounds the gate; ESLint on the 6 changed files and jscpd run beside it on the other core.',
    '  What slipway adds (git diff, reading the reports, the verdict) is the difference between the gate and tsc.',
    `- Load average (1 min) at the start and the end: ${loadBefore.toFixed(1)} and ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores;`,
    '  other work on the machine spreads the runs. The verdict is `failed` because the change adds untested code.',
    '',
  ].join('\n');
  const results = path.join(ROOT, 'bench', 'RESULTS.md');
  const before = existsSync(results) ? readFileSync(results, 'utf8') : '# Benchmarks\n';
  const pattern = /## gate\n[\s\S]*?(?=\n## |$)/;
  const after = pattern.test(before)
    ? before.replace(pattern, section.trimEnd() + '\n')
    : `${before.trimEnd()}\n\n${section}`;
  writeFileSync(results, after.endsWith('\n') ? after : `${after}\n`);
  console.error(`wrote the "## gate" section of ${results}`);
}

main();

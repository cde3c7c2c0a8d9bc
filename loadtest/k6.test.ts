// Given where k6 may be, when slipway looks for it, then it finds the configured one, PATH's or the install dir's,
// and says how to install it when there is none; and k6's exit codes and error lines read as they should.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlipwayError } from '../core/errors.js';
import { classifyExit, findK6, installDir, k6ErrorLines, parseK6Version } from './k6.js';

describe('finding k6', () => {
  let dir: string;
  let onPath: string;
  let state: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-k6-'));
    onPath = path.join(dir, 'path');
    state = path.join(dir, 'state');
    await mkdir(onPath);
    await mkdir(path.join(state, 'bin'), { recursive: true });
    for (const file of [path.join(onPath, 'k6'), path.join(state, 'bin', 'k6'), path.join(dir, 'my-k6')]) {
      await writeFile(file, '#!/bin/sh\n');
      await chmod(file, 0o755);
    }
    await writeFile(path.join(dir, 'not-executable'), '');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes the configured path, or a configured name on PATH', () => {
    expect(findK6(path.join(dir, 'my-k6'), { PATH: onPath })).toBe(path.join(dir, 'my-k6'));
    expect(findK6('k6', { PATH: `/nonexistent:${onPath}` })).toBe(path.join(onPath, 'k6'));
  });

  it('looks on PATH first, then in the install dir of scripts/install-k6.sh', () => {
    expect(findK6(undefined, { PATH: onPath, SLIPWAY_MACHINE_STATE: state })).toBe(path.join(onPath, 'k6'));
    expect(findK6(undefined, { PATH: '/nonexistent', SLIPWAY_MACHINE_STATE: state })).toBe(
      path.join(state, 'bin', 'k6'),
    );
    expect(installDir({})).toBe('/var/lib/slipway-machine/bin');
  });

  it('says where it looked and how to install k6 when it is missing', () => {
    const missing = () => findK6(undefined, { PATH: '/nonexistent', SLIPWAY_MACHINE_STATE: path.join(dir, 'none') });
    expect(missing).toThrow(SlipwayError);
    try {
      missing();
    } catch (error) {
      expect((error as SlipwayError).code).toBe('TOOL_MISSING');
      expect((error as SlipwayError).exitCode).toBe(3);
      expect((error as SlipwayError).message).toBe(
        `k6 is not installed (looked on PATH and in ${path.join(dir, 'none', 'bin')})`,
      );
      expect((error as SlipwayError).fix).toContain('go install go.k6.io/k6@v1.8.1');
    }
    expect(() => findK6(path.join(dir, 'not-executable'), { PATH: '' })).toThrow(/k6 is not installed at/);
  });
});

describe("k6's answers", () => {
  it('reads its version', () => {
    expect(parseK6Version('k6 v1.8.1 (go1.26.8, linux/amd64)\n')).toBe('v1.8.1');
    expect(parseK6Version('k6 v0.41.0 ((devel), go1.19.4, linux/amd64)')).toBe('v0.41.0');
    expect(parseK6Version('command not found')).toBeUndefined();
  });

  it('tells thresholds, script errors and crashes apart by exit code', () => {
    expect(classifyExit(0, null)).toBe('finished');
    expect(classifyExit(99, null)).toBe('thresholds-failed');
    expect(classifyExit(107, null)).toBe('script-invalid');
    expect(classifyExit(104, null)).toBe('script-invalid');
    expect(classifyExit(110, null)).toBe('marked-failed');
    expect(classifyExit(109, null)).toBe('crashed');
    expect(classifyExit(-1, 'SIGKILL')).toBe('crashed');
  });

  it("takes the messages out of k6's log lines", () => {
    // as k6 v1.8.1 printed it for a script with a syntax error
    const log = [
      'time="2026-11-22T01:36:07Z" level=error msg="could not initialize \'bad.js\': could not load JS test \'file:///tmp/bad.js\': file:///tmp/bad.js: Line 2:40 Unexpected token ; (and 2 more errors)"',
      'time="2026-11-22T01:36:07Z" level=warning msg="Request Failed" error="Get \\"http://x/\\": refused"',
      'panic: runtime error: index out of range',
    ].join('\n');
    expect(k6ErrorLines(log)).toEqual([
      "could not initialize 'bad.js': could not load JS test 'file:///tmp/bad.js': file:///tmp/bad.js: Line 2:40 Unexpected token ; (and 2 more errors)",
      'panic: runtime error: index out of range',
    ]);
  });
});

// slipway's package.json is found by walking up from the module, past other packages, whatever the layout.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPackage, slipwayPackage } from './package-info.js';

const work = mkdtempSync(path.join(tmpdir(), 'slipway-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function write(relative: string, content: string): string {
  const file = path.join(work, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

describe('finding slipway’s package.json', () => {
  it('finds the sources’ own package.json from cli/ and core/ (not one folder too far up)', async () => {
    const root = path.resolve(import.meta.dirname, '..');
    const expected = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
    expect(await slipwayPackage()).toEqual({
      name: 'slipway',
      version: expected.version,
      file: path.join(root, 'package.json'),
    });
    expect(await findPackage(path.join(root, 'cli'), 'slipway')).toMatchObject({ version: expected.version });
  });

  it('skips other package.json files on the way up: installed under a project, or a nested package', async () => {
    write('project/package.json', JSON.stringify({ name: 'my-app', version: '9.9.9' }));
    const installed = write(
      'project/node_modules/slipway/package.json',
      JSON.stringify({ name: 'slipway', version: '1.2.3' }),
    );
    write('project/node_modules/slipway/dist/package.json', JSON.stringify({ type: 'module' }));
    write('project/node_modules/slipway/dist/cli/broken/package.json', '{ not json');
    mkdirSync(path.join(work, 'project/node_modules/slipway/dist/cli/broken/deeper'), { recursive: true });
    expect(
      await findPackage(path.join(work, 'project/node_modules/slipway/dist/cli/broken/deeper'), 'slipway'),
    ).toEqual({ name: 'slipway', version: '1.2.3', file: installed });
  });

  it('gives undefined when no package.json up to the root is slipway’s', async () => {
    write('alone/package.json', JSON.stringify({ name: 'other', version: '1.0.0' }));
    expect(await findPackage(path.join(work, 'alone'), 'slipway-not-a-real-package-name')).toBeUndefined();
  });
});

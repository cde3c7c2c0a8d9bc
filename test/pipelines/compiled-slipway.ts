// slipway compiled from this checkout into a temp folder and run as users run it (bin/slipway.js over dist/), for
// the jobs and servers a test starts as separate processes. Type errors are the typecheck's business: tsc emits anyway.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/project.js';

const exec = promisify(execFile);

export interface CompiledSlipway {
  dir: string;
  /** The command line that runs it: `node <dir>/bin/slipway.js` (the temp path has no spaces). */
  command: string;
  cleanup(): Promise<void>;
}

export async function compileSlipway(): Promise<CompiledSlipway> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'slipway-compiled-'));
  const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  await exec(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', path.join(dir, 'dist')], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => {
    // a type error elsewhere in the tree still emits JavaScript; a missing entry point is a real failure
    if (!existsSync(path.join(dir, 'dist/cli/main.js'))) throw error;
  });
  await mkdir(path.join(dir, 'bin'));
  await copyFile(path.join(REPO_ROOT, 'bin/slipway.js'), path.join(dir, 'bin/slipway.js'));
  await copyFile(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return {
    dir,
    command: `${process.execPath} ${path.join(dir, 'bin/slipway.js')}`,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

// Script lines built from argv: literals quoted, forge values expanded as data, never as shell code.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellLine, shellQuote } from './shell.js';

const dialect = {
  variable: {
    branch: 'CI_COMMIT_REF_NAME',
    'target-branch': 'CI_MERGE_REQUEST_TARGET_BRANCH_NAME',
    commit: 'CI_COMMIT_SHA',
  },
};

describe('shell lines', () => {
  it('quotes only what needs quoting', () => {
    expect(shellQuote('examples/app/slipway.config.ts')).toBe('examples/app/slipway.config.ts');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect(shellLine({ argv: ['npx', 'slipway', 'deploy', 'staging'], stdout: 'out dir/a.json' }, dialect)).toBe(
      "npx slipway deploy staging > 'out dir/a.json'",
    );
  });

  it('passes a hostile branch name through as one argument, unexecuted', () => {
    const line = shellLine({ argv: ['printf', '%s|', { value: 'branch' }, "a'b"] }, dialect);
    const output = execFileSync('sh', ['-c', line], {
      env: { PATH: process.env.PATH, CI_COMMIT_REF_NAME: 'feat/$(echo pwned) `id` x' },
    }).toString();
    expect(output).toBe("feat/$(echo pwned) `id` x|a'b|");
  });

  it("runs the project's slipway command line, split into words, with the arguments quoted", () => {
    const line = shellLine({ argv: [{ program: 'slipway' }, 'env', 'up', { value: 'branch' }] }, dialect);
    expect(line).toBe('$SLIPWAY_BIN env up "$CI_COMMIT_REF_NAME"');
    const output = execFileSync('sh', ['-c', line], {
      env: { PATH: process.env.PATH, SLIPWAY_BIN: 'printf %s|', CI_COMMIT_REF_NAME: 'feat/a b;`id`' },
    }).toString();
    expect(output).toBe('env|up|feat/a b;`id`|');
  });
});

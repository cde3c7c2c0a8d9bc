import { describe, expect, it } from 'vitest';
import { execArgv, exitCodeOf } from './exec.js';

describe('pod exec', () => {
  it('passes variables through `env`, each NAME=value one argv element, never a shell', () => {
    expect(execArgv(['psql', '-c', 'SELECT 1'])).toEqual(['psql', '-c', 'SELECT 1']);
    expect(execArgv(['psql'], { PGOPTIONS: '-c slipway.name=a\\ b; rm -rf /' })).toEqual([
      'env',
      'PGOPTIONS=-c slipway.name=a\\ b; rm -rf /',
      'psql',
    ]);
  });

  it('reads the exit code from the final Status', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(exitCodeOf({ status: 'Failure', details: { causes: [{ reason: 'ExitCode', message: '3' }] } })).toBe(3);
    expect(exitCodeOf({ status: 'Failure', details: {} })).toBe(-1);
  });
});

import { describe, expect, it } from 'vitest';
import { migrationOptions, parseApplied, psqlArgv, sqlFiles } from './migrations.js';

describe('storage migrations, shared by the engines', () => {
  it('builds psql argv that stops on the first error and reads no psqlrc', () => {
    expect(psqlArgv({ user: 'scolarite', database: 'students' }, ['-c', 'SELECT 1'])).toEqual([
      'psql',
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-U',
      'scolarite',
      '-d',
      'students',
      '-c',
      'SELECT 1',
    ]);
  });

  it('passes the file name and checksum as escaped session settings, never in SQL text', () => {
    expect(migrationOptions("migrations/001 it's.sql", 'abc')).toBe(
      "-c slipway.name=migrations/001\\ it's.sql -c slipway.sum=abc",
    );
    expect(migrationOptions('seed/a\\b.sql', 'abc')).toBe('-c slipway.name=seed/a\\\\b.sql -c slipway.sum=abc');
  });

  it('reads the applied table and lists .sql files in name order', () => {
    expect(parseApplied('migrations/001.sql aaa\nseed/001.sql bbb\n')).toEqual(
      new Map([
        ['migrations/001.sql', 'aaa'],
        ['seed/001.sql', 'bbb'],
      ]),
    );
    expect(sqlFiles('010_b.sql\n002_a.sql\nREADME.md\n')).toEqual(['002_a.sql', '010_b.sql']);
  });
});

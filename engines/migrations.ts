// Storage migrations and seed data, applied inside the running storage container by any engine that can exec
// there (Docker's exec API, the Kubernetes pod exec API): psql argv, a slipway_migrations table, a SHA-256 per
// file, an edited migration refused, each file and its record in one transaction.
import { SlipwayError } from '../core/errors.js';
import { IMAGE_MIGRATIONS_DIR, IMAGE_SEED_DIR, type EnvComponent } from '../environments/plan.js';

/** Runs argv in the storage container, with extra environment variables; output is stdout and stderr together. */
export type StorageExec = (argv: string[], env?: Record<string, string>) => Promise<{ code: number; output: string }>;

export const CREATE_MIGRATIONS_TABLE =
  'CREATE TABLE IF NOT EXISTS slipway_migrations (name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())';
export const SELECT_APPLIED = 'SELECT name, sha256 FROM slipway_migrations';
export const INSERT_APPLIED =
  "INSERT INTO slipway_migrations (name, sha256) VALUES (current_setting('slipway.name'), current_setting('slipway.sum'))";

export function psqlArgv(storage: { user: string; database: string }, args: string[]): string[] {
  return ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-U', storage.user, '-d', storage.database, ...args];
}

/**
 * The session settings naming the file and its checksum: they travel as PGOPTIONS, never spliced into SQL text
 * (a backslash or space in a file name is escaped as libpq's options parser wants).
 */
export function migrationOptions(name: string, sum: string): string {
  return `-c slipway.name=${name.replace(/([\\ ])/g, '\\$1')} -c slipway.sum=${sum}`;
}

/** `SELECT name, sha256` output (`-t -A -F ' '`) as a map. */
export function parseApplied(output: string): Map<string, string> {
  return new Map(
    output
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]),
  );
}

/** The `.sql` files of an `ls -1` listing, in name order. */
export function sqlFiles(listing: string): string[] {
  return listing
    .split('\n')
    .filter((f) => f.endsWith('.sql'))
    .sort();
}

export async function applyMigrations(
  exec: StorageExec,
  c: EnvComponent,
  progress: (line: string) => void,
): Promise<void> {
  const storage = c.storage!;
  async function psql(args: string[], what: string, env: Record<string, string> = {}): Promise<string> {
    const result = await exec(psqlArgv(storage, args), env);
    if (result.code !== 0) {
      throw new SlipwayError(
        'ENV_FAILED',
        `${c.id}: ${what} failed: ${result.output.trim().split('\n').at(-1) ?? ''}`,
        {
          fix: 'fix the SQL file named here and rerun `slipway env up`',
          details: result.output.trim().split('\n').slice(-10),
        },
      );
    }
    return result.output;
  }
  await psql(['-c', CREATE_MIGRATIONS_TABLE], 'creating the migrations table');
  const applied = parseApplied(await psql(['-t', '-A', '-F', ' ', '-c', SELECT_APPLIED], 'reading applied migrations'));
  const groups: [string, string, boolean][] = [
    [IMAGE_MIGRATIONS_DIR, 'migrations', storage.migrations],
    // each seed file goes in once per volume (recorded like a migration), so a crash mid-seed converges too
    [IMAGE_SEED_DIR, 'seed', storage.seed],
  ];
  for (const [dir, prefix, wanted] of groups) {
    if (!wanted) continue;
    const listing = await exec(['ls', '-1', dir]);
    if (listing.code !== 0) {
      throw new SlipwayError('ENV_FAILED', `${c.id}: the image has no ${dir}`, {
        fix: `COPY the ${prefix} folder to ${dir} in the storage Dockerfile`,
      });
    }
    for (const file of sqlFiles(listing.output)) {
      const path = `${dir}/${file}`;
      const sum = (await exec(['sha256sum', path])).output.split(' ')[0]!;
      const name = `${prefix}/${file}`;
      const previous = applied.get(name);
      if (previous === sum) continue;
      if (previous !== undefined && prefix === 'migrations') {
        throw new SlipwayError('ENV_FAILED', `${c.id}: migration ${file} changed after it was applied`, {
          fix: 'never edit an applied migration: add a new one that makes the change',
        });
      }
      if (previous !== undefined) continue;
      progress(`${c.id}: applying ${name}`);
      // the file and its record commit together
      await psql(['--single-transaction', '-f', path, '-c', INSERT_APPLIED], name, {
        PGOPTIONS: migrationOptions(name, sum),
      });
    }
  }
}

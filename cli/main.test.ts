import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandHelp, main, topLevelHelp } from './main.js';

async function cli(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(args, { stdout, stderr, cwd: '/nonexistent-slipway-dir' });
  return { code, out, err };
}

describe('slipway CLI', () => {
  it('lists every command in --help, with the exit codes', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(out).toContain(`  ${command.name}`);
    expect(out).toContain('2  usage or configuration error');
    expect(out).toBe(`${topLevelHelp()}\n`);
  });

  it('gives every command --help with --json among its options', async () => {
    for (const command of COMMANDS) {
      const { code, out } = await cli([...command.name.split(' '), '--help']);
      expect(code).toBe(0);
      expect(out).toBe(`${commandHelp(command)}\n`);
      expect(out).toContain('--json');
      expect(out).toMatch(/^Usage: slipway /);
    }
  });

  it('refuses an unknown command or flag with exit 2 and one line naming the fix', async () => {
    const unknown = await cli(['deploi']);
    expect(unknown.code).toBe(2);
    expect(unknown.err.trim().split('\n')).toHaveLength(1);
    expect(unknown.err).toMatch(/^error USAGE: unknown command "deploi" \(fix: use one of: build, /);
    const flag = await cli(['build', '--pussh']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain("Unknown option '--pussh'");
  });

  it('prints the version from the sources too (their package.json is one folder up, not two)', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const { code, out, err } = await cli([flag]);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toBe(`${pkg.version}\n`);
    }
  });

  it('reports a missing config with exit 2, and as JSON with --json', async () => {
    const { code, err, out } = await cli(['build', '--json']);
    expect(code).toBe(2);
    expect(err).toMatch(/^error CONFIG_NOT_FOUND: no slipway.config.ts in \/nonexistent-slipway-dir or its parents/);
    expect(JSON.parse(out)).toMatchObject({ error: { code: 'CONFIG_NOT_FOUND' } });
  });
});

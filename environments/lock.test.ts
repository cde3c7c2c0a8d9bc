import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, type LockHolder } from './lock.js';

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'slipway-lock-'));

describe('acquireLock', () => {
  it('lets one holder in; the other waits, is told who holds it, and gets in after the release', async () => {
    const lockDir = dir();
    const first = await acquireLock('p.env', { dir: lockDir, command: 'env up a' });
    const events: string[] = [];
    const second = acquireLock('p.env', {
      dir: lockDir,
      command: 'env down a',
      onWait: (h) => events.push(`waiting for ${h.command}`),
    }).then((lease) => {
      events.push('acquired');
      return lease;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toEqual(['waiting for env up a']);
    await first.release();
    await (await second).release();
    expect(events).toEqual(['waiting for env up a', 'acquired']);
  });

  it('takes over a lease that expired, and one whose holder process is gone', async () => {
    const lockDir = dir();
    const file = path.join(lockDir, 'p.env.lock');
    const stale: LockHolder = {
      token: 't',
      pid: process.pid,
      host: os.hostname(),
      command: 'crashed',
      acquiredAt: '',
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    };
    writeFileSync(file, JSON.stringify(stale));
    const lease = await acquireLock('p.env', { dir: lockDir, command: 'env up', waitMs: 2000 });
    expect(JSON.parse(readFileSync(file, 'utf8')).command).toBe('env up');
    await lease.release();
    writeFileSync(
      file,
      JSON.stringify({ ...stale, pid: 2 ** 22 + 12345, expiresAt: new Date(Date.now() + 60_000).toISOString() }),
    );
    const again = await acquireLock('p.env', { dir: lockDir, command: 'env up', waitMs: 2000 });
    await again.release();
  });

  it('gives up after waitMs with LOCKED while a live holder keeps it', async () => {
    const lockDir = dir();
    const held = await acquireLock('p.env', { dir: lockDir, command: 'env up a' });
    await expect(acquireLock('p.env', { dir: lockDir, command: 'env up b', waitMs: 300 })).rejects.toMatchObject({
      code: 'LOCKED',
      exitCode: 3,
    });
    await held.release();
  });
});

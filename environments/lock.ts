// A leased lock per environment: one `env up`/`env down` at a time; a crashed holder's lease simply runs out.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SlipwayError } from '../core/errors.js';

export interface LockHolder {
  token: string;
  pid: number;
  host: string;
  command: string;
  acquiredAt: string;
  expiresAt: string;
}

export interface Lease {
  release(): Promise<void>;
}

export interface LockOptions {
  /** Folder holding the lock files (one per project and environment). */
  dir: string;
  leaseMs?: number;
  waitMs?: number;
  command: string;
  /** Told once when the lock is busy, with who holds it. */
  onWait?: (holder: LockHolder) => void;
  now?: () => number;
}

export function defaultLockDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.SLIPWAY_STATE_DIR ?? path.join(env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'), 'slipway');
  return path.join(base, 'locks');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/** A lease is stale once it expired, or at once when its holder ran on this host and is gone. */
function isStale(holder: LockHolder | undefined, now: number): boolean {
  if (!holder) return true;
  if (Date.parse(holder.expiresAt) < now) return true;
  return holder.host === os.hostname() && !alive(holder.pid);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function acquireLock(key: string, options: LockOptions): Promise<Lease> {
  const leaseMs = options.leaseMs ?? 30_000;
  const waitMs = options.waitMs ?? 600_000;
  const now = options.now ?? Date.now;
  await mkdir(options.dir, { recursive: true });
  const file = path.join(options.dir, `${key.replace(/[^a-zA-Z0-9._-]/g, '_')}.lock`);
  const token = randomUUID();
  const holder = (): LockHolder => ({
    token,
    pid: process.pid,
    host: os.hostname(),
    command: options.command,
    acquiredAt: new Date(now()).toISOString(),
    expiresAt: new Date(now() + leaseMs).toISOString(),
  });
  const started = now();
  let told = false;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify(holder()));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = await readHolder(file);
    if (isStale(current, now())) {
      await breakStale(file, current);
      continue;
    }
    if (!told && current) {
      options.onWait?.(current);
      told = true;
    }
    if (now() - started > waitMs) {
      throw new SlipwayError(
        'LOCKED',
        `${key} is locked by pid ${current?.pid} on ${current?.host} (${current?.command})`,
        {
          fix: 'wait for that command to finish, or rerun later; a crashed holder frees the lock when its lease ends',
        },
      );
    }
    await sleep(200);
  }
  // renew the lease while we work, so only a dead holder loses it
  const timer = setInterval(() => {
    const temp = `${file}.${token}.tmp`;
    void writeFile(temp, JSON.stringify({ ...holder(), acquiredAt: new Date(started).toISOString() }))
      .then(() => readHolder(file))
      .then((current) => (current?.token === token ? rename(temp, file) : unlink(temp)))
      .catch(() => undefined);
  }, leaseMs / 3);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      const current = await readHolder(file);
      if (current?.token === token) await unlink(file).catch(() => undefined);
    },
  };
}

/** Removes a stale lock file, unless someone replaced it meanwhile (compared by token under a short guard). */
async function breakStale(file: string, seen: LockHolder | undefined): Promise<void> {
  const guard = `${file}.break`;
  try {
    const handle = await open(guard, 'wx');
    await handle.close();
  } catch {
    // another process is breaking it; a guard left by a crash expires after 10 s
    const info = await stat(guard).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 10_000) await unlink(guard).catch(() => undefined);
    await sleep(50);
    return;
  }
  try {
    const current = await readHolder(file);
    if (current?.token === seen?.token) await unlink(file).catch(() => undefined);
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

/** Runs `action` holding the environment's lease, telling `progress` once if it has to wait for another holder. */
export async function withEnvironmentLock<T>(
  key: string,
  options: { dir: string; command: string; progress: (line: string) => void },
  action: () => Promise<T>,
): Promise<T> {
  const lease = await acquireLock(key, {
    dir: options.dir,
    command: options.command,
    onWait: (holder) =>
      options.progress(
        `waiting: ${key} is locked by pid ${holder.pid} on ${holder.host} (${holder.command}) since ${holder.acquiredAt}`,
      ),
  });
  try {
    return await action();
  } finally {
    await lease.release();
  }
}

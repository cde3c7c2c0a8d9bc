// The build context as Docker sees it: the files .dockerignore lets through, hashed, and packed as a tar.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';

export interface ContextEntry {
  /** POSIX path relative to the context. */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  /** Only git's notion of a mode survives: executable or not (umask and checkout do not change digests). */
  executable: boolean;
  /** sha256 of the content (files) or of the link target (symlinks); empty for directories. */
  sha256: string;
  size: number;
  /** Absolute path on disk. */
  source: string;
  linkTarget?: string;
}

/** A fixed timestamp for every tar entry, so the same files always make the same context. */
export const CONTEXT_MTIME = new Date('1980-01-01T00:00:00Z');

export async function readDockerignore(contextDir: string): Promise<string[]> {
  try {
    const text = await readFile(path.join(contextDir, '.dockerignore'), 'utf8');
    return text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
  } catch {
    return [];
  }
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** Lists the context in a stable order, honouring .dockerignore exactly as the Docker CLI does. */
export async function listContext(contextDir: string): Promise<ContextEntry[]> {
  const patterns = await readDockerignore(contextDir);
  // the package is CommonJS with a default export; Node's ESM interop hands us the module object
  const ignore = ((dockerignore as unknown as { default?: typeof dockerignore }).default ??
    dockerignore) as unknown as (o: { ignorecase: boolean }) => { add(p: string[]): { ignores(p: string): boolean } };
  const matcher = ignore({ ignorecase: false }).add(patterns);
  const entries: ContextEntry[] = [];
  async function walk(relativeDir: string): Promise<void> {
    const names = (await readdir(path.join(contextDir, relativeDir))).sort();
    for (const name of names) {
      const relative = relativeDir ? `${relativeDir}/${name}` : name;
      const source = path.join(contextDir, relative);
      const stat = await lstat(source);
      const ignored = matcher.ignores(relative);
      if (stat.isDirectory()) {
        // an ignored folder may still hold re-included files (`!` patterns), as in the Docker CLI
        if (!ignored)
          entries.push({ path: relative, type: 'directory', executable: true, sha256: '', size: 0, source });
        if (!ignored || patterns.some((p) => p.startsWith('!'))) await walk(relative);
      } else if (!ignored && stat.isSymbolicLink()) {
        const target = await readlink(source);
        entries.push({
          path: relative,
          type: 'symlink',
          executable: false,
          sha256: createHash('sha256').update(target).digest('hex'),
          size: 0,
          source,
          linkTarget: target,
        });
      } else if (!ignored && stat.isFile()) {
        entries.push({
          path: relative,
          type: 'file',
          executable: (stat.mode & 0o100) !== 0,
          sha256: await sha256File(source),
          size: stat.size,
          source,
        });
      }
    }
  }
  await walk('');
  return entries;
}

/** Packs the entries (plus the Dockerfile under `dockerfileName` if it is not already among them) into a tar stream. */
export async function packContext(
  entries: ContextEntry[],
  extra: { name: string; content: Buffer } | undefined,
): Promise<Readable> {
  // loaded on use: only a real build needs a tar
  const { default: tar } = await import('tar-stream');
  const pack = tar.pack();
  const common = { mtime: CONTEXT_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
  (async () => {
    for (const entry of entries) {
      if (entry.type === 'directory') {
        pack.entry({ ...common, name: entry.path, type: 'directory', mode: 0o755 });
      } else if (entry.type === 'symlink') {
        pack.entry({ ...common, name: entry.path, type: 'symlink', linkname: entry.linkTarget!, mode: 0o777 });
      } else {
        await new Promise<void>((resolve, reject) => {
          const sink = pack.entry(
            { ...common, name: entry.path, type: 'file', size: entry.size, mode: entry.executable ? 0o755 : 0o644 },
            (error) => (error ? reject(error) : resolve()),
          );
          createReadStream(entry.source).on('error', reject).pipe(sink);
        });
      }
    }
    if (extra) pack.entry({ ...common, name: extra.name, type: 'file', mode: 0o644 }, extra.content);
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return pack as unknown as Readable;
}

// A component's build inputs and their digest: what decides whether an image must be built again.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ContextEntry } from './context.js';

/** Everything that shapes the image, in a form that two machines or two checkouts compute alike. */
export interface BuildInputs {
  dockerfileSha256: string;
  /** Dockerfile path relative to the context (or `<outside>/name`). */
  dockerfilePath: string;
  entries: Pick<ContextEntry, 'path' | 'type' | 'executable' | 'sha256'>[];
  buildArgs: Record<string, string>;
  /** Base image name -> the engine's image id for it. */
  bases: Record<string, string>;
  /** Config fields that change the image without being files: target, secret names. */
  settings: Record<string, string>;
}

/** A compact record of the inputs, kept in a label of the image, to explain the next rebuild. */
export interface InputRecord {
  v: 1;
  dockerfile: string;
  files: Record<string, string>;
  buildArgs: Record<string, string>;
  bases: Record<string, string>;
  settings: Record<string, string>;
}

const short = (hex: string) => hex.slice(0, 16);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function sortedObject<T>(value: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `sha256:<hex>` over a canonical JSON of the inputs: no mtimes, no permission bits but the executable one. */
export function inputDigest(inputs: BuildInputs): string {
  const canonical = JSON.stringify({
    v: 1,
    dockerfile: [inputs.dockerfilePath, inputs.dockerfileSha256],
    entries: [...inputs.entries]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((e) => [e.path, e.type, e.executable ? 'x' : '-', e.sha256]),
    buildArgs: sortedObject(inputs.buildArgs),
    bases: sortedObject(inputs.bases),
    settings: sortedObject(inputs.settings),
  });
  return `sha256:${sha256(canonical)}`;
}

export function inputRecord(inputs: BuildInputs): InputRecord {
  const files: Record<string, string> = {};
  for (const e of inputs.entries) {
    if (e.type === 'directory') continue;
    files[e.path] = `${short(e.sha256)}${e.executable ? '+x' : ''}${e.type === 'symlink' ? '@' : ''}`;
  }
  return {
    v: 1,
    dockerfile: short(inputs.dockerfileSha256),
    files: sortedObject(files),
    // values are hashed: build args are not secrets, but the label need not show them
    buildArgs: sortedObject(
      Object.fromEntries(Object.entries(inputs.buildArgs).map(([k, v]) => [k, short(sha256(v))])),
    ),
    bases: sortedObject(inputs.bases),
    settings: sortedObject(inputs.settings),
  };
}

/** Labels are strings: the record travels gzipped and base64-encoded. Large contexts keep only folder-level hashes. */
export function encodeRecord(record: InputRecord): string {
  let encoded = gzipSync(JSON.stringify(record)).toString('base64');
  if (encoded.length > 200_000) {
    const folders: Record<string, string[]> = {};
    for (const [file, hash] of Object.entries(record.files)) {
      const folder = file.includes('/') ? `${file.slice(0, file.lastIndexOf('/'))}/` : './';
      (folders[folder] ??= []).push(`${file}=${hash}`);
    }
    const files = Object.fromEntries(
      Object.entries(folders).map(([folder, list]) => [folder, short(sha256(list.join('\n')))]),
    );
    encoded = gzipSync(JSON.stringify({ ...record, files })).toString('base64');
  }
  return encoded;
}

export function decodeRecord(label: string | undefined): InputRecord | undefined {
  if (!label) return undefined;
  try {
    const record = JSON.parse(gunzipSync(Buffer.from(label, 'base64')).toString('utf8')) as InputRecord;
    return record.v === 1 ? record : undefined;
  } catch {
    return undefined;
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Says why an image must be rebuilt, comparing the previous image's record with the current inputs.
 * `prefix` is prepended to context paths (the context's folder relative to the project), so the reason names real files.
 */
export function explainChange(previous: InputRecord | undefined, current: InputRecord, prefix: string): string {
  if (!previous) return 'no image for this input';
  const reasons: string[] = [];
  for (const [name, id] of Object.entries(current.bases)) {
    if (previous.bases[name] !== undefined && previous.bases[name] !== id) reasons.push(`base image ${name} changed`);
    else if (previous.bases[name] === undefined) reasons.push(`base image ${name} added`);
  }
  if (previous.dockerfile !== current.dockerfile) reasons.push('Dockerfile changed');
  const changed: string[] = [];
  for (const [file, hash] of Object.entries(current.files)) {
    if (previous.files[file] === undefined) changed.push(`${prefix}${file} added`);
    else if (previous.files[file] !== hash) changed.push(`${prefix}${file} changed`);
  }
  for (const file of Object.keys(previous.files))
    if (current.files[file] === undefined) changed.push(`${prefix}${file} removed`);
  if (changed.length > 0)
    reasons.push(
      changed.length > 3
        ? `${changed.slice(0, 2).join(', ')} and ${plural(changed.length - 2, 'more file')}`
        : changed.join(', '),
    );
  const argNames = new Set([...Object.keys(previous.buildArgs), ...Object.keys(current.buildArgs)]);
  for (const name of [...argNames].sort()) {
    if (previous.buildArgs[name] !== current.buildArgs[name]) reasons.push(`build arg ${name} changed`);
  }
  const settingNames = new Set([...Object.keys(previous.settings), ...Object.keys(current.settings)]);
  for (const name of [...settingNames].sort()) {
    if (previous.settings[name] !== current.settings[name]) reasons.push(`config ${name} changed`);
  }
  return reasons.length > 0 ? reasons.join('; ') : 'no image for this input';
}

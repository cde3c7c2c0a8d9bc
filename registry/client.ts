// A small OCI distribution API client: manifest digests, manifest copies between tags and repositories, and the blob
// operations (exists, mount, get, upload) a copy between repositories or registries needs.
import { createHash } from 'node:crypto';
import { SlipwayError } from '../core/errors.js';

// Without these Accept types a registry may answer with a converted schema1 manifest and a different digest.
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

// a layer is tens of megabytes: its transfer gets more time than a manifest request
const BLOB_TIMEOUT_MS = 10 * 60_000;

export interface RegistryEndpoint {
  /** host[:port] */
  host: string;
  insecure: boolean;
}

export interface Manifest {
  digest: string;
  mediaType: string;
  /** The bytes exactly as the registry served them: re-serialised JSON would have another digest. */
  body: Buffer;
}

export type BlobBody = Buffer | ReadableStream<Uint8Array>;

export interface RegistryClient {
  ping(): Promise<void>;
  /** The digest a tag points to, or undefined when the tag does not exist. */
  manifestDigest(repository: string, reference: string): Promise<string | undefined>;
  getManifest(repository: string, reference: string): Promise<Manifest | undefined>;
  /** Stores a manifest under a tag (or digest); resolves with the digest the registry computed. */
  putManifest(repository: string, reference: string, manifest: Pick<Manifest, 'mediaType' | 'body'>): Promise<string>;
  blobExists(repository: string, digest: string): Promise<boolean>;
  /**
   * Asks the registry to link a blob it holds in `fromRepository` into `repository`, without a transfer. When it
   * declines, it opens an upload session instead: `upload` is its location, for `uploadBlob`.
   */
  mountBlob(
    repository: string,
    digest: string,
    fromRepository: string,
  ): Promise<{ mounted: true } | { mounted: false; upload: string }>;
  /** The blob's content as a stream (redirects followed), and its size when the registry says it. */
  getBlob(repository: string, digest: string): Promise<{ body: ReadableStream<Uint8Array>; size: number | undefined }>;
  /** A monolithic upload, into the session `upload` when given (from `mountBlob`), else a new one. */
  uploadBlob(
    repository: string,
    digest: string,
    body: BlobBody,
    options?: { size?: number; upload?: string },
  ): Promise<void>;
}

/** Splits `host:port/path/name` into the registry host and the repository name inside it. */
export function splitRepository(imageRepository: string): { host: string; name: string } {
  const slash = imageRepository.indexOf('/');
  return { host: imageRepository.slice(0, slash), name: imageRepository.slice(slash + 1) };
}

export function createRegistryClient(endpoint: RegistryEndpoint, fetchImpl: typeof fetch = fetch): RegistryClient {
  const base = `${endpoint.insecure ? 'http' : 'https'}://${endpoint.host}/v2`;

  /** `path` is under /v2, or an absolute URL (an upload location). */
  async function request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: BlobBody; timeoutMs?: number } = {},
  ): Promise<Response> {
    try {
      return await fetchImpl(/^https?:\/\//.test(path) ? path : `${base}${path}`, {
        method,
        headers: init.headers,
        body: init.body,
        // a stream body is sent as it is read
        ...(init.body && !Buffer.isBuffer(init.body) ? { duplex: 'half' as const } : {}),
        signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new SlipwayError('REGISTRY_UNREACHABLE', `the registry ${endpoint.host} is not reachable (${reason})`, {
        fix: 'start it (`bash scripts/machine-setup.sh` starts one on 127.0.0.1:5000) or correct registry.url in slipway.config.ts',
        cause: error,
      });
    }
  }

  async function fail(response: Response, what: string): Promise<never> {
    const text = (await response.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ');
    throw new SlipwayError('REGISTRY_ERROR', `${what} failed: HTTP ${response.status} ${text}`.trim(), {
      fix:
        response.status === 401 || response.status === 403
          ? 'check the registry credentials'
          : 'check the registry logs and retry',
    });
  }

  /** An upload session's location, absolute (registries answer with either form). */
  async function location(response: Response, what: string): Promise<string> {
    const value = response.headers.get('location');
    if (!value) await fail(response, `${what} (no Location header)`);
    return new URL(value!, base).href;
  }

  return {
    async ping() {
      const response = await request('GET', '/');
      if (response.status !== 200 && response.status !== 401) await fail(response, `ping of ${endpoint.host}`);
    },
    async manifestDigest(repository, reference) {
      const response = await request('HEAD', `/${repository}/manifests/${reference}`, {
        headers: { Accept: MANIFEST_MEDIA_TYPES.join(', ') },
      });
      if (response.status === 404) return undefined;
      if (!response.ok) await fail(response, `manifest lookup of ${repository}:${reference}`);
      return response.headers.get('docker-content-digest') ?? undefined;
    },
    async getManifest(repository, reference) {
      const response = await request('GET', `/${repository}/manifests/${reference}`, {
        headers: { Accept: MANIFEST_MEDIA_TYPES.join(', ') },
      });
      if (response.status === 404) return undefined;
      if (!response.ok) await fail(response, `manifest read of ${repository}:${reference}`);
      const body = Buffer.from(await response.arrayBuffer());
      const digest =
        response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`;
      return { digest, mediaType: (response.headers.get('content-type') ?? '').split(';')[0]!, body };
    },
    async putManifest(repository, reference, manifest) {
      const response = await request('PUT', `/${repository}/manifests/${reference}`, {
        headers: { 'Content-Type': manifest.mediaType },
        body: manifest.body,
      });
      if (!response.ok) await fail(response, `manifest write of ${repository}:${reference}`);
      return (
        response.headers.get('docker-content-digest') ??
        `sha256:${createHash('sha256').update(manifest.body).digest('hex')}`
      );
    },
    async blobExists(repository, digest) {
      const response = await request('HEAD', `/${repository}/blobs/${digest}`);
      if (response.status === 404) return false;
      if (!response.ok) await fail(response, `blob lookup of ${repository}@${digest}`);
      return true;
    },
    async mountBlob(repository, digest, fromRepository) {
      const query = new URLSearchParams({ mount: digest, from: fromRepository });
      const response = await request('POST', `/${repository}/blobs/uploads/?${query}`);
      if (response.status === 201) return { mounted: true };
      if (response.status === 202)
        return { mounted: false, upload: await location(response, `blob mount of ${digest} into ${repository}`) };
      return fail(response, `blob mount of ${digest} from ${fromRepository} into ${repository}`);
    },
    async getBlob(repository, digest) {
      const response = await request('GET', `/${repository}/blobs/${digest}`, { timeoutMs: BLOB_TIMEOUT_MS });
      if (!response.ok || !response.body) await fail(response, `blob read of ${repository}@${digest}`);
      const length = response.headers.get('content-length');
      return { body: response.body!, size: length === null ? undefined : Number(length) };
    },
    async uploadBlob(repository, digest, body, options = {}) {
      let upload = options.upload;
      if (!upload) {
        const started = await request('POST', `/${repository}/blobs/uploads/`);
        if (started.status !== 202) await fail(started, `blob upload to ${repository}`);
        upload = await location(started, `blob upload to ${repository}`);
      }
      const url = new URL(upload);
      url.searchParams.set('digest', digest);
      const size = options.size ?? (Buffer.isBuffer(body) ? body.length : undefined);
      const response = await request('PUT', url.href, {
        headers: {
          'Content-Type': 'application/octet-stream',
          ...(size === undefined ? {} : { 'Content-Length': String(size) }),
        },
        body,
        timeoutMs: BLOB_TIMEOUT_MS,
      });
      if (response.status !== 201) await fail(response, `blob upload of ${digest} to ${repository}`);
    },
  };
}

/** A repository in a registry, and the client that reaches it. */
export interface RepositoryRef {
  client: RegistryClient;
  /** host[:port] */
  host: string;
  /** The repository's name inside the registry. */
  name: string;
}

export interface CopyCounts {
  /** Blobs the target already had. */
  present: number;
  mounted: number;
  uploaded: number;
}

interface Descriptor {
  digest: string;
}

/**
 * Copies a manifest from one repository to another, with every blob it references (for an index, every manifest it
 * lists first), then stores it by digest. The manifest goes over as the same bytes, so its digest is the same (a
 * registry refuses a manifest PUT by digest whose bytes hash otherwise). A blob the target has is skipped, so a
 * rerun after a failure converges; within one registry a blob is mounted, not transferred. No tag is written.
 * `copied` (shared by the copies of one promote) remembers which target repository got each blob, so that a base
 * layer shared by several images crosses to another registry once and is mounted from there for the others.
 */
export async function copyManifest(
  source: RepositoryRef,
  target: RepositoryRef,
  manifest: Manifest,
  copied = new Map<string, string>(),
): Promise<CopyCounts> {
  const counts: CopyCounts = { present: 0, mounted: 0, uploaded: 0 };

  async function copyBlob(digest: string): Promise<void> {
    const key = `${target.host}/${digest}`;
    if (await target.client.blobExists(target.name, digest)) {
      counts.present++;
      copied.set(key, target.name);
      return;
    }
    let upload: string | undefined;
    const mountFrom = source.host === target.host ? source.name : copied.get(key);
    if (mountFrom) {
      const mount = await target.client.mountBlob(target.name, digest, mountFrom);
      if (mount.mounted) {
        counts.mounted++;
        copied.set(key, target.name);
        return;
      }
      // declined (cross-repository mounts turned off, or the blob is not linked in the source): the registry
      // opened an upload session instead, which the transfer uses
      upload = mount.upload;
    }
    const blob = await source.client.getBlob(source.name, digest);
    await target.client.uploadBlob(target.name, digest, blob.body, { size: blob.size, upload });
    counts.uploaded++;
    copied.set(key, target.name);
  }

  async function copy(current: Manifest): Promise<void> {
    const content = JSON.parse(current.body.toString('utf8')) as {
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
    };
    // a registry refuses an index whose manifests it does not have, and a manifest whose blobs it does not have
    for (const child of content.manifests ?? []) {
      const found = await source.client.getManifest(source.name, child.digest);
      if (!found) {
        throw new SlipwayError(
          'REGISTRY_ERROR',
          `${source.host}/${source.name}@${child.digest}, listed in ${current.digest}, is not in the registry`,
          { fix: 'push the image again (slipway build --push)' },
        );
      }
      await copy(found);
    }
    for (const blob of [...(content.config ? [content.config] : []), ...(content.layers ?? [])])
      await copyBlob(blob.digest);
    await target.client.putManifest(target.name, current.digest, current);
  }

  await copy(manifest);
  return counts;
}

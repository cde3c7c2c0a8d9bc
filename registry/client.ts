// A small OCI distribution API client: manifest digests, manifest copies between tags and repositories.
import { createHash } from 'node:crypto';
import { SlipwayError } from '../core/errors.js';

// Without these Accept types a registry may answer with a converted schema1 manifest and a different digest.
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

export interface RegistryEndpoint {
  /** host[:port] */
  host: string;
  insecure: boolean;
}

export interface Manifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

export interface RegistryClient {
  ping(): Promise<void>;
  /** The digest a tag points to, or undefined when the tag does not exist. */
  manifestDigest(repository: string, reference: string): Promise<string | undefined>;
  getManifest(repository: string, reference: string): Promise<Manifest | undefined>;
  /** Stores a manifest under a tag (or digest); resolves with the digest the registry computed. */
  putManifest(repository: string, reference: string, manifest: Pick<Manifest, 'mediaType' | 'body'>): Promise<string>;
}

/** Splits `host:port/path/name` into the registry host and the repository name inside it. */
export function splitRepository(imageRepository: string): { host: string; name: string } {
  const slash = imageRepository.indexOf('/');
  return { host: imageRepository.slice(0, slash), name: imageRepository.slice(slash + 1) };
}

export function createRegistryClient(endpoint: RegistryEndpoint, fetchImpl: typeof fetch = fetch): RegistryClient {
  const base = `${endpoint.insecure ? 'http' : 'https'}://${endpoint.host}/v2`;

  async function request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<Response> {
    try {
      return await fetchImpl(`${base}${path}`, {
        method,
        headers: init.headers,
        body: init.body,
        signal: AbortSignal.timeout(30_000),
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
  };
}

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../core/errors.js';
import { copyManifest, createRegistryClient, type Manifest } from './client.js';

interface Exchange {
  method: string;
  url: string;
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A fetch that answers the exchanges given, in order, and fails on any other request. */
function scripted(...exchanges: Exchange[]) {
  const seen: Seen[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const next = exchanges.shift();
    if (!next || next.method !== method || next.url !== String(input))
      throw new Error(`unexpected ${method} ${String(input)}`);
    const body = init?.body ? await new Response(init.body).text() : undefined;
    seen.push({ method, url: String(input), headers: { ...(init?.headers as Record<string, string>) }, body });
    return new Response(next.body ?? null, { status: next.status, headers: next.headers });
  }) as typeof fetch;
  return { fetchImpl, seen, left: () => exchanges };
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

const A = 'http://a.test:5000/v2';
const B = 'http://b.test:5000/v2';
const LAYER = 'layer bytes';
const CONFIG = '{"architecture":"amd64"}';
// the spacing of distribution's own manifests: a re-serialised copy would hash differently
const IMAGE_BODY = `{\n   "schemaVersion": 2,\n   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",\n   "config": { "digest": "${sha256(CONFIG)}" },\n   "layers": [ { "digest": "${sha256(LAYER)}" } ]\n}`;
const IMAGE: Manifest = {
  digest: sha256(IMAGE_BODY),
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  body: Buffer.from(IMAGE_BODY),
};

describe('registry client: blobs', () => {
  it('tells whether a blob exists, and reports any other answer as a registry error', async () => {
    const { fetchImpl } = scripted(
      { method: 'HEAD', url: `${A}/p/api/blobs/sha256:1`, status: 200 },
      { method: 'HEAD', url: `${A}/p/api/blobs/sha256:2`, status: 404 },
      { method: 'HEAD', url: `${A}/p/api/blobs/sha256:3`, status: 500 },
    );
    const client = createRegistryClient({ host: 'a.test:5000', insecure: true }, fetchImpl);
    expect(await client.blobExists('p/api', 'sha256:1')).toBe(true);
    expect(await client.blobExists('p/api', 'sha256:2')).toBe(false);
    const error = await client.blobExists('p/api', 'sha256:3').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).toMatchObject({ code: 'REGISTRY_ERROR', message: 'blob lookup of p/api@sha256:3 failed: HTTP 500' });
  });

  it('mounts a blob from another repository (201), or hands over the upload session the registry opened (202)', async () => {
    const { fetchImpl } = scripted(
      {
        method: 'POST',
        url: `${A}/qa/p/api/blobs/uploads/?mount=sha256%3A1&from=p%2Fapi`,
        status: 201,
        headers: { Location: '/v2/qa/p/api/blobs/sha256:1' },
      },
      {
        method: 'POST',
        url: `${A}/qa/p/api/blobs/uploads/?mount=sha256%3A2&from=p%2Fapi`,
        status: 202,
        headers: { Location: '/v2/qa/p/api/blobs/uploads/u-1?_state=s' },
      },
      { method: 'POST', url: `${A}/qa/p/api/blobs/uploads/?mount=sha256%3A3&from=p%2Fapi`, status: 404 },
    );
    const client = createRegistryClient({ host: 'a.test:5000', insecure: true }, fetchImpl);
    expect(await client.mountBlob('qa/p/api', 'sha256:1', 'p/api')).toEqual({ mounted: true });
    expect(await client.mountBlob('qa/p/api', 'sha256:2', 'p/api')).toEqual({
      mounted: false,
      upload: 'http://a.test:5000/v2/qa/p/api/blobs/uploads/u-1?_state=s',
    });
    await expect(client.mountBlob('qa/p/api', 'sha256:3', 'p/api')).rejects.toMatchObject({
      code: 'REGISTRY_ERROR',
      message: 'blob mount of sha256:3 from p/api into qa/p/api failed: HTTP 404',
    });
  });

  it('uploads in one PUT to the location the registry gives, relative or absolute, keeping its query', async () => {
    const digest = sha256(LAYER);
    const { fetchImpl, seen } = scripted(
      {
        method: 'POST',
        url: `${B}/p/api/blobs/uploads/`,
        status: 202,
        headers: { Location: '/v2/p/api/blobs/uploads/u-1?_state=s' },
      },
      { method: 'PUT', url: `${B}/p/api/blobs/uploads/u-1?_state=s&digest=${encodeURIComponent(digest)}`, status: 201 },
      {
        method: 'POST',
        url: `${B}/p/web/blobs/uploads/`,
        status: 202,
        headers: { Location: 'http://storage.b.test/uploads/u-2' },
      },
      { method: 'PUT', url: `http://storage.b.test/uploads/u-2?digest=${encodeURIComponent(digest)}`, status: 201 },
      { method: 'PUT', url: `${B}/p/db/blobs/uploads/u-3?digest=${encodeURIComponent(digest)}`, status: 400 },
    );
    const client = createRegistryClient({ host: 'b.test:5000', insecure: true }, fetchImpl);
    await client.uploadBlob('p/api', digest, Buffer.from(LAYER));
    await client.uploadBlob('p/web', digest, new Response(LAYER).body!, { size: LAYER.length });
    // with the session a declined mount opened: no new POST
    await expect(
      client.uploadBlob('p/db', digest, Buffer.from(LAYER), { upload: `${B}/p/db/blobs/uploads/u-3` }),
    ).rejects.toMatchObject({ code: 'REGISTRY_ERROR', message: `blob upload of ${digest} to p/db failed: HTTP 400` });
    const puts = seen.filter((s) => s.method === 'PUT');
    expect(puts.map((s) => s.body)).toEqual([LAYER, LAYER, LAYER]);
    expect(puts.map((s) => s.headers['Content-Length'])).toEqual(['11', '11', '11']);
  });

  it('reads a blob as a stream, with its size', async () => {
    const { fetchImpl } = scripted({
      method: 'GET',
      url: `${A}/p/api/blobs/sha256:1`,
      status: 200,
      headers: { 'Content-Length': String(LAYER.length) },
      body: LAYER,
    });
    const client = createRegistryClient({ host: 'a.test:5000', insecure: true }, fetchImpl);
    const blob = await client.getBlob('p/api', 'sha256:1');
    expect(blob.size).toBe(LAYER.length);
    expect(await new Response(blob.body).text()).toBe(LAYER);
  });
});

describe('copyManifest', () => {
  const config = sha256(CONFIG);
  const layer = sha256(LAYER);

  it('within one registry: mounts the missing blobs, skips those present, then PUTs the same bytes by digest', async () => {
    const { fetchImpl, seen, left } = scripted(
      { method: 'HEAD', url: `${A}/qa/p/api/blobs/${config}`, status: 200 },
      { method: 'HEAD', url: `${A}/qa/p/api/blobs/${layer}`, status: 404 },
      {
        method: 'POST',
        url: `${A}/qa/p/api/blobs/uploads/?mount=${encodeURIComponent(layer)}&from=p%2Fapi`,
        status: 201,
      },
      {
        method: 'PUT',
        url: `${A}/qa/p/api/manifests/${IMAGE.digest}`,
        status: 201,
        headers: { 'Docker-Content-Digest': IMAGE.digest },
      },
    );
    const client = createRegistryClient({ host: 'a.test:5000', insecure: true }, fetchImpl);
    const counts = await copyManifest(
      { client, host: 'a.test:5000', name: 'p/api' },
      { client, host: 'a.test:5000', name: 'qa/p/api' },
      IMAGE,
    );
    expect(counts).toEqual({ present: 1, mounted: 1, uploaded: 0 });
    expect(left()).toEqual([]);
    expect(seen.at(-1)).toMatchObject({ headers: { 'Content-Type': IMAGE.mediaType }, body: IMAGE_BODY });
  });

  it('within one registry: uploads into the session of a declined mount', async () => {
    const { fetchImpl, left } = scripted(
      { method: 'HEAD', url: `${A}/qa/p/api/blobs/${config}`, status: 200 },
      { method: 'HEAD', url: `${A}/qa/p/api/blobs/${layer}`, status: 404 },
      {
        method: 'POST',
        url: `${A}/qa/p/api/blobs/uploads/?mount=${encodeURIComponent(layer)}&from=p%2Fapi`,
        status: 202,
        headers: { Location: '/v2/qa/p/api/blobs/uploads/u-1' },
      },
      { method: 'GET', url: `${A}/p/api/blobs/${layer}`, status: 200, body: LAYER },
      { method: 'PUT', url: `${A}/qa/p/api/blobs/uploads/u-1?digest=${encodeURIComponent(layer)}`, status: 201 },
      { method: 'PUT', url: `${A}/qa/p/api/manifests/${IMAGE.digest}`, status: 201 },
    );
    const client = createRegistryClient({ host: 'a.test:5000', insecure: true }, fetchImpl);
    const counts = await copyManifest(
      { client, host: 'a.test:5000', name: 'p/api' },
      { client, host: 'a.test:5000', name: 'qa/p/api' },
      IMAGE,
    );
    expect(counts).toEqual({ present: 1, mounted: 0, uploaded: 1 });
    expect(left()).toEqual([]);
  });

  it('across registries: copies the manifests an index lists, with their blobs, before the index', async () => {
    const indexBody = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":"${IMAGE.digest}"}]}`;
    const index: Manifest = {
      digest: sha256(indexBody),
      mediaType: 'application/vnd.oci.image.index.v1+json',
      body: Buffer.from(indexBody),
    };
    const source = scripted(
      {
        method: 'GET',
        url: `${A}/p/api/manifests/${IMAGE.digest}`,
        status: 200,
        headers: { 'Content-Type': IMAGE.mediaType, 'Docker-Content-Digest': IMAGE.digest },
        body: IMAGE_BODY,
      },
      { method: 'GET', url: `${A}/p/api/blobs/${config}`, status: 200, body: CONFIG },
      { method: 'GET', url: `${A}/p/api/blobs/${layer}`, status: 200, body: LAYER },
    );
    const target = scripted(
      { method: 'HEAD', url: `${B}/p/api/blobs/${config}`, status: 404 },
      { method: 'POST', url: `${B}/p/api/blobs/uploads/`, status: 202, headers: { Location: '/v2/p/api/u/1' } },
      { method: 'PUT', url: `${B}/p/api/u/1?digest=${encodeURIComponent(config)}`, status: 201 },
      { method: 'HEAD', url: `${B}/p/api/blobs/${layer}`, status: 404 },
      { method: 'POST', url: `${B}/p/api/blobs/uploads/`, status: 202, headers: { Location: '/v2/p/api/u/2' } },
      { method: 'PUT', url: `${B}/p/api/u/2?digest=${encodeURIComponent(layer)}`, status: 201 },
      { method: 'PUT', url: `${B}/p/api/manifests/${IMAGE.digest}`, status: 201 },
      { method: 'PUT', url: `${B}/p/api/manifests/${index.digest}`, status: 201 },
    );
    const counts = await copyManifest(
      {
        client: createRegistryClient({ host: 'a.test:5000', insecure: true }, source.fetchImpl),
        host: 'a.test:5000',
        name: 'p/api',
      },
      {
        client: createRegistryClient({ host: 'b.test:5000', insecure: true }, target.fetchImpl),
        host: 'b.test:5000',
        name: 'p/api',
      },
      index,
    );
    expect(counts).toEqual({ present: 0, mounted: 0, uploaded: 2 });
    expect([source.left(), target.left()]).toEqual([[], []]);
    expect(target.seen.filter((s) => s.url.includes('/u/')).map((s) => s.body)).toEqual([CONFIG, LAYER]);
    expect(target.seen.filter((s) => s.url.includes('/manifests/')).map((s) => s.body)).toEqual([
      IMAGE_BODY,
      indexBody,
    ]);
  });

  it('across registries: mounts a blob this promote already sent to another repository of the target', async () => {
    const { fetchImpl, left } = scripted(
      { method: 'HEAD', url: `${B}/p/api/blobs/${config}`, status: 200 },
      { method: 'HEAD', url: `${B}/p/api/blobs/${layer}`, status: 404 },
      {
        method: 'POST',
        url: `${B}/p/api/blobs/uploads/?mount=${encodeURIComponent(layer)}&from=p%2Fweb`,
        status: 201,
      },
      { method: 'PUT', url: `${B}/p/api/manifests/${IMAGE.digest}`, status: 201 },
    );
    const client = createRegistryClient({ host: 'b.test:5000', insecure: true }, fetchImpl);
    const copied = new Map([[`b.test:5000/${layer}`, 'p/web']]);
    const counts = await copyManifest(
      { client, host: 'a.test:5000', name: 'p/api' },
      { client, host: 'b.test:5000', name: 'p/api' },
      IMAGE,
      copied,
    );
    expect(counts).toEqual({ present: 1, mounted: 1, uploaded: 0 });
    expect(left()).toEqual([]);
    expect(copied.get(`b.test:5000/${layer}`)).toBe('p/api');
  });

  it('stops at the first failure, before the manifest is written', async () => {
    const { fetchImpl, left } = scripted(
      { method: 'HEAD', url: `${B}/p/api/blobs/${config}`, status: 200 },
      { method: 'HEAD', url: `${B}/p/api/blobs/${layer}`, status: 503 },
      { method: 'PUT', url: `${B}/p/api/manifests/${IMAGE.digest}`, status: 201 },
    );
    const client = createRegistryClient({ host: 'b.test:5000', insecure: true }, fetchImpl);
    await expect(
      copyManifest(
        { client, host: 'a.test:5000', name: 'p/api' },
        { client, host: 'b.test:5000', name: 'p/api' },
        IMAGE,
      ),
    ).rejects.toMatchObject({ code: 'REGISTRY_ERROR', message: `blob lookup of p/api@${layer} failed: HTTP 503` });
    expect(left()).toHaveLength(1);
  });
});

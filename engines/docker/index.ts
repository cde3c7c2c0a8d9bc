// The Docker engine adapter (dockerode over the Engine API): BuildKit builds with sessions, image lookups, pushes.
import type Docker from 'dockerode';
import { SlipwayError } from '../../core/errors.js';
import type { BuildOutcome, BuildRequest, ImageEngine, ImageInfo } from '../types.js';
import { engineEndpoint, engineRequest, engineUnreachable, EngineApiError, isEngineConnectionError } from './api.js';
import { decodeBuildStatus, type BuildStep } from './buildkit-status.js';

export interface DockerEngineOptions {
  /** Defaults to DOCKER_HOST or the local socket, as the Docker CLI does. */
  socketPath?: string;
}

/** Reads a Docker JSON-lines progress stream, calling `onMessage` for each object. */
function readJsonLines(
  stream: NodeJS.ReadableStream,
  onMessage: (message: Record<string, unknown>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) onMessage(JSON.parse(line) as Record<string, unknown>);
      }
    });
    stream.on('end', () => {
      if (buffered.trim()) onMessage(JSON.parse(buffered) as Record<string, unknown>);
      resolve();
    });
    stream.on('error', reject);
  });
}

function toImageInfo(raw: {
  Size?: number;
  Id: string;
  Labels?: Record<string, string> | null;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created: string | number;
}): ImageInfo {
  return {
    id: raw.Id,
    labels: raw.Labels ?? {},
    repoTags: raw.RepoTags ?? [],
    repoDigests: raw.RepoDigests ?? [],
    created: typeof raw.Created === 'number' ? new Date(raw.Created * 1000).toISOString() : raw.Created,
    size: raw.Size ?? 0,
  };
}

export function createDockerEngine(options: DockerEngineOptions = {}): ImageEngine {
  const endpoint = options.socketPath ? { socketPath: options.socketPath } : engineEndpoint();
  let client: Docker | undefined;
  // dockerode (and its gRPC stack) loads only for streaming calls: builds, pushes, pulls
  async function dockerode(): Promise<Docker> {
    if (!client) {
      const { default: DockerClient } = await import('dockerode');
      client = new DockerClient(options.socketPath ? { socketPath: options.socketPath } : undefined);
    }
    return client;
  }

  async function call<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (isEngineConnectionError(error)) throw engineUnreachable(error);
      throw error;
    }
  }

  async function inspectImage(reference: string): Promise<ImageInfo | undefined> {
    return call(async () => {
      try {
        const raw = await engineRequest<Docker.ImageInspectInfo>(
          endpoint,
          'GET',
          `/images/${encodeURIComponent(reference)}/json`,
        );
        return toImageInfo({ ...raw, Labels: raw.Config?.Labels ?? null });
      } catch (error) {
        if (error instanceof EngineApiError && error.statusCode === 404) return undefined;
        throw error;
      }
    });
  }

  async function build(request: BuildRequest): Promise<BuildOutcome> {
    // the gRPC stack is only loaded when something is really built
    const { openBuildSession } = await import('./session.js');
    const docker = await dockerode();
    const session = await call(() => openBuildSession(docker, request.secrets, 'slipway'));
    const steps = new Map<string, BuildStep>();
    const logs = new Map<string, string[]>();
    let imageId: string | undefined;
    let streamError: string | undefined;
    try {
      const stream = await call(
        () =>
          new Promise<NodeJS.ReadableStream>((resolve, reject) =>
            docker.modem.dial(
              {
                path: '/build?',
                method: 'POST',
                file: request.context,
                isStream: true,
                abortSignal: request.signal,
                options: {
                  version: '2',
                  session: session.id,
                  dockerfile: request.dockerfile,
                  t: request.tags,
                  buildargs: request.buildArgs,
                  labels: request.labels,
                  ...(request.target ? { target: request.target } : {}),
                  rm: true,
                  forcerm: true,
                },
                headers: { 'Content-Type': 'application/x-tar' },
                statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
              } as never,
              (error: Error | null, data: unknown) => (error ? reject(error) : resolve(data as NodeJS.ReadableStream)),
            ),
          ),
      );
      await readJsonLines(stream, (message) => {
        if (message.id === 'moby.buildkit.trace' && typeof message.aux === 'string') {
          const status = decodeBuildStatus(message.aux);
          for (const step of status.steps) {
            steps.set(step.digest, step);
            request.onStep?.(step);
          }
          for (const log of status.logs) {
            const lines = logs.get(log.vertex) ?? [];
            lines.push(...log.text.split('\n').filter((l) => l.trim() !== ''));
            logs.set(log.vertex, lines.slice(-50));
            request.onLog?.(log.text);
          }
        } else if (message.id === 'moby.image.id') {
          imageId = (message.aux as { ID: string }).ID;
        } else if (typeof message.error === 'string') {
          streamError = message.error;
        }
      });
    } catch (error) {
      if (error instanceof SlipwayError) throw error;
      streamError = (error as Error).message;
    } finally {
      session.close();
    }
    if (streamError !== undefined || !imageId) {
      const failed =
        [...steps.values()].find((s) => s.error) ?? [...steps.values()].filter((s) => s.started && !s.completed).at(-1);
      return {
        ok: false,
        failure: {
          step: failed?.name ?? 'build',
          message: (failed?.error || streamError || 'the build produced no image').split('\n')[0]!,
          logTail: failed ? (logs.get(failed.digest) ?? []).slice(-10) : [],
        },
      };
    }
    return { ok: true, imageId };
  }

  return {
    name: 'docker',
    async ping() {
      await call(() => engineRequest(endpoint, 'GET', '/_ping'));
    },
    inspectImage,
    async findImages(labels) {
      const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
      const list = await call(() =>
        engineRequest<Docker.ImageInfo[]>(
          endpoint,
          'GET',
          `/images/json?filters=${encodeURIComponent(JSON.stringify(filters))}`,
        ),
      );
      return list.map((raw) => toImageInfo(raw));
    },
    async ensureImage(reference) {
      const found = await inspectImage(reference);
      if (found) return found.id;
      try {
        const docker = await dockerode();
        const stream = await call(() => docker.pull(reference) as Promise<NodeJS.ReadableStream>);
        let pullError: string | undefined;
        await readJsonLines(stream, (m) => {
          if (typeof m.error === 'string') pullError = m.error;
        });
        if (pullError) throw new Error(pullError);
      } catch (error) {
        if (error instanceof SlipwayError) throw error;
        throw new SlipwayError(
          'BASE_IMAGE_MISSING',
          `base image ${reference} is not on this engine and could not be pulled`,
          {
            fix: `pull or build ${reference} first (examples/scolarite/base-images/build.sh builds local stand-ins)`,
            cause: error,
          },
        );
      }
      const pulled = await inspectImage(reference);
      if (!pulled)
        throw new SlipwayError('BASE_IMAGE_MISSING', `base image ${reference} is missing after pull`, {
          fix: `pull ${reference} by hand and retry`,
        });
      return pulled.id;
    },
    build,
    async tag(imageId, repository, tag) {
      await call(() =>
        engineRequest(
          endpoint,
          'POST',
          `/images/${encodeURIComponent(imageId)}/tag?repo=${encodeURIComponent(repository)}&tag=${encodeURIComponent(tag)}`,
        ),
      );
    },
    async push(repository, tag) {
      const docker = await dockerode();
      const stream = await call(
        () =>
          docker
            .getImage(`${repository}:${tag}`)
            .push({ tag, authconfig: {} } as never) as unknown as Promise<NodeJS.ReadableStream>,
      );
      let digest: string | undefined;
      let pushError: string | undefined;
      await readJsonLines(stream, (m) => {
        if (typeof m.error === 'string') pushError = m.error;
        const aux = m.aux as { Digest?: string } | undefined;
        if (aux?.Digest) digest = aux.Digest;
      });
      if (pushError || !digest) {
        const unreachable = /connection refused|no such host|dial tcp|i\/o timeout/i.test(pushError ?? '');
        throw new SlipwayError(
          unreachable ? 'REGISTRY_UNREACHABLE' : 'PUSH_FAILED',
          `push of ${repository}:${tag} failed: ${(pushError ?? 'no digest returned').split('\n')[0]}`,
          {
            fix: unreachable
              ? 'start the registry (`bash scripts/machine-setup.sh` starts one on 127.0.0.1:5000) or fix registry.url'
              : 'check the registry credentials and free space, then rerun',
          },
        );
      }
      return digest;
    },
  };
}

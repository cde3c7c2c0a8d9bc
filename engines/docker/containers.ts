// Containers, networks, volumes and execs on the Docker engine, through its API (quick JSON calls).
import {
  demuxLogs,
  engineEndpoint,
  engineRequest,
  engineRequestRaw,
  engineUnreachable,
  ensureNamedNetwork,
  isEngineConnectionError,
  EngineApiError,
  type EngineEndpoint,
} from './api.js';

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  Labels: Record<string, string>;
  State: string;
  Created: number;
}

export interface ContainerDetails {
  Id: string;
  Name: string;
  RestartCount: number;
  State: { Running: boolean; Status: string; ExitCode: number; Restarting: boolean };
  Config: { Labels: Record<string, string>; Image: string };
  NetworkSettings: { Networks: Record<string, { IPAddress: string; Aliases: string[] | null }> };
}

export interface CreateContainer {
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  network: string;
  aliases: string[];
  /** volume name -> path inside the container */
  volumes: Record<string, string>;
  /** Relative CPU weight (cgroup cpu.shares; the engine's default is 1024), e.g. lower while starting. */
  cpuShares?: number;
}

/** The engine's default CPU weight of a container. */
export const DEFAULT_CPU_SHARES = 1024;

function q(value: string): string {
  return encodeURIComponent(value);
}

function labelFilter(labels: Record<string, string>): string {
  return q(JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) }));
}

export function createDockerRuntime(endpoint: EngineEndpoint = engineEndpoint()) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    try {
      return await engineRequest<T>(endpoint, method, path, body);
    } catch (error) {
      if (isEngineConnectionError(error)) throw engineUnreachable(error);
      throw error;
    }
  }
  async function optional<T>(promise: Promise<T>): Promise<T | undefined> {
    try {
      return await promise;
    } catch (error) {
      if (error instanceof EngineApiError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  return {
    listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
      return call<ContainerSummary[]>('GET', `/containers/json?all=true&filters=${labelFilter(labels)}`);
    },
    inspectContainer(id: string): Promise<ContainerDetails | undefined> {
      return optional(call<ContainerDetails>('GET', `/containers/${q(id)}/json`));
    },
    async createContainer(spec: CreateContainer): Promise<string> {
      const created = await call<{ Id: string }>('POST', `/containers/create?name=${q(spec.name)}`, {
        Image: spec.image,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        HostConfig: {
          RestartPolicy: { Name: 'unless-stopped' },
          Mounts: Object.entries(spec.volumes).map(([source, target]) => ({
            Type: 'volume',
            Source: source,
            Target: target,
          })),
          LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
          ...(spec.cpuShares ? { CpuShares: spec.cpuShares } : {}),
        },
        NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: spec.aliases } } },
      });
      return created.Id;
    },
    /** A container that only records labels (never started): how an environment keeps its metadata on the engine. */
    async createRecord(name: string, image: string, labels: Record<string, string>): Promise<string> {
      const created = await call<{ Id: string }>('POST', `/containers/create?name=${q(name)}`, {
        Image: image,
        Labels: labels,
        Cmd: ['true'],
        Entrypoint: ['true'],
        HostConfig: { NetworkMode: 'none' },
      });
      return created.Id;
    },
    /** Changes a running container's CPU weight in place (no restart); a container already gone is fine. */
    async setCpuShares(id: string, cpuShares: number): Promise<void> {
      await optional(call('POST', `/containers/${q(id)}/update`, { CpuShares: cpuShares }));
    },
    async renameContainer(id: string, name: string): Promise<void> {
      await call('POST', `/containers/${q(id)}/rename?name=${q(name)}`);
    },
    async startContainer(id: string): Promise<void> {
      try {
        await call('POST', `/containers/${q(id)}/start`);
      } catch (error) {
        // 304: already running
        if (!(error instanceof EngineApiError && error.statusCode === 304)) throw error;
      }
    },
    /** SIGTERM, then SIGKILL after `timeoutSeconds`: the app finishes its in-flight requests meanwhile. */
    async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
      await optional(call('POST', `/containers/${q(id)}/stop?t=${timeoutSeconds}`)).catch((error: unknown) => {
        if (!(error instanceof EngineApiError && error.statusCode === 304)) throw error;
      });
    },
    async removeContainer(id: string): Promise<void> {
      await optional(call('DELETE', `/containers/${q(id)}?force=true&v=false`));
    },
    async logs(id: string, tail: number): Promise<string[]> {
      try {
        const data = await engineRequestRaw(
          endpoint,
          'GET',
          `/containers/${q(id)}/logs?stdout=true&stderr=true&tail=${tail}`,
        );
        return demuxLogs(data)
          .split('\n')
          .filter((l) => l.trim() !== '');
      } catch {
        return [];
      }
    },
    async exec(id: string, cmd: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
      const created = await call<{ Id: string }>('POST', `/containers/${q(id)}/exec`, {
        Cmd: cmd,
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        AttachStdout: true,
        AttachStderr: true,
      });
      const data = await engineRequestRaw(endpoint, 'POST', `/exec/${q(created.Id)}/start`, {
        Detach: false,
        Tty: false,
      });
      const info = await call<{ ExitCode: number | null; Running: boolean }>('GET', `/exec/${q(created.Id)}/json`);
      return { code: info.ExitCode ?? -1, output: demuxLogs(data) };
    },
    inspectImage(
      reference: string,
    ): Promise<
      | { Id: string; Config: { Volumes: Record<string, unknown> | null; Labels: Record<string, string> | null } }
      | undefined
    > {
      return optional(call('GET', `/images/${q(reference)}/json`));
    },
    /** Pulls `repo@sha256:…` or `repo:tag` from its registry. */
    async pullImage(reference: string): Promise<void> {
      const at = reference.lastIndexOf('@');
      const colon = reference.lastIndexOf(':');
      const [image, tag] =
        at > 0
          ? [reference.slice(0, at), reference.slice(at + 1)]
          : colon > reference.lastIndexOf('/')
            ? [reference.slice(0, colon), reference.slice(colon + 1)]
            : [reference, 'latest'];
      const data = await engineRequestRaw(endpoint, 'POST', `/images/create?fromImage=${q(image!)}&tag=${q(tag!)}`);
      const failure = data
        .toString('utf8')
        .split('\n')
        .map((line) => {
          try {
            return (JSON.parse(line) as { error?: string }).error;
          } catch {
            return undefined;
          }
        })
        .find(Boolean);
      if (failure) throw new Error(failure);
    },
    async ensureNetwork(name: string, labels: Record<string, string>): Promise<{ id: string; subnet: string }> {
      const network = await ensureNamedNetwork(call, name, labels);
      return { id: network.Id, subnet: network.IPAM.Config?.[0]?.Subnet ?? '' };
    },
    async removeNetwork(name: string): Promise<void> {
      await optional(call('DELETE', `/networks/${q(name)}`));
    },
    listNetworks(labels: Record<string, string>): Promise<{ Name: string; Labels: Record<string, string> }[]> {
      return call('GET', `/networks?filters=${labelFilter(labels)}`);
    },
    async ensureVolume(name: string, labels: Record<string, string>): Promise<boolean> {
      const existing = await optional(call('GET', `/volumes/${q(name)}`));
      if (existing) return false;
      await call('POST', '/volumes/create', { Name: name, Labels: labels });
      return true;
    },
    async removeVolume(name: string): Promise<void> {
      await optional(call('DELETE', `/volumes/${q(name)}?force=true`));
    },
    async listVolumes(labels: Record<string, string>): Promise<{ Name: string; Labels: Record<string, string> }[]> {
      const result = await call<{ Volumes: { Name: string; Labels: Record<string, string> }[] | null }>(
        'GET',
        `/volumes?filters=${labelFilter(labels)}`,
      );
      return result.Volumes ?? [];
    },
  };
}

export type DockerRuntime = ReturnType<typeof createDockerRuntime>;

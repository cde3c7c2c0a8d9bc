// A minimal client for the Docker Engine API's quick JSON calls (ping, inspect, list, tag).
// dockerode stays the client for streams (build, push, pull, sessions); loading it costs about 170 ms
// (ssh2, grpc, protobufjs), which would dominate `slipway build` when nothing changed, so it loads only then.
import http from 'node:http';

export interface EngineEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

/** Where the engine listens, the way the Docker CLI reads DOCKER_HOST. */
export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const dockerHost = env.DOCKER_HOST;
  if (!dockerHost) return { socketPath: '/var/run/docker.sock' };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375) };
}

export class EngineApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

export function engineRequest<T>(endpoint: EngineEndpoint, method: string, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = http.request({ ...endpoint, agent, method, path, headers: { Host: 'docker' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = response.statusCode ?? 0;
        if (status >= 400) {
          let message = text;
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? text;
          } catch {
            // plain-text error body
          }
          reject(new EngineApiError(status, message.trim()));
        } else resolve((text && response.headers['content-type']?.includes('json') ? JSON.parse(text) : text) as T);
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** Lets the process exit without waiting for idle keep-alive sockets. */
export function closeEngineConnections(): void {
  agent.destroy();
}

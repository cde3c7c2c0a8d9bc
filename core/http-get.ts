// One HTTP GET to a given address with a Host header of the caller's choosing (fetch cannot set Host): how slipway
// probes a container or the router as users would reach it.
import http from 'node:http';

export interface HostGet {
  address: string;
  port: number;
  /** The Host header. */
  host: string;
  path: string;
  /** A keep-alive agent to reuse connections; default none (a new connection). */
  agent?: http.Agent;
  timeoutMs?: number;
}

/** Resolves with the status once the body is read, or with what went wrong (no answer, a refusal); never rejects. */
export function getWithHost(options: HostGet): Promise<{ status: number } | { error: string }> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve) => {
    const request = http.get(
      {
        host: options.address,
        port: options.port,
        path: options.path,
        headers: { Host: options.host },
        agent: options.agent ?? false,
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode! }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    request.on('error', (error) => resolve({ error: error.message }));
  });
}

// Runs argv in a pod's container through the API's exec subresource (a websocket): the exit code and the output,
// as the Docker engine's exec gives them, so both engines share the storage migration code.
import { Writable } from 'node:stream';
import { Exec, type V1Status } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';

/**
 * The exec API takes no environment: variables go through `env NAME=value … argv`, still one argv element each
 * (no shell ever parses them).
 */
export function execArgv(argv: string[], env: Record<string, string> = {}): string[] {
  const pairs = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  return pairs.length === 0 ? argv : ['env', ...pairs, ...argv];
}

/** The exit code in an exec's final Status: 0 on Success, the ExitCode cause otherwise (-1 when it has none). */
export function exitCodeOf(status: Pick<V1Status, 'status' | 'details'>): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : -1;
}

export async function podExec(
  client: KubeClient,
  target: { namespace: string; pod: string; container: string },
  argv: string[],
  env: Record<string, string> = {},
  timeoutMs = 300_000,
): Promise<{ code: number; output: string }> {
  let output = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      output = (output + chunk.toString('utf8')).slice(-1024 * 1024);
      callback();
    },
  });
  const exec = new Exec(client.kc);
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () => finish(undefined, new Error(`exec in ${target.pod} gave no result in ${timeoutMs} ms`)),
      timeoutMs,
    );
    function finish(result: { code: number; output: string } | undefined, error?: unknown): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(error instanceof Error ? error : new Error(String(error)));
    }
    exec
      .exec(target.namespace, target.pod, target.container, execArgv(argv, env), sink, sink, null, false, (status) => {
        const code = exitCodeOf(status);
        finish({ code, output: code === -1 && output === '' ? (status.message ?? '') : output });
      })
      .then((socket) => {
        socket.on('close', () =>
          setTimeout(() => finish(undefined, new Error(`exec in ${target.pod} closed without a status`)), 100),
        );
        socket.on('error', (error: Error) => finish(undefined, error));
      })
      .catch((error: unknown) => finish(undefined, error));
  });
}

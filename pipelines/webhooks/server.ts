// The webhook receiver behind `slipway serve`: verifies each request, turns it into work, and queues the work per
// environment. 401 bad secret, 400 bad JSON or payload, 413 too large, 202 queued, 200 ignored, 503 while stopping.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseWebhook } from './events.js';
import { createSerialQueue } from './queue.js';
import { verifyWebhook, FORGES, type Forge } from './verify.js';
import { planWork, type WorkLayout, type WorkPlan } from './work.js';

export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface JobEvent {
  id: number;
  kind: 'up' | 'down';
  branch: string;
  phase: 'queued' | 'started' | 'finished' | 'failed';
  error?: string;
}

export interface WebhookServerOptions {
  port: number;
  bind: string;
  /** Per forge; a forge without a secret has every request refused. */
  secrets: Partial<Record<Forge, string>>;
  layout: WorkLayout;
  /** Runs one piece of work; rejects when it failed. */
  execute: (plan: WorkPlan) => Promise<void>;
  log: (line: string) => void;
  onJob?: (event: JobEvent) => void;
  maxBodyBytes?: number;
}

export interface WebhookServer {
  url: string;
  port: number;
  /** Jobs queued or running. */
  pending(): number;
  /** Resolves once no job is queued or running. */
  idle(): Promise<void>;
  /** Stops accepting requests, then waits for every queued job: a queued `down` dropped would leak an environment. */
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function send(response: http.ServerResponse, reply: Reply, close = false): void {
  const text = `${JSON.stringify(reply.body)}\n`;
  response.writeHead(reply.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...(close ? { Connection: 'close' } : {}),
  });
  response.end(text);
}

/** The body, or undefined once it grew past `limit` (the rest is drained and dropped). */
function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) {
      request.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    request.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const queue = createSerialQueue();
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  let stopping = false;
  let nextId = 1;

  function enqueue(plan: WorkPlan): number {
    const id = nextId++;
    const event = (phase: JobEvent['phase'], error?: string) =>
      options.onJob?.({ id, kind: plan.kind, branch: plan.branch, phase, ...(error ? { error } : {}) });
    const name = `job ${id} (${plan.kind} ${JSON.stringify(plan.branch)})`;
    event('queued');
    void queue
      .enqueue(plan.key, async () => {
        event('started');
        options.log(`${name}: started`);
        await options.execute(plan);
      })
      .then(
        () => {
          options.log(`${name}: done`);
          event('finished');
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          options.log(`${name}: failed: ${message}`);
          event('failed', message);
        },
      );
    return id;
  }

  async function handle(request: http.IncomingMessage, forge: Forge): Promise<Reply> {
    const body = await readBody(request, limit);
    if (!body) return { status: 413, body: { error: `the body is larger than ${limit} bytes` } };
    const verdict = verifyWebhook(forge, request.headers, body, options.secrets[forge]);
    if (!verdict.ok) return { status: 401, body: { error: verdict.reason } };
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return { status: 400, body: { error: 'the body is not JSON' } };
    }
    const action = parseWebhook(forge, request.headers, json);
    if (action.kind === 'invalid') return { status: 400, body: { error: action.reason } };
    if (action.kind === 'ignore') {
      options.log(`${forge} ${action.event}: ignored (${action.reason})`);
      return { status: 200, body: { ignored: action.event, reason: action.reason } };
    }
    const plan = planWork(action, options.layout);
    const job = enqueue(plan);
    options.log(`${forge} ${action.event}: job ${job} queued (${plan.kind} ${JSON.stringify(plan.branch)})`);
    return { status: 202, body: { queued: plan.kind, branch: plan.branch, job } };
  }

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://serve');
    if (request.method === 'GET' && url.pathname === '/healthz') {
      send(response, { status: stopping ? 503 : 200, body: { ok: !stopping, pending: queue.size() } });
      return;
    }
    const forge = FORGES.find((f) => url.pathname === `/webhooks/${f}`);
    if (!forge) {
      request.resume();
      send(response, { status: 404, body: { error: 'POST /webhooks/gitlab or /webhooks/github' } });
      return;
    }
    if (request.method !== 'POST') {
      request.resume();
      response.setHeader('Allow', 'POST');
      send(response, { status: 405, body: { error: 'webhooks are POST requests' } });
      return;
    }
    if (stopping) {
      request.resume();
      send(response, { status: 503, body: { error: 'slipway serve is stopping' } }, true);
      return;
    }
    handle(request, forge).then(
      (reply) => send(response, reply, reply.status === 413),
      (error: unknown) => {
        options.log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!response.headersSent) send(response, { status: 500, body: { error: 'internal error' } }, true);
      },
    );
  });
  // a webhook is small and sent at once: slow senders do not get to hold connections open
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.bind.includes(':') ? `[${options.bind}]` : options.bind;

  return {
    url: `http://${host}:${port}`,
    port,
    pending: () => queue.size(),
    idle: () => queue.idle(),
    async close() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await queue.idle();
      await closed;
    },
  };
}

// A BuildKit session over the Docker API: how build secrets reach `RUN --mount=type=secret` without touching a layer.
// The daemon dials back into this connection as a gRPC client; we serve the Secrets and Health services.
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import type Docker from 'dockerode';
import { decodeFields, encodeBytesField, encodeVarintField, stringField } from './protobuf.js';

export interface BuildSession {
  id: string;
  close(): void;
}

const SECRETS_METHOD = '/moby.buildkit.secrets.v1.Secrets/GetSecret';
const HEALTH_METHOD = '/grpc.health.v1.Health/Check';

type Unary<Req, Res> = grpc.MethodDefinition<Req, Res>;

function unary<Req, Res>(path: string, decode: (b: Buffer) => Req, encode: (r: Res) => Buffer): Unary<Req, Res> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: () => Buffer.alloc(0),
    requestDeserialize: decode,
    responseSerialize: encode,
    responseDeserialize: () => undefined as Res,
  };
}

// GetSecretRequest { string ID = 1; map<string,string> annotations = 2; } -> GetSecretResponse { bytes data = 1; }
const secretsService = {
  GetSecret: unary<{ id: string }, Buffer>(
    SECRETS_METHOD,
    (buffer) => ({ id: stringField(decodeFields(buffer), 1) }),
    (data) => encodeBytesField(1, data),
  ),
};

// HealthCheckResponse { ServingStatus status = 1; }: SERVING = 1. The daemon drops sessions that fail this check.
const healthService = {
  Check: unary<unknown, number>(
    HEALTH_METHOD,
    () => ({}),
    (status) => encodeVarintField(1, status),
  ),
};

/** Opens a session that answers the daemon's secret requests from `secrets` (id -> value). */
export function openBuildSession(docker: Docker, secrets: Map<string, Buffer>, name: string): Promise<BuildSession> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        method: 'POST',
        path: '/session',
        hijack: true,
        headers: {
          Upgrade: 'h2c',
          'X-Docker-Expose-Session-Uuid': id,
          'X-Docker-Expose-Session-Name': name,
          'X-Docker-Expose-Session-Sharedkey': name,
          'X-Docker-Expose-Session-Grpc-Method': [SECRETS_METHOD, HEALTH_METHOD],
        },
        statusCodes: { 101: true, 200: true, 500: 'server error' },
      } as never,
      (error: Error | null, socket: unknown) => {
        if (error) return reject(error);
        const server = new grpc.Server();
        server.addService(secretsService as unknown as grpc.ServiceDefinition, {
          GetSecret(call: grpc.ServerUnaryCall<{ id: string }, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
            const value = secrets.get(call.request.id);
            if (value === undefined)
              callback({ code: grpc.status.NOT_FOUND, details: `secret ${call.request.id} not declared` });
            else callback(null, value);
          },
        });
        server.addService(healthService as unknown as grpc.ServiceDefinition, {
          Check(_call: unknown, callback: grpc.sendUnaryData<number>) {
            callback(null, 1);
          },
        });
        const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
        injector.injectConnection(socket as Duplex);
        resolve({
          id,
          close() {
            server.forceShutdown();
            (socket as Duplex).destroy();
          },
        });
      },
    );
  });
}

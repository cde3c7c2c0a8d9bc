// Decodes BuildKit's progress messages (moby.buildkit.v1.StatusResponse, base64 in the build stream's `aux`).
import { boolField, bufferFields, decodeFields, stringField } from './protobuf.js';

export interface BuildStep {
  digest: string;
  /** e.g. `[2/4] RUN npm ci` */
  name: string;
  cached: boolean;
  started: boolean;
  completed: boolean;
  error: string;
}

export interface BuildLog {
  vertex: string;
  text: string;
}

export interface BuildStatus {
  steps: BuildStep[];
  logs: BuildLog[];
}

// Field numbers from moby/buildkit api/services/control/control.proto (StatusResponse, Vertex, VertexLog).
export function decodeBuildStatus(base64: string): BuildStatus {
  const response = decodeFields(Buffer.from(base64, 'base64'));
  const steps = bufferFields(response, 1).map((raw) => {
    const vertex = decodeFields(raw);
    return {
      digest: stringField(vertex, 1),
      name: stringField(vertex, 3),
      cached: boolField(vertex, 4),
      started: vertex.has(5),
      completed: vertex.has(6),
      error: stringField(vertex, 7),
    };
  });
  const logs = bufferFields(response, 3).map((raw) => {
    const log = decodeFields(raw);
    return { vertex: stringField(log, 1), text: bufferFields(log, 4)[0]?.toString('utf8') ?? '' };
  });
  return { steps, logs };
}

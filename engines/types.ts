// The contracts every engine adapter implements. Docker implements image building today; Kubernetes will
// reuse the same build side (images are built once, then run anywhere) and add its own runtime.
import type { Readable } from 'node:stream';
import type { BuildStep } from './docker/buildkit-status.js';

export interface ImageInfo {
  id: string;
  labels: Record<string, string>;
  repoTags: string[];
  /** `repo@sha256:...` for each registry the image was pushed to or pulled from. */
  repoDigests: string[];
  created: string;
  /** Bytes, as the engine reports the image's size. */
  size: number;
}

export interface BuildRequest {
  /** A tar of the build context. */
  context: Readable;
  /** Dockerfile path inside the context tar. */
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  target: string | undefined;
  /** Secret id -> value, served to `RUN --mount=type=secret` through a BuildKit session. */
  secrets: Map<string, Buffer>;
  onStep?: (step: BuildStep) => void;
  onLog?: (text: string) => void;
  signal?: AbortSignal;
}

export interface BuildFailure {
  /** The step that failed, e.g. `[3/4] RUN npm test`. */
  step: string;
  message: string;
  /** Last lines the failing step printed. */
  logTail: string[];
}

export type BuildOutcome = { ok: true; imageId: string } | { ok: false; failure: BuildFailure };

/** The image side of an engine: build, look up, tag, push. */
export interface ImageEngine {
  readonly name: string;
  ping(): Promise<void>;
  inspectImage(reference: string): Promise<ImageInfo | undefined>;
  findImages(labels: Record<string, string>): Promise<ImageInfo[]>;
  /** Makes sure a base image is present (pulls it if the engine can); returns its id. */
  ensureImage(reference: string): Promise<string>;
  build(request: BuildRequest): Promise<BuildOutcome>;
  tag(imageId: string, repository: string, tag: string): Promise<void>;
  /** Pushes one tag; resolves with the manifest digest the registry stored. */
  push(repository: string, tag: string): Promise<string>;
}

// The build plan: for each component, build, push or reuse, and why. Pure: it only reads the facts it is given.
import type { ComponentKind } from '../config/schema.js';
import { explainChange, type InputRecord } from './inputs.js';

export type BuildAction =
  /** no image for this input: build it (then push with --push) */
  | 'build'
  /** the image exists locally but not in the registry: push it */
  | 'push'
  /** an image for this input exists where it is needed: reuse it */
  | 'reuse';

export interface PlanFacts {
  id: string;
  kind: ComponentKind;
  imageRepository: string;
  inputDigest: string;
  record: InputRecord;
  /** The context folder relative to the project, with a trailing slash, to name changed files. */
  pathPrefix: string;
  /** Id of a local image tagged with this input digest, if any. */
  localImageId: string | undefined;
  /** Manifest digest of the input tag in the registry, if looked up and found. */
  registryDigest: string | undefined;
  /** The record of the most recent earlier image of this component, to explain a rebuild. */
  previousRecord: InputRecord | undefined;
}

export interface BuildPlanItem {
  id: string;
  kind: ComponentKind;
  imageRepository: string;
  inputDigest: string;
  /** `in-<12 hex of the input digest>` */
  inputTag: string;
  /** `sha-<12 hex of the commit>`, when the project is a git checkout */
  commitTag: string | undefined;
  action: BuildAction;
  reason: string;
  localImageId: string | undefined;
  registryDigest: string | undefined;
}

export interface BuildPlan {
  project: string;
  commit: string | undefined;
  push: boolean;
  items: BuildPlanItem[];
}

export function inputTag(inputDigest: string): string {
  return `in-${inputDigest.replace(/^sha256:/, '').slice(0, 12)}`;
}

export function commitTag(commit: string | undefined): string | undefined {
  return commit ? `sha-${commit.slice(0, 12)}` : undefined;
}

export function planBuild(options: {
  project: string;
  commit: string | undefined;
  push: boolean;
  facts: PlanFacts[];
}): BuildPlan {
  const items = options.facts.map((f): BuildPlanItem => {
    const tag = inputTag(f.inputDigest);
    const common = {
      id: f.id,
      kind: f.kind,
      imageRepository: f.imageRepository,
      inputDigest: f.inputDigest,
      inputTag: tag,
      commitTag: commitTag(options.commit),
      localImageId: f.localImageId,
      registryDigest: f.registryDigest,
    };
    const shortTag = `${tag.slice(0, 7)}…`;
    if (options.push && f.registryDigest)
      return { ...common, action: 'reuse', reason: `image ${shortTag} exists in the registry` };
    if (f.localImageId && options.push)
      return { ...common, action: 'push', reason: `image ${shortTag} exists locally, not yet in the registry` };
    if (f.localImageId) return { ...common, action: 'reuse', reason: `image ${shortTag} exists` };
    return { ...common, action: 'build', reason: explainChange(f.previousRecord, f.record, f.pathPrefix) };
  });
  return { project: options.project, commit: options.commit, push: options.push, items };
}

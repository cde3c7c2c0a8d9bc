// The Kubernetes engine: today its pure half (render an EnvPlan as objects, print them, find what to prune).
export {
  FIELD_MANAGER,
  K8S_ANNOTATION,
  K8S_LABEL,
  environmentNamespace,
  pruneSelector,
  renderManifests,
} from './manifests.js';
export {
  kubernetesConfigSchema,
  kubernetesOptions,
  type KubernetesConfigInput,
  type KubernetesConfigParsed,
} from './config.js';
export { pruneCandidates, type LiveObject } from './prune.js';
export { toYaml } from './yaml.js';
export type * from './types.js';

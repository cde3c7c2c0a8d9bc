// The Kubernetes engine: the pure half (render an EnvPlan as objects, print them, find what to prune) and the
// cluster half (createKubernetesEnvironments, the EnvironmentEngine on one kube context).
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
export { createKubernetesEnvironments, type KubernetesHeld } from './cluster.js';
export { createKubeClient, loadKubeConfig, type KubeClient } from './client.js';
export type * from './types.js';

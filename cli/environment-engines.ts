// Picks the engine of each environment from the config: previews run on `engine` (default docker), a release
// environment on its own `engine`, and a Kubernetes one on each of its `clusters` (kube contexts) in order. Engines
// are built once per command and only when asked for, so a Docker-only project never loads the Kubernetes client.
import type { ResolvedConfig } from '../config/resolve.js';
import type { EngineName, EnvironmentEngine } from '../environments/engine.js';

export interface EngineChoice {
  /** The engine previews run on. */
  preview(): Promise<EnvironmentEngine>;
  /** The engines an environment (a release environment's name, else a preview) runs on: one per cluster, in order. */
  forEnvironment(name: string): Promise<EnvironmentEngine[]>;
  /** Every engine the config uses, each once: what `env ls` lists. */
  all(): Promise<EnvironmentEngine[]>;
}

/** Which engine and kube contexts an environment uses; `undefined` context means the default one. */
export function engineTargets(
  config: ResolvedConfig,
  name: string | undefined,
): { engine: EngineName; contexts: (string | undefined)[] } {
  const release = name === undefined ? undefined : config.environments[name];
  const engine = release?.engine ?? config.engine;
  if (engine === 'docker') return { engine, contexts: [undefined] };
  const contexts = release && release.clusters.length > 0 ? release.clusters : [config.kubernetes?.context];
  return { engine, contexts };
}

export function environmentEngines(
  config: ResolvedConfig,
  env: NodeJS.ProcessEnv,
  progress: (line: string) => void = () => undefined,
): EngineChoice {
  const built = new Map<string, Promise<EnvironmentEngine>>();

  function build(engine: EngineName, context: string | undefined): Promise<EnvironmentEngine> {
    const id = `${engine}:${context ?? ''}`;
    let found = built.get(id);
    if (!found) {
      found =
        engine === 'docker'
          ? import('./docker-environments.js').then(({ dockerEnvironments }) => dockerEnvironments(config))
          : kubernetes(context);
      built.set(id, found);
    }
    return found;
  }

  async function kubernetes(context: string | undefined): Promise<EnvironmentEngine> {
    const [{ loadKubeConfig, createKubeClient }, { createKubernetesEnvironments }, { kubernetesOptions }] =
      await Promise.all([
        import('../engines/kubernetes/client.js'),
        import('../engines/kubernetes/cluster.js'),
        import('../engines/kubernetes/config.js'),
      ]);
    const { kc, target } = loadKubeConfig({ file: config.kubernetes?.kubeconfig, env }, context);
    const section = config.kubernetes;
    return createKubernetesEnvironments({
      client: createKubeClient(kc, target, { timeoutMs: (section?.requestTimeoutSeconds ?? 15) * 1000 }),
      options: kubernetesOptions(section),
      deleteTimeoutMs: (section?.deleteTimeoutSeconds ?? 180) * 1000,
      progress,
    }) as EnvironmentEngine;
  }

  async function forEnvironment(name: string): Promise<EnvironmentEngine[]> {
    const { engine, contexts } = engineTargets(config, name);
    const engines: EnvironmentEngine[] = [];
    // every context is checked (kubeconfig, context name) before the first one is used
    for (const context of contexts) engines.push(await build(engine, context));
    return engines;
  }

  return {
    async preview() {
      const { engine, contexts } = engineTargets(config, undefined);
      return build(engine, contexts[0]);
    },
    forEnvironment,
    async all() {
      // build() gives the same promise for the same engine and context: the set keeps each once, in order
      const engines = new Set<Promise<EnvironmentEngine>>();
      for (const name of [undefined, ...Object.keys(config.environments)]) {
        const { engine, contexts } = engineTargets(config, name);
        for (const context of contexts) engines.add(build(engine, context));
      }
      return Promise.all(engines);
    },
  };
}

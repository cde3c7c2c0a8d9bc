// Access to the CI's single-node Kubernetes (scripts/k8s/up.sh) for end-to-end tests. With CI=true a missing cluster
// fails the suite instead of skipping it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Health, KubeConfig } from '@kubernetes/client-node';
import { inCi } from './engine.js';
import { REPO_ROOT } from './project.js';

/** Where `npm run k8s:up` left the cluster's state on this machine (its admin kubeconfig is there too). */
const MACHINE_KUBECONFIG = path.join(
  process.env.SLIPWAY_MACHINE_STATE ?? '/var/lib/slipway-machine',
  'k8s-run/conf/admin.kubeconfig',
);

/**
 * The admin kubeconfig of the CI cluster: $SLIPWAY_KUBECONFIG, else the one `npm run k8s:up` wrote into this
 * checkout (.slipway/k8s/kubeconfig), else the machine's copy (a cluster started from another checkout).
 */
export function kubeconfigPath(): string {
  if (process.env.SLIPWAY_KUBECONFIG) return process.env.SLIPWAY_KUBECONFIG;
  const inRepo = path.join(REPO_ROOT, '.slipway/k8s/kubeconfig');
  if (!existsSync(inRepo) && existsSync(MACHINE_KUBECONFIG)) return MACHINE_KUBECONFIG;
  return inRepo;
}

/** True when the kubeconfig exists and the cluster's API answers /readyz within 3 s. */
export async function clusterAvailable(): Promise<boolean> {
  const file = kubeconfigPath();
  if (!existsSync(file)) return false;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    return await new Health(kc).readyz({ signal: AbortSignal.timeout(3000) });
  } catch {
    return false;
  }
}

/** True when cluster tests should run: the cluster is up, or CI demands them (and they will fail loudly). */
export async function shouldRunClusterTests(): Promise<boolean> {
  return inCi || (await clusterAvailable());
}

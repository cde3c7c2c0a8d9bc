// Which live objects an apply leaves behind: those slipway applied to the environment that the config no longer has.
import type { KubernetesObject } from './types.js';

/** What the cluster half lists by the prune selector: enough to name an object. */
export interface LiveObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

function key(object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${object.apiVersion}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/**
 * The live objects, listed by `pruneSelector(plan)`, that the rendered set no longer contains. The selector keeps
 * everything slipway did not create (another tool's objects, the namespace's defaults) out of the candidates.
 */
export function pruneCandidates(rendered: readonly KubernetesObject[], live: readonly LiveObject[]): LiveObject[] {
  const wanted = new Set(rendered.map(key));
  // the namespace is never pruned here: removing it is `env down`, which deletes everything in it at once
  return live.filter((object) => object.kind !== 'Namespace' && !wanted.has(key(object)));
}

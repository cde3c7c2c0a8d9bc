// Multi-document YAML for `--dry-run -o yaml`, readable by kubectl (whose parser follows YAML 1.1).
import { stringify } from 'yaml';
import type { KubernetesObject } from './types.js';

/**
 * One document per object, with no anchors or aliases (objects the renderer shares are written out each time).
 * Written as YAML 1.1 so strings such as `yes`, `on` or `0777` are quoted: kubectl reads them with 1.1 rules and
 * would otherwise turn an env value into a boolean or an octal number.
 */
export function toYaml(objects: readonly KubernetesObject[]): string {
  return objects
    .map((object) => stringify(object, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false }))
    .join('---\n');
}

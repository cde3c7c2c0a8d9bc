// Kubernetes names and label values from slipway's names: DNS labels and label values have strict grammars.
import { createHash } from 'node:crypto';

const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$/;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** Whether a text is a valid label value: at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends, or empty. */
export function isLabelValue(text: string): boolean {
  return LABEL_VALUE.test(text);
}

/** A valid label value for any text: itself when valid, else a readable slug plus a hash of the original (distinct). */
export function labelValue(text: string): string {
  if (isLabelValue(text)) return text;
  const slug = text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 54)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return slug === '' ? shortHash(text) : `${slug}-${shortHash(text)}`;
}

/** Whether a text is an RFC 1123 DNS label (Namespace names); Service names are also RFC 1035 (a letter first). */
export function isDnsLabel(text: string): boolean {
  return DNS_LABEL.test(text);
}

/** `<prefix><project>-<env>`, cut with a hash suffix when longer than a DNS label allows. */
export function namespaceName(prefix: string, project: string, env: string): string {
  const full = `${prefix}${project}-${env}`;
  if (full.length <= 63) return full;
  return `${full.slice(0, 54).replace(/-+$/, '')}-${shortHash(full)}`;
}

/** Label values cannot hold `:`: `2026-11-22T12:00:00.000Z` becomes `20261122T120000Z` (sortable, still UTC). */
export function timestampLabel(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** A component id `<module>/<component>` as a label value: names hold no dots, so `.` keeps it unambiguous. */
export function componentLabel(id: string): string {
  return id.replace('/', '.');
}

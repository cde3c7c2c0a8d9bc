// Names of environments and their preview hosts: GitLab's own slug rules, so names match CI_COMMIT_REF_SLUG.
import { createHash } from 'node:crypto';

/** GitLab's `CI_COMMIT_REF_SLUG`: lowercase, each character outside a-z0-9 becomes `-`, 63 characters, no edge dashes. */
export function refSlug(ref: string): string {
  return ref
    .toLowerCase()
    .replace(/[^a-z0-9]/gu, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}

/** GitLab's `Gitlab::Utils.slugify`, with or without dots. */
export function slugify(text: string, allowDots = false): string {
  if (!allowDots) return refSlug(text);
  return text
    .toLowerCase()
    .replace(/[^a-z0-9.]/gu, '-')
    .slice(0, 63)
    .replace(/^[-.]+|[-.]+$/g, '');
}

/** The last 6 base-36 digits of the SHA-256 of `text`: GitLab's environment slug suffix. */
export function slugSuffix(text: string, hexdigest: (t: string) => string = sha256Hex): string {
  return BigInt(`0x${hexdigest(text)}`)
    .toString(36)
    .slice(-6);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** GitLab's `CI_ENVIRONMENT_SLUG` (Gitlab::Slug::Environment): 24 characters, a letter first, a suffix when changed. */
export function environmentSlug(name: string | null | undefined, hexdigest: (t: string) => string = sha256Hex): string {
  const original = name ?? '';
  let slug = original.toLowerCase().replace(/[^a-z0-9]/gu, '-');
  if (!/^[a-z]/.test(slug)) slug = `env-${slug}`;
  slug = slug.replace(/-+/g, '-');
  if (slug.length > 24 || slug !== original) {
    const short = slug.slice(0, 17);
    return `${short}${short.endsWith('-') ? '' : '-'}${slugSuffix(original, hexdigest)}`;
  }
  return slug.replace(/-$/, '');
}

/**
 * The environment name for a branch: its ref slug, so it matches GitLab's variables. A branch that already has an
 * environment keeps its name; a slug taken by another branch (`feature/a` and `feature-a`), or an empty one (a
 * branch of only punctuation), gets a suffix from the branch's own hash: distinct, and the same on every run.
 */
export function environmentName(branch: string, taken: ReadonlyMap<string, string>): string {
  for (const [name, owner] of taken) if (owner === branch) return name;
  const slug = refSlug(branch);
  if (slug !== '' && !taken.has(slug)) return slug;
  const base = slug === '' ? 'env' : slug.slice(0, 56).replace(/-+$/, '');
  return `${base}-${slugSuffix(branch)}`;
}

/**
 * A preview host `<component>-<module>--<env>.<domain>`; its first label stays within DNS's 63 characters by
 * shortening the environment part and adding a hash of the whole.
 */
export function previewHost(component: string, module: string, env: string, domain: string): string {
  let label = `${component}-${module}--${env}`;
  if (label.length > 63) {
    const suffix = slugSuffix(label);
    const room = 63 - `${component}-${module}--`.length - suffix.length - 1;
    label = `${component}-${module}--${env.slice(0, Math.max(1, room)).replace(/-+$/, '')}-${suffix}`.slice(0, 63);
  }
  return `${label}.${domain}`;
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { environmentName, environmentSlug, previewHost, refSlug, slugify } from './naming.js';

interface Vector {
  fn: 'ref_slug' | 'slugify' | 'environment_slug';
  input: string | null;
  allow_dots?: boolean;
  expected: string;
}

const vectors = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../shared/vectors/gitlab-slug.json'), 'utf8'),
) as Vector[];
// GitLab's environment spec stubs Digest::SHA2.hexdigest to 'a' * 64
const stubbedDigest = () => 'a'.repeat(64);

describe("GitLab's own slug vectors", () => {
  it.each(vectors.map((v) => [v.fn, JSON.stringify(v.input), v] as const))('%s(%s)', (_fn, _input, vector) => {
    if (vector.fn === 'ref_slug') expect(refSlug(vector.input ?? '')).toBe(vector.expected);
    else if (vector.fn === 'slugify') expect(slugify(vector.input ?? '', vector.allow_dots)).toBe(vector.expected);
    else expect(environmentSlug(vector.input, stubbedDigest)).toBe(vector.expected);
  });

  it('covers all three functions', () => {
    expect(new Set(vectors.map((v) => v.fn))).toEqual(new Set(['ref_slug', 'slugify', 'environment_slug']));
  });
});

describe('environmentName', () => {
  it('is the ref slug for an ordinary branch', () => {
    expect(environmentName('feature/Grades-Export', new Map())).toBe('feature-grades-export');
  });

  it('gives colliding branches distinct names, stable across runs', () => {
    const first = environmentName('feature/a', new Map());
    const taken = new Map([[first, 'feature/a']]);
    const second = environmentName('feature-a', taken);
    expect(first).toBe('feature-a');
    expect(second).toMatch(/^feature-a-[0-9a-z]{6}$/);
    expect(environmentName('feature-a', taken)).toBe(second);
    // once it exists, the branch keeps its name even if the first one goes away
    expect(environmentName('feature-a', new Map([[second, 'feature-a']]))).toBe(second);
    expect(environmentName('feature/a', taken)).toBe('feature-a');
  });

  it('handles unicode, emoji, shell metacharacters, 300 characters and pure punctuation', () => {
    expect(environmentName('élève/😀 notes', new Map())).toBe('l-ve---notes');
    expect(environmentName('$(rm -rf /);`id`|&&', new Map())).toBe('rm--rf-----id');
    const long = environmentName('x'.repeat(300), new Map());
    expect(long).toHaveLength(63);
    const punct = environmentName('!!!///***', new Map());
    expect(punct).toMatch(/^env-[0-9a-z]{6}$/);
    expect(environmentName('???', new Map())).not.toBe(punct);
    for (const name of [long, punct]) expect(name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
  });
});

describe('previewHost', () => {
  it('follows <component>-<module>--<env>.<domain>', () => {
    expect(previewHost('web', 'students', 'feature-a', 'localhost')).toBe('web-students--feature-a.localhost');
  });

  it('keeps the first label within 63 characters and distinct', () => {
    const a = previewHost('web', 'students', 'x'.repeat(63), 'localhost');
    const b = previewHost('web', 'students', `${'x'.repeat(62)}y`, 'localhost');
    expect(a.split('.')[0]!.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
  });
});

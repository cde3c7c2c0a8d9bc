import { describe, expect, it } from 'vitest';
import { componentLabel, isDnsLabel, isLabelValue, labelValue, namespaceName, timestampLabel } from './names.js';

describe('label values', () => {
  it('keeps valid values and turns others into valid, distinct ones', () => {
    expect(labelValue('sha-0123456789ab')).toBe('sha-0123456789ab');
    expect(labelValue('')).toBe('');
    const a = labelValue('feature/a');
    const b = labelValue('feature-a/');
    expect(a).toMatch(/^feature-a-[0-9a-f]{8}$/);
    expect(isLabelValue(a) && isLabelValue(b)).toBe(true);
    expect(a).not.toBe(b);
    const long = labelValue(`Feature/${'x'.repeat(100)}`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(isLabelValue(long)).toBe(true);
    expect(isLabelValue(labelValue('///'))).toBe(true);
  });

  it('rejects what Kubernetes rejects', () => {
    expect(isLabelValue('a'.repeat(64))).toBe(false);
    expect(isLabelValue('-a')).toBe(false);
    expect(isLabelValue('a:b')).toBe(false);
    expect(isLabelValue('repo@sha256:ab')).toBe(false);
    expect(isLabelValue('a_b.c-D')).toBe(true);
  });

  it('writes timestamps and component ids as label values', () => {
    expect(timestampLabel('2026-11-22T12:00:00.000Z')).toBe('20261122T120000Z');
    expect(componentLabel('students/api')).toBe('students.api');
  });
});

describe('namespaceName', () => {
  it('joins prefix, project and environment, cutting long names with a hash', () => {
    expect(namespaceName('slipway-', 'scolarite', 'feature-grades')).toBe('slipway-scolarite-feature-grades');
    const long = namespaceName('slipway-', 'scolarite', 'x'.repeat(63));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(isDnsLabel(long)).toBe(true);
    expect(long).not.toBe(namespaceName('slipway-', 'scolarite', `${'x'.repeat(62)}y`));
  });
});

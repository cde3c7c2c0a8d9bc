import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, explainChange, inputDigest, inputRecord, type BuildInputs } from './inputs.js';

function inputs(overrides: Partial<BuildInputs> = {}): BuildInputs {
  return {
    dockerfileSha256: 'a'.repeat(64),
    dockerfilePath: 'Dockerfile',
    entries: [
      { path: 'src', type: 'directory', executable: true, sha256: '' },
      { path: 'src/grades.js', type: 'file', executable: false, sha256: 'b'.repeat(64) },
      { path: 'package.json', type: 'file', executable: false, sha256: 'c'.repeat(64) },
    ],
    buildArgs: { VERSION: '1' },
    bases: { 'node:20-bookworm-slim': 'sha256:1111' },
    settings: {},
    ...overrides,
  };
}

describe('inputDigest', () => {
  it('does not depend on the order files were listed in', () => {
    const a = inputs();
    const b = inputs({ entries: [...a.entries].reverse() });
    expect(inputDigest(a)).toBe(inputDigest(b));
  });

  it('changes with a file, a build arg, a base image, the executable bit or a setting', () => {
    const base = inputDigest(inputs());
    const variants = [
      inputs({ entries: [{ path: 'src/grades.js', type: 'file', executable: false, sha256: 'd'.repeat(64) }] }),
      inputs({ buildArgs: { VERSION: '2' } }),
      inputs({ bases: { 'node:20-bookworm-slim': 'sha256:2222' } }),
      inputs({ entries: inputs().entries.map((e) => (e.path === 'package.json' ? { ...e, executable: true } : e)) }),
      inputs({ settings: { target: 'prod' } }),
    ];
    const digests = new Set(variants.map(inputDigest));
    expect(digests.size).toBe(variants.length);
    expect(digests.has(base)).toBe(false);
    expect(base).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('explainChange', () => {
  it('names the changed file with its project path', () => {
    const previous = inputRecord(inputs());
    const current = inputRecord(
      inputs({
        entries: [
          ...inputs().entries.slice(0, 1),
          { path: 'src/grades.js', type: 'file', executable: false, sha256: 'e'.repeat(64) },
          inputs().entries[2]!,
        ],
      }),
    );
    expect(explainChange(previous, current, 'records/api/')).toBe('records/api/src/grades.js changed');
  });

  it('names a changed base image and build arg', () => {
    const previous = inputRecord(inputs());
    const current = inputRecord(
      inputs({ bases: { 'node:20-bookworm-slim': 'sha256:9' }, buildArgs: { VERSION: '2' } }),
    );
    expect(explainChange(previous, current, '')).toBe(
      'base image node:20-bookworm-slim changed; build arg VERSION changed',
    );
  });

  it('says there is no image when nothing was built before', () => {
    expect(explainChange(undefined, inputRecord(inputs()), '')).toBe('no image for this input');
  });

  it('summarises many changed files', () => {
    const many = Array.from({ length: 6 }, (_, i) => ({
      path: `f${i}.js`,
      type: 'file' as const,
      executable: false,
      sha256: `${i}`.repeat(64),
    }));
    const reason = explainChange(inputRecord(inputs({ entries: [] })), inputRecord(inputs({ entries: many })), '');
    expect(reason).toBe('f0.js added, f1.js added and 4 more files');
  });
});

describe('record labels', () => {
  it('round-trip through the label encoding', () => {
    const record = inputRecord(inputs());
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
    expect(decodeRecord('not base64 gzip')).toBeUndefined();
  });
});

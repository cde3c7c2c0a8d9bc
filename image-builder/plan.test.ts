import { describe, expect, it } from 'vitest';
import { inputRecord, type BuildInputs } from './inputs.js';
import { commitTag, inputTag, planBuild, type PlanFacts } from './plan.js';

const inputs: BuildInputs = {
  dockerfileSha256: 'a'.repeat(64),
  dockerfilePath: 'Dockerfile',
  entries: [{ path: 'src/server.js', type: 'file', executable: false, sha256: 'b'.repeat(64) }],
  buildArgs: {},
  bases: { 'node:20-bookworm-slim': 'sha256:1' },
  settings: {},
};

function facts(overrides: Partial<PlanFacts>): PlanFacts {
  return {
    id: 'students/api',
    kind: 'back',
    imageRepository: '127.0.0.1:5000/scolarite/students-api',
    inputDigest: 'sha256:3f2a9b8c7d6e5f4a3b2c1d0e',
    record: inputRecord(inputs),
    pathPrefix: 'students/api/',
    localImageId: undefined,
    registryDigest: undefined,
    previousRecord: undefined,
    ...overrides,
  };
}

describe('planBuild', () => {
  it('tags by input digest and commit', () => {
    expect(inputTag('sha256:3f2a9b8c7d6e5f4a3b2c1d0e')).toBe('in-3f2a9b8c7d6e');
    expect(commitTag('0123456789abcdef0123')).toBe('sha-0123456789ab');
    expect(commitTag(undefined)).toBeUndefined();
  });

  it('builds what has no image, reuses what has one', () => {
    const plan = planBuild({
      project: 'scolarite',
      commit: 'c'.repeat(40),
      push: false,
      facts: [facts({}), facts({ id: 'students/web', localImageId: 'sha256:9' })],
    });
    expect(plan.items.map((i) => [i.id, i.action, i.reason])).toEqual([
      ['students/api', 'build', 'no image for this input'],
      ['students/web', 'reuse', 'image in-3f2a… exists'],
    ]);
  });

  it('with --push, reuses what the registry has and pushes what only the engine has', () => {
    const plan = planBuild({
      project: 'scolarite',
      commit: undefined,
      push: true,
      facts: [
        facts({ registryDigest: 'sha256:d' }),
        facts({ id: 'students/web', localImageId: 'sha256:9' }),
        facts({ id: 'students/db' }),
      ],
    });
    expect(plan.items.map((i) => i.action)).toEqual(['reuse', 'push', 'build']);
    expect(plan.items[0]!.reason).toBe('image in-3f2a… exists in the registry');
  });

  it('explains a rebuild by the file that changed', () => {
    const previous = inputRecord({ ...inputs, entries: [{ ...inputs.entries[0]!, sha256: 'e'.repeat(64) }] });
    const plan = planBuild({
      project: 'p',
      commit: undefined,
      push: false,
      facts: [facts({ previousRecord: previous })],
    });
    expect(plan.items[0]!.reason).toBe('students/api/src/server.js changed');
  });
});

// GitHub settings from Actions' variables and the event payload, and check-run annotations in batches of 50.
import { describe, expect, it } from 'vitest';
import { ANNOTATIONS_PER_REQUEST, batches, checkAnnotation, githubEnvironmentName, githubSettings } from './index.js';

const JOB = {
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'school/scolarite',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '777',
  GITHUB_TOKEN: 'ghs_secret',
};

describe('githubSettings', () => {
  it("takes a pull request's number and head from the event, not the test merge commit", () => {
    const settings = githubSettings(
      { ...JOB, GITHUB_SHA: 'm'.repeat(40), GITHUB_REF: 'refs/pull/12/merge', GITHUB_HEAD_REF: 'feature/login' },
      {
        pull_request: {
          number: 12,
          html_url: 'https://github.com/school/scolarite/pull/12',
          head: { ref: 'feature/login', sha: 'h'.repeat(40) },
        },
      },
    );
    expect(settings).toEqual({
      apiUrl: 'https://api.github.com',
      owner: 'school',
      repo: 'scolarite',
      serverUrl: 'https://github.com',
      token: 'ghs_secret',
      tokenVariable: 'GITHUB_TOKEN',
      facts: {
        sha: 'h'.repeat(40),
        ref: 'feature/login',
        tag: false,
        runUrl: 'https://github.com/school/scolarite/actions/runs/777',
        changeRequest: {
          number: '12',
          branch: 'feature/login',
          sha: 'h'.repeat(40),
          url: 'https://github.com/school/scolarite/pull/12',
        },
      },
    });
  });

  it('falls back to GITHUB_REF and GITHUB_HEAD_REF without a payload, and prefers SLIPWAY_GITHUB_TOKEN', () => {
    const settings = githubSettings(
      {
        ...JOB,
        SLIPWAY_GITHUB_TOKEN: 'pat',
        GITHUB_API_URL: 'https://ghe.example/api/v3/',
        GITHUB_REF: 'refs/pull/3/merge',
        GITHUB_HEAD_REF: 'fix/x',
        GITHUB_SHA: 's'.repeat(40),
      },
      {},
    );
    expect(settings).toMatchObject({
      apiUrl: 'https://ghe.example/api/v3',
      token: 'pat',
      tokenVariable: 'SLIPWAY_GITHUB_TOKEN',
    });
    expect(settings.facts.changeRequest).toEqual({
      number: '3',
      branch: 'fix/x',
      url: 'https://github.com/school/scolarite/pull/3',
    });
  });

  it('says which variable is missing', () => {
    expect(() => githubSettings({ GITHUB_ACTIONS: 'true' }, {})).toThrow(
      expect.objectContaining({ code: 'PLATFORM_CONFIG', message: 'GitHub: GITHUB_REPOSITORY is not set' }),
    );
    expect(() => githubSettings({ ...JOB, GITHUB_TOKEN: '' }, {})).toThrow(
      expect.objectContaining({ message: 'GitHub: no token (SLIPWAY_GITHUB_TOKEN and GITHUB_TOKEN are unset)' }),
    );
  });
});

describe('check-run annotations', () => {
  it('go 50 per request', () => {
    const list = Array.from({ length: 120 }, (_, i) => i);
    expect(ANNOTATIONS_PER_REQUEST).toBe(50);
    expect(batches(list, ANNOTATIONS_PER_REQUEST).map((b) => b.length)).toEqual([50, 50, 20]);
    expect(batches(list.slice(0, 50), 50).map((b) => b.length)).toEqual([50]);
    expect(batches([], 50)).toEqual([]);
  });

  it("take the Checks API's field names and limits", () => {
    expect(
      checkAnnotation({
        path: 'a.ts',
        startLine: 3,
        endLine: 5,
        level: 'warning',
        title: 't'.repeat(300),
        message: 'm',
      }),
    ).toEqual({
      path: 'a.ts',
      start_line: 3,
      end_line: 5,
      annotation_level: 'warning',
      message: 'm',
      title: `${'t'.repeat(254)}…`,
    });
  });

  it("name a preview's environment as pipeline generate does", () => {
    expect(githubEnvironmentName({ branch: 'feature/login' })).toBe('preview/feature/login');
  });
});

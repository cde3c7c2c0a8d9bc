// GitLab settings from GitLab CI's variables: API address, project, which token (and header), the merge request.
import { describe, expect, it } from 'vitest';
import { gitlabEnvironmentName, gitlabSettings, gitlabState } from './index.js';

const JOB = {
  GITLAB_CI: 'true',
  CI_API_V4_URL: 'https://gitlab.example.com/api/v4',
  CI_PROJECT_ID: '42',
  CI_PROJECT_URL: 'https://gitlab.example.com/school/scolarite',
  CI_COMMIT_SHA: 'c'.repeat(40),
  CI_COMMIT_REF_NAME: 'feature/login',
  CI_PIPELINE_ID: '99',
  CI_PIPELINE_URL: 'https://gitlab.example.com/school/scolarite/-/pipelines/99',
  CI_JOB_TOKEN: 'job-secret',
};

describe('gitlabSettings', () => {
  it('reads a merge-request pipeline, preferring SLIPWAY_GITLAB_TOKEN to the job token', () => {
    const settings = gitlabSettings({
      ...JOB,
      SLIPWAY_GITLAB_TOKEN: 'own-secret',
      CI_MERGE_REQUEST_IID: '7',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/login',
      CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: '',
    });
    expect(settings).toEqual({
      apiUrl: 'https://gitlab.example.com/api/v4',
      host: 'https://gitlab.example.com',
      project: '42',
      projectUrl: 'https://gitlab.example.com/school/scolarite',
      token: 'own-secret',
      tokenKind: 'private',
      tokenVariable: 'SLIPWAY_GITLAB_TOKEN',
      pipelineId: 99,
      facts: {
        sha: 'c'.repeat(40),
        ref: 'feature/login',
        tag: false,
        runUrl: 'https://gitlab.example.com/school/scolarite/-/pipelines/99',
        changeRequest: {
          number: '7',
          branch: 'feature/login',
          sha: 'c'.repeat(40),
          url: 'https://gitlab.example.com/school/scolarite/-/merge_requests/7',
        },
      },
    });
  });

  it('falls back to the job token, sent as JOB-TOKEN, and keeps a merged-results head apart from the merge commit', () => {
    const settings = gitlabSettings({
      ...JOB,
      CI_MERGE_REQUEST_IID: '7',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature/login',
      CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: 'd'.repeat(40),
    });
    expect(settings).toMatchObject({ tokenKind: 'job', tokenVariable: 'CI_JOB_TOKEN', token: 'job-secret' });
    expect(settings.facts.changeRequest?.sha).toBe('d'.repeat(40));
    expect(settings.facts.sha).toBe('c'.repeat(40));
  });

  it('serves a GitLab under a relative URL, and a tag pipeline', () => {
    const settings = gitlabSettings({
      ...JOB,
      CI_API_V4_URL: 'https://example.com/gitlab/api/v4/',
      CI_COMMIT_TAG: 'v1.2.0',
      CI_COMMIT_REF_NAME: 'v1.2.0',
    });
    expect(settings.host).toBe('https://example.com/gitlab');
    expect(settings.facts).toMatchObject({ ref: 'v1.2.0', tag: true, changeRequest: undefined });
  });

  it('says which variable is missing', () => {
    expect(() => gitlabSettings({ GITLAB_CI: 'true' })).toThrow(
      expect.objectContaining({ code: 'PLATFORM_CONFIG', message: 'GitLab: CI_API_V4_URL is not set' }),
    );
    expect(() => gitlabSettings({ ...JOB, CI_PROJECT_ID: '' })).toThrow(
      expect.objectContaining({ message: 'GitLab: CI_PROJECT_ID is not set' }),
    );
    expect(() => gitlabSettings({ ...JOB, CI_JOB_TOKEN: '' })).toThrow(
      expect.objectContaining({
        message: 'GitLab: no token (SLIPWAY_GITLAB_TOKEN and CI_JOB_TOKEN are unset)',
        fix: 'set SLIPWAY_GITLAB_TOKEN to a project access token with the api scope (a masked CI/CD variable)',
      }),
    );
    expect(() => gitlabSettings({ ...JOB, CI_API_V4_URL: 'https://gitlab.example.com' })).toThrow(
      expect.objectContaining({ message: 'GitLab: CI_API_V4_URL https://gitlab.example.com does not end in /api/v4' }),
    );
  });
});

describe('GitLab names', () => {
  it("maps the report's state to a commit status, and a preview to pipeline generate's environment name", () => {
    expect([gitlabState('success'), gitlabState('failure'), gitlabState('neutral')]).toEqual([
      'success',
      'failed',
      'success',
    ]);
    expect(gitlabEnvironmentName({ slug: 'feature-login' })).toBe('preview/feature-login');
  });
});

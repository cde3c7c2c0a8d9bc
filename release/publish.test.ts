// When `slipway release` publishes forge releases: when asked, or when the push went to the CI job's own repository.
import { describe, expect, it } from 'vitest';
import { checkPublishFlags, decidePublish } from './publish.js';

const GITLAB = {
  GITLAB_CI: 'true',
  CI_SERVER_URL: 'https://gitlab.example.com',
  CI_PROJECT_PATH: 'school/scolarite',
};

describe('decidePublish', () => {
  it("publishes when the tags went to the GitLab job's own project", () => {
    expect(
      decidePublish({
        requested: undefined,
        env: GITLAB,
        pushedTo: 'origin',
        remoteUrl: 'https://gitlab-ci-token:secret@gitlab.example.com/school/scolarite.git',
      }),
    ).toEqual({ publish: true, platform: 'gitlab', because: 'GITLAB_CI=true' });
  });

  it('publishes nothing outside a forge, without a push, or after a push elsewhere (credentials never shown)', () => {
    expect(decidePublish({ requested: undefined, env: {}, pushedTo: 'origin', remoteUrl: 'x' })).toEqual({
      publish: false,
      reason: 'no GitLab CI or GitHub Actions job detected',
    });
    expect(decidePublish({ requested: undefined, env: GITLAB, pushedTo: undefined, remoteUrl: undefined })).toEqual({
      publish: false,
      reason: 'the tags were not pushed (--push): no gitlab release',
    });
    expect(
      decidePublish({
        requested: undefined,
        env: GITLAB,
        pushedTo: 'mirror',
        remoteUrl: 'https://user:secret@github.com/school/scolarite.git',
      }),
    ).toEqual({
      publish: false,
      reason:
        "mirror (https://github.com/school/scolarite.git) is not this job's gitlab repository gitlab.example.com/school/scolarite: no gitlab release",
    });
  });

  it('publishes where --platform says', () => {
    expect(decidePublish({ requested: 'local', env: GITLAB, pushedTo: undefined, remoteUrl: undefined })).toEqual({
      publish: true,
      platform: 'local',
      because: '--platform local',
    });
  });
});

describe('checkPublishFlags', () => {
  it('refuses a forge --platform without --push, before anything is tagged', () => {
    expect(() => checkPublishFlags('gitlab', {}, false)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: '--platform gitlab publishes releases of pushed tags' }),
    );
    expect(() => checkPublishFlags('gitlab', {}, true)).not.toThrow();
    expect(() => checkPublishFlags('local', {}, false)).not.toThrow();
    expect(() => checkPublishFlags(undefined, GITLAB, false)).not.toThrow();
  });
});

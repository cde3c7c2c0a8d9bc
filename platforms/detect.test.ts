// Which platform a run belongs to: --platform, then SLIPWAY_PLATFORM, then GitLab CI, then GitHub Actions, else local.
import { describe, expect, it } from 'vitest';
import { detectPlatform } from './detect.js';

describe('detectPlatform', () => {
  it('reads the CI variables', () => {
    expect(detectPlatform({ GITLAB_CI: 'true', CI: 'true' })).toEqual({ name: 'gitlab', because: 'GITLAB_CI=true' });
    expect(detectPlatform({ GITHUB_ACTIONS: 'true', CI: 'true' })).toEqual({
      name: 'github',
      because: 'GITHUB_ACTIONS=true',
    });
    expect(detectPlatform({ CI: 'true' })).toEqual({
      name: 'local',
      because: 'no GitLab CI or GitHub Actions variables',
    });
  });

  it('lets --platform, then SLIPWAY_PLATFORM, win over the CI variables', () => {
    expect(detectPlatform({ GITLAB_CI: 'true', SLIPWAY_PLATFORM: 'local' }).name).toBe('local');
    expect(detectPlatform({ SLIPWAY_PLATFORM: 'local' }, 'github')).toEqual({
      name: 'github',
      because: '--platform github',
    });
  });

  it('refuses an unknown name, listing the valid ones', () => {
    expect(() => detectPlatform({}, 'bitbucket')).toThrow(
      expect.objectContaining({
        code: 'USAGE',
        message: 'unknown platform "bitbucket" (--platform bitbucket)',
        fix: 'use one of: gitlab, github, local',
      }),
    );
    expect(() => detectPlatform({ SLIPWAY_PLATFORM: 'gitea' })).toThrow(
      expect.objectContaining({ message: 'unknown platform "gitea" (SLIPWAY_PLATFORM=gitea)' }),
    );
  });
});

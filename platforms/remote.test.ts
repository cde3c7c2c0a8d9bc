// Is this git remote the CI job's own repository? Remote URLs in their usual forms against the CI's variables.
import { describe, expect, it } from 'vitest';
import { ciRepository, parseRemote, sameRepository } from './remote.js';

describe('parseRemote', () => {
  it('reads HTTPS (with credentials), SSH and scp-like remotes', () => {
    const want = { host: 'gitlab.example.com', path: 'school/scolarite' };
    expect(parseRemote('https://gitlab-ci-token:secret@gitlab.example.com/school/scolarite.git')).toEqual(want);
    expect(parseRemote('ssh://git@gitlab.example.com:2222/school/scolarite.git')).toEqual(want);
    expect(parseRemote('git@gitlab.example.com:school/scolarite.git')).toEqual(want);
    expect(parseRemote('https://GitLab.Example.com/School/Scolarite/')).toEqual(want);
  });

  it('has no repository address for local folders and files', () => {
    expect(parseRemote('/tmp/slipway-remote-abc')).toBeUndefined();
    expect(parseRemote('file:///tmp/remote.git')).toBeUndefined();
    expect(parseRemote('../remote')).toBeUndefined();
  });
});

describe('ciRepository', () => {
  it("reads GitLab's and GitHub's variables, with a GitLab under a relative URL", () => {
    expect(
      ciRepository('gitlab', { CI_SERVER_URL: 'https://gitlab.example.com', CI_PROJECT_PATH: 'school/scolarite' }),
    ).toEqual({
      host: 'gitlab.example.com',
      path: 'school/scolarite',
    });
    expect(ciRepository('gitlab', { CI_SERVER_URL: 'https://example.com/gitlab', CI_PROJECT_PATH: 'a/b' })).toEqual({
      host: 'example.com',
      path: 'gitlab/a/b',
    });
    expect(ciRepository('github', { GITHUB_REPOSITORY: 'school/scolarite' })).toEqual({
      host: 'github.com',
      path: 'school/scolarite',
    });
    expect(ciRepository('local', {})).toBeUndefined();
  });

  it('matches a remote to the CI repository by host and path only', () => {
    const ci = ciRepository('github', { GITHUB_REPOSITORY: 'school/scolarite' });
    expect(sameRepository(parseRemote('git@github.com:school/scolarite.git'), ci)).toBe(true);
    expect(sameRepository(parseRemote('https://github.com/fork/scolarite.git'), ci)).toBe(false);
    expect(sameRepository(parseRemote('/tmp/bare'), ci)).toBe(false);
  });
});

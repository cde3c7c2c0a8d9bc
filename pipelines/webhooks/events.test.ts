// Webhook payloads (the forges' documented shapes, test/fixtures/webhooks) to actions: up, down, ignore or invalid.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWebhook, validBranch } from './events.js';

const fixtures = path.resolve(import.meta.dirname, '../../test/fixtures/webhooks');

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(fixtures, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

const gitlabMr = { 'x-gitlab-event': 'Merge Request Hook' };
const gitlabPush = { 'x-gitlab-event': 'Push Hook' };
const pullRequest = { 'x-github-event': 'pull_request' };

describe('GitLab events', () => {
  it('brings the source branch up when a merge request opens, or gets new commits', () => {
    expect(parseWebhook('gitlab', gitlabMr, fixture('gitlab-merge-request-open'))).toEqual({
      kind: 'up',
      branch: 'feature/report-card',
      commit: '3f1c9a7be0d24c6e8a51f0b2d7c4e9a18b6f2d30',
      event: 'merge request !12 open',
    });
    expect(parseWebhook('gitlab', gitlabMr, fixture('gitlab-merge-request-update'))).toMatchObject({
      kind: 'up',
      commit: '8b2e4d61c0a94f37b5e2a19c6d8f0e3a7c1b5d42',
    });
    const reopened = fixture('gitlab-merge-request-open');
    (reopened.object_attributes as Record<string, unknown>).action = 'reopen';
    expect(parseWebhook('gitlab', gitlabMr, reopened).kind).toBe('up');
  });

  it('ignores updates without new commits (oldrev), approvals and forks', () => {
    expect(parseWebhook('gitlab', gitlabMr, fixture('gitlab-merge-request-update-title'))).toEqual({
      kind: 'ignore',
      event: 'merge request !12 update',
      reason: 'no new commits',
    });
    const approved = fixture('gitlab-merge-request-open');
    (approved.object_attributes as Record<string, unknown>).action = 'approved';
    expect(parseWebhook('gitlab', gitlabMr, approved)).toMatchObject({ kind: 'ignore' });
    expect(parseWebhook('gitlab', gitlabMr, fixture('gitlab-merge-request-open-from-fork'))).toMatchObject({
      kind: 'ignore',
      reason: 'merge requests from forks get no preview from slipway serve',
    });
  });

  it('takes the environment down on merge, close, and when the branch is deleted', () => {
    expect(parseWebhook('gitlab', gitlabMr, fixture('gitlab-merge-request-merge'))).toEqual({
      kind: 'down',
      branch: 'feature/report-card',
      event: 'merge request !12 merge',
    });
    const closed = fixture('gitlab-merge-request-merge');
    (closed.object_attributes as Record<string, unknown>).action = 'close';
    expect(parseWebhook('gitlab', gitlabMr, closed).kind).toBe('down');
    expect(parseWebhook('gitlab', gitlabPush, fixture('gitlab-push-branch-deleted'))).toEqual({
      kind: 'down',
      branch: 'feature/report-card',
      event: 'branch deleted (refs/heads/feature/report-card)',
    });
  });

  it('ignores ordinary pushes, tag deletions and other events', () => {
    const push = fixture('gitlab-push-branch-deleted');
    push.after = '8b2e4d61c0a94f37b5e2a19c6d8f0e3a7c1b5d42';
    expect(parseWebhook('gitlab', gitlabPush, push).kind).toBe('ignore');
    const tag = fixture('gitlab-push-branch-deleted');
    tag.ref = 'refs/tags/v1.0.0';
    expect(parseWebhook('gitlab', gitlabPush, tag)).toMatchObject({ kind: 'ignore', reason: 'not a branch' });
    expect(parseWebhook('gitlab', { 'x-gitlab-event': 'Note Hook' }, {})).toMatchObject({ kind: 'ignore' });
    expect(parseWebhook('gitlab', {}, fixture('gitlab-merge-request-open'))).toMatchObject({ kind: 'ignore' });
  });
});

describe('GitHub events', () => {
  it('brings the head branch up on opened and synchronize, down on closed (merged or not) and branch delete', () => {
    expect(parseWebhook('github', pullRequest, fixture('github-pull-request-opened'))).toEqual({
      kind: 'up',
      branch: 'feature/report-card',
      commit: '3f1c9a7be0d24c6e8a51f0b2d7c4e9a18b6f2d30',
      event: 'pull request #12 opened',
    });
    expect(parseWebhook('github', pullRequest, fixture('github-pull-request-synchronize'))).toMatchObject({
      kind: 'up',
      commit: '8b2e4d61c0a94f37b5e2a19c6d8f0e3a7c1b5d42',
    });
    expect(parseWebhook('github', pullRequest, fixture('github-pull-request-closed'))).toEqual({
      kind: 'down',
      branch: 'feature/report-card',
      event: 'pull request #12 closed (merged)',
    });
    expect(parseWebhook('github', { 'x-github-event': 'delete' }, fixture('github-delete-branch'))).toEqual({
      kind: 'down',
      branch: 'feature/report-card',
      event: 'branch deleted (feature/report-card)',
    });
  });

  it('ignores forks, labels, tag deletions and pings', () => {
    expect(parseWebhook('github', pullRequest, fixture('github-pull-request-opened-from-fork'))).toMatchObject({
      kind: 'ignore',
      reason: 'merge requests from forks get no preview from slipway serve',
    });
    const labeled = fixture('github-pull-request-opened');
    labeled.action = 'labeled';
    expect(parseWebhook('github', pullRequest, labeled)).toMatchObject({ kind: 'ignore' });
    const tag = fixture('github-delete-branch');
    tag.ref_type = 'tag';
    expect(parseWebhook('github', { 'x-github-event': 'delete' }, tag)).toMatchObject({ kind: 'ignore' });
    expect(parseWebhook('github', { 'x-github-event': 'ping' }, { zen: 'Keep it logically awesome.' })).toMatchObject({
      kind: 'ignore',
      event: 'ping',
    });
  });
});

describe('payloads that cannot be acted on', () => {
  it('refuses a non-object body, a missing branch or commit, and a branch name git would refuse', () => {
    expect(parseWebhook('github', pullRequest, [1, 2])).toEqual({
      kind: 'invalid',
      reason: 'the body is not a JSON object',
    });
    const noCommit = fixture('github-pull-request-opened');
    delete ((noCommit.pull_request as Record<string, unknown>).head as Record<string, unknown>).sha;
    expect(parseWebhook('github', pullRequest, noCommit)).toMatchObject({ kind: 'invalid' });
    for (const bad of ['--upload-pack=touch /tmp/x', 'a b', 'a..b', 'x:y', 'refs/heads/*', 'a\nb', '']) {
      const payload = fixture('gitlab-merge-request-merge');
      (payload.object_attributes as Record<string, unknown>).source_branch = bad;
      expect(parseWebhook('gitlab', gitlabMr, payload), bad).toMatchObject({ kind: 'invalid' });
    }
  });

  it('keeps the branch names git allows, however awkward for a shell', () => {
    for (const good of ['main', 'feature/report-card', 'feature/Élève-😀', 'fix/$(id)`id`;rm', 'v1.2.x'])
      expect(validBranch(good), good).toBe(true);
    for (const bad of ['-x', '/x', 'x/', 'x.lock', 'x/.hidden', 'x.', 'a@{b', '@', 'a~1', 'a^', 'a?', 'a[b', 'a\\b'])
      expect(validBranch(bad), bad).toBe(false);
  });
});

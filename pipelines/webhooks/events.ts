// What a verified webhook asks for: bring a branch's preview environment up, take it down, or nothing. Pure: the
// forges' documented payloads in, an action out (GitLab merge request and push hooks; GitHub pull_request and delete).
import { header, type Forge, type Headers } from './verify.js';

export type WebhookAction =
  | { kind: 'up'; branch: string; commit: string; event: string }
  | { kind: 'down'; branch: string; event: string }
  | { kind: 'ignore'; event: string; reason: string }
  | { kind: 'invalid'; reason: string };

const DELETED = /^0{40}$|^0{64}$/;

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * git's own rules for a branch name (`git check-ref-format --branch`), checked before the name reaches git as an
 * argument: no control characters, space, ~ ^ : ? * [ \, no `..` or `@{`, no leading `-`, no `.lock` or `.` ending.
 */
export function validBranch(name: string): boolean {
  if (name === '' || name === '@' || name.length > 255) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  return name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
}

function branchAction(kind: 'up' | 'down', branch: unknown, commit: unknown, event: string): WebhookAction {
  const name = text(branch);
  if (!name) return { kind: 'invalid', reason: `${event}: the payload names no branch` };
  if (!validBranch(name)) return { kind: 'invalid', reason: `${event}: ${JSON.stringify(name)} is not a branch name` };
  if (kind === 'down') return { kind, branch: name, event };
  const sha = text(commit);
  if (!sha || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha))
    return { kind: 'invalid', reason: `${event}: the payload names no commit` };
  return { kind, branch: name, commit: sha, event };
}

// forks: their branch would build and run its code (Dockerfiles, slipway.config.ts) on this host, and its name may
// equal one of the project's own branches, whose environment a closed fork request would then remove
const FORK = 'merge requests from forks get no preview from slipway serve';

function gitlab(kind: string | undefined, body: Json): WebhookAction {
  if (kind === 'Merge Request Hook') {
    const mr = object(body.object_attributes) ?? {};
    const action = text(mr.action) ?? 'none';
    const event = `merge request !${String(mr.iid ?? '?')} ${action}`;
    if (mr.source_project_id !== mr.target_project_id) return { kind: 'ignore', event, reason: FORK };
    const commit = object(mr.last_commit)?.id;
    switch (action) {
      case 'open':
      case 'reopen':
        return branchAction('up', mr.source_branch, commit, event);
      // `oldrev` is only there when commits were pushed; other updates (title, labels, reviewers) change no code
      case 'update':
        return text(mr.oldrev)
          ? branchAction('up', mr.source_branch, commit, event)
          : { kind: 'ignore', event, reason: 'no new commits' };
      case 'close':
      case 'merge':
        return branchAction('down', mr.source_branch, undefined, event);
      default:
        return { kind: 'ignore', event, reason: `nothing to do on ${action}` };
    }
  }
  if (kind === 'Push Hook') {
    const ref = text(body.ref) ?? '';
    const event = `push to ${ref}`;
    if (!ref.startsWith('refs/heads/')) return { kind: 'ignore', event, reason: 'not a branch' };
    // a deleted branch: its merge request may never have been closed, its environment must still go
    if (DELETED.test(text(body.after) ?? '')) {
      return branchAction('down', ref.slice('refs/heads/'.length), undefined, `branch deleted (${ref})`);
    }
    return { kind: 'ignore', event, reason: 'pushes to merge requests arrive as merge request updates' };
  }
  return { kind: 'ignore', event: kind ?? 'unnamed event', reason: 'not a merge request or push event' };
}

function github(kind: string | undefined, body: Json): WebhookAction {
  if (kind === 'pull_request') {
    const pr = object(body.pull_request) ?? {};
    const action = text(body.action) ?? 'none';
    const event = `pull request #${String(pr.number ?? body.number ?? '?')} ${action}`;
    const head = object(pr.head) ?? {};
    const base = object(pr.base) ?? {};
    const headRepo = text(object(head.repo)?.full_name);
    if (!headRepo || headRepo !== text(object(base.repo)?.full_name)) return { kind: 'ignore', event, reason: FORK };
    switch (action) {
      case 'opened':
      case 'reopened':
      case 'synchronize':
        return branchAction('up', head.ref, head.sha, event);
      case 'closed':
        return branchAction('down', head.ref, undefined, `${event}${pr.merged === true ? ' (merged)' : ''}`);
      default:
        return { kind: 'ignore', event, reason: `nothing to do on ${action}` };
    }
  }
  if (kind === 'delete') {
    const event = `delete of ${String(body.ref_type)} ${JSON.stringify(body.ref)}`;
    if (body.ref_type !== 'branch') return { kind: 'ignore', event, reason: 'not a branch' };
    return branchAction('down', body.ref, undefined, `branch deleted (${String(body.ref)})`);
  }
  if (kind === 'ping') return { kind: 'ignore', event: 'ping', reason: 'the webhook works' };
  return { kind: 'ignore', event: kind ?? 'unnamed event', reason: 'not a pull_request or delete event' };
}

/** The action a verified webhook asks for; `body` is its parsed JSON. */
export function parseWebhook(forge: Forge, headers: Headers, body: unknown): WebhookAction {
  const json = object(body);
  if (!json) return { kind: 'invalid', reason: 'the body is not a JSON object' };
  return forge === 'gitlab'
    ? gitlab(header(headers, 'x-gitlab-event'), json)
    : github(header(headers, 'x-github-event'), json);
}

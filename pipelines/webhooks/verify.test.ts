// Webhook secrets: GitLab's token and GitHub's body signature, refused when forged, wrong, missing or unconfigured.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { githubSignature, safeEqual, verifyWebhook } from './verify.js';

const fixtures = path.resolve(import.meta.dirname, '../../test/fixtures/webhooks');
const body = readFileSync(path.join(fixtures, 'github-pull-request-opened.json'));
const SECRET = 'It’s a Secret to Everybody';

describe('webhook verification', () => {
  it('accepts the GitLab token that matches, and refuses a wrong, missing or unconfigured one', () => {
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': SECRET }, body, SECRET)).toEqual({ ok: true });
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': `${SECRET} ` }, body, SECRET)).toEqual({
      ok: false,
      reason: 'wrong X-Gitlab-Token',
    });
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': SECRET.slice(0, 4) }, body, SECRET).ok).toBe(false);
    expect(verifyWebhook('gitlab', {}, body, SECRET)).toEqual({ ok: false, reason: 'missing X-Gitlab-Token' });
    // a repeated header is ambiguous: refused
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': [SECRET, SECRET] }, body, SECRET).ok).toBe(false);
    // a forge without a secret trusts nothing, not even an empty token
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': '' }, body, undefined)).toEqual({
      ok: false,
      reason: 'no secret configured for gitlab webhooks',
    });
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': '' }, body, '').ok).toBe(false);
  });

  it("accepts GitHub's HMAC-SHA256 of the raw body, and refuses a forged one or one for another body", () => {
    const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    expect(githubSignature(body, SECRET)).toBe(signature);
    expect(verifyWebhook('github', { 'x-hub-signature-256': signature }, body, SECRET)).toEqual({ ok: true });
    // signed with another secret
    const forged = githubSignature(body, 'guessed');
    expect(verifyWebhook('github', { 'x-hub-signature-256': forged }, body, SECRET)).toEqual({
      ok: false,
      reason: 'X-Hub-Signature-256 does not match the body',
    });
    // the right signature on a changed body (one byte more)
    const tampered = Buffer.concat([body, Buffer.from(' ')]);
    expect(verifyWebhook('github', { 'x-hub-signature-256': signature }, tampered, SECRET).ok).toBe(false);
    // the old SHA-1 header alone is not enough; nor is the bare hex without its prefix
    const sha1 = `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`;
    expect(verifyWebhook('github', { 'x-hub-signature': sha1 }, body, SECRET)).toEqual({
      ok: false,
      reason: 'missing X-Hub-Signature-256',
    });
    expect(verifyWebhook('github', { 'x-hub-signature-256': signature.slice(7) }, body, SECRET).ok).toBe(false);
    expect(verifyWebhook('github', { 'x-hub-signature-256': signature.toUpperCase() }, body, SECRET).ok).toBe(false);
    expect(verifyWebhook('github', { 'x-hub-signature-256': signature }, body, undefined).ok).toBe(false);
  });

  it('compares in constant time whatever the lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('', 'a')).toBe(false);
  });
});

// Is a webhook request from the forge? GitLab sends the shared secret as X-Gitlab-Token; GitHub signs the raw body
// with it (X-Hub-Signature-256: sha256=<HMAC-SHA256 hex>). Compared in constant time, before the body is parsed.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Forge = 'gitlab' | 'github';

export const FORGES: readonly Forge[] = ['gitlab', 'github'];

/** Header names as node:http gives them (lower case); a repeated header arrives as an array. */
export type Headers = Record<string, string | string[] | undefined>;

export type Verdict = { ok: true } | { ok: false; reason: string };

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? undefined : value;
}

/**
 * Constant-time equality of two strings of any length: both are hashed first, so neither the time taken nor an
 * early length check tells a caller how much of a guess was right.
 */
export function safeEqual(actual: string, expected: string): boolean {
  const a = createHash('sha256').update(actual).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function githubSignature(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Checks the request's secret; `secret` undefined means this forge is not configured, so nothing it sends is trusted. */
export function verifyWebhook(forge: Forge, headers: Headers, body: Buffer, secret: string | undefined): Verdict {
  if (!secret) return { ok: false, reason: `no secret configured for ${forge} webhooks` };
  if (forge === 'gitlab') {
    const token = header(headers, 'x-gitlab-token');
    if (token === undefined) return { ok: false, reason: 'missing X-Gitlab-Token' };
    return safeEqual(token, secret) ? { ok: true } : { ok: false, reason: 'wrong X-Gitlab-Token' };
  }
  const signature = header(headers, 'x-hub-signature-256');
  if (signature === undefined) return { ok: false, reason: 'missing X-Hub-Signature-256' };
  return safeEqual(signature, githubSignature(body, secret))
    ? { ok: true }
    : { ok: false, reason: 'X-Hub-Signature-256 does not match the body' };
}

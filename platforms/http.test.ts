// When to wait on a rate limit, and how forge failures read: the variable to fix is named, the token never is.
import { describe, expect, it } from 'vitest';
import { ForgeHttpError, forgeError, rateLimitWait, redact, type ForgeContext } from './http.js';

const NOW = Date.parse('2024-05-01T10:00:00Z');

describe('rateLimitWait', () => {
  it("follows Retry-After in seconds or as a date, and GitHub's reset time when no request is left", () => {
    expect(rateLimitWait(429, { 'Retry-After': '3' }, 0, NOW)).toBe(3000);
    expect(rateLimitWait(429, new Headers({ 'retry-after': 'Wed, 01 May 2024 10:00:05 GMT' }), 0, NOW)).toBe(5000);
    expect(
      rateLimitWait(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 7) }, 0, NOW),
    ).toBe(7000);
    expect(rateLimitWait(403, { 'retry-after': '60' }, 0, NOW)).toBe(60_000);
  });

  it('backs off without a hint, and is not a rate limit for other answers', () => {
    expect(rateLimitWait(429, {}, 0, NOW)).toBe(1000);
    expect(rateLimitWait(429, {}, 2, NOW)).toBe(4000);
    expect(rateLimitWait(403, { 'x-ratelimit-remaining': '12' }, 0, NOW)).toBeUndefined();
    expect(rateLimitWait(500, { 'retry-after': '1' }, 0, NOW)).toBeUndefined();
  });
});

describe('forgeError', () => {
  const context: ForgeContext = {
    forge: 'GitLab',
    tokenVariable: 'SLIPWAY_GITLAB_TOKEN',
    tokenNeeds: 'the api scope',
    token: 'glpat-secret-value',
    apiUrl: 'https://gitlab.example/api/v4',
  };

  it('names the variable on 401 and 403', () => {
    expect(forgeError(context, 'commenting', new ForgeHttpError(401, '401 Unauthorized'))).toMatchObject({
      code: 'PLATFORM_AUTH',
      exitCode: 3,
      message:
        'GitLab rejected the token in SLIPWAY_GITLAB_TOKEN while commenting (401 Unauthorized: expired, revoked or mistyped)',
      fix: 'set SLIPWAY_GITLAB_TOKEN to a valid token with the api scope',
    });
    expect(forgeError(context, 'commenting', new ForgeHttpError(403, '403 Forbidden'))).toMatchObject({
      code: 'PLATFORM_AUTH',
      message: 'GitLab refused commenting with the token in SLIPWAY_GITLAB_TOKEN (403 Forbidden: 403 Forbidden)',
    });
  });

  it('reads rate limits, missing things, server and network failures', () => {
    expect(forgeError(context, 'x', new ForgeHttpError(429, '', 90_000))).toMatchObject({
      code: 'PLATFORM_ERROR',
      message: 'GitLab rate-limited x (HTTP 429)',
      fix: 'rerun the job in 90 s or later',
    });
    expect(forgeError(context, 'x', new ForgeHttpError(404, '404 Project Not Found')).message).toBe(
      'GitLab found nothing while x (404 Not Found)',
    );
    expect(forgeError(context, 'x', new ForgeHttpError(502, 'Bad Gateway')).fix).toBe(
      'the forge had a problem: rerun the job (https://gitlab.example/api/v4)',
    );
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(forgeError(context, 'x', refused).message).toBe(
      'cannot reach GitLab at https://gitlab.example/api/v4 while x (ECONNREFUSED)',
    );
  });

  it('never repeats the token a forge echoed back', () => {
    const error = forgeError(context, 'x', new ForgeHttpError(400, 'bad header glpat-secret-value'));
    expect(error.message).toBe('GitLab failed x (HTTP 400: bad header [REDACTED])');
    expect(redact('a glpat-secret-value b', ['glpat-secret-value', undefined])).toBe('a [REDACTED] b');
  });
});

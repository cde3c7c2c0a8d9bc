// What the forge adapters share about HTTP: when to wait and retry (429, Retry-After), and how failures read.
import { SlipwayError } from '../core/errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** A longer Retry-After is not waited for: the command fails and says when to retry. */
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, maxWaitMs: 60_000 };

/** What both forge adapters take besides their settings. */
export interface AdapterOptions {
  retry?: RetryPolicy;
  info?: (line: string) => void;
}

/** A CI variable's value, or undefined when it is unset or empty. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Reads a header from either a Headers object or a plain record (gitbeaker and octokit hand over both shapes). */
export function header(
  headers: Headers | Record<string, string | number | undefined>,
  name: string,
): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | number | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return value === undefined ? undefined : String(value);
}

/**
 * How long to wait before retrying a rate-limited request: `Retry-After` (seconds or an HTTP date; GitLab and
 * GitHub's secondary limits), else GitHub's `x-ratelimit-reset` (epoch seconds) when `x-ratelimit-remaining` is 0,
 * else an exponential backoff. Undefined when the response is not a rate limit.
 */
export function rateLimitWait(
  status: number,
  headers: Headers | Record<string, string | number | undefined>,
  attempt: number,
  now: number = Date.now(),
): number | undefined {
  const retryAfter = header(headers, 'retry-after');
  const remaining = header(headers, 'x-ratelimit-remaining');
  const limited = status === 429 || (status === 403 && (retryAfter !== undefined || remaining === '0'));
  if (!limited) return undefined;
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  if (remaining === '0' && Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  return Math.min(30_000, 1000 * 2 ** attempt);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A failed forge response, before it becomes a SlipwayError (the adapters know what was being done). */
export class ForgeHttpError extends Error {
  readonly status: number;
  /** The forge's own words (`message`, `error`), never a header. */
  readonly detail: string;
  /** How long the forge asked us to wait, when it was a rate limit. */
  readonly waitMs: number | undefined;

  constructor(status: number, detail: string, waitMs?: number) {
    super(`HTTP ${status}${detail ? `: ${detail}` : ''}`);
    this.name = 'ForgeHttpError';
    this.status = status;
    this.detail = detail;
    this.waitMs = waitMs;
  }
}

/** Replaces every secret in a text; forge messages sometimes echo what they were sent. */
export function redact(text: string, secrets: (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  return out;
}

export interface ForgeContext {
  /** `GitLab`, `GitHub`. */
  forge: string;
  /** The variable the token came from, named in every authentication error. */
  tokenVariable: string;
  /** What the token needs, e.g. `the api scope`. */
  tokenNeeds: string;
  /** The token itself, only to redact it from messages. */
  token: string;
  apiUrl: string;
}

function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`;
}

/** Runs one forge call, turning its failure into the catalog error for `what` (see forgeError). */
export function forgeCaller(context: ForgeContext): <T>(what: string, action: () => Promise<T>) => Promise<T> {
  return async (what, action) => {
    try {
      return await action();
    } catch (error) {
      throw forgeError(context, what, error);
    }
  };
}

/** Turns whatever a client threw while doing `what` into a catalog error that names the fix, never the token. */
export function forgeError(context: ForgeContext, what: string, error: unknown): SlipwayError {
  if (error instanceof SlipwayError) return error;
  const clean = (text: string) => redact(text, [context.token]);
  if (error instanceof ForgeHttpError) {
    const detail = error.detail ? `: ${clean(error.detail)}` : '';
    if (error.status === 401) {
      return new SlipwayError(
        'PLATFORM_AUTH',
        `${context.forge} rejected the token in ${context.tokenVariable} while ${what} (401 Unauthorized: expired, revoked or mistyped)`,
        { fix: `set ${context.tokenVariable} to a valid token with ${context.tokenNeeds}` },
      );
    }
    if (error.status === 403 && error.waitMs === undefined) {
      return new SlipwayError(
        'PLATFORM_AUTH',
        `${context.forge} refused ${what} with the token in ${context.tokenVariable} (403 Forbidden${detail})`,
        { fix: `give the token in ${context.tokenVariable} ${context.tokenNeeds}, or set it to one that has it` },
      );
    }
    if (error.status === 429 || error.waitMs !== undefined) {
      return new SlipwayError('PLATFORM_ERROR', `${context.forge} rate-limited ${what} (HTTP ${error.status})`, {
        fix: `rerun the job${error.waitMs ? ` in ${seconds(error.waitMs)} or later` : ' later'}`,
      });
    }
    if (error.status === 404) {
      return new SlipwayError('PLATFORM_ERROR', `${context.forge} found nothing while ${what} (404 Not Found)`, {
        fix: `check the project and merge request the CI variables name, and that the token in ${context.tokenVariable} can see them`,
      });
    }
    return new SlipwayError('PLATFORM_ERROR', `${context.forge} failed ${what} (HTTP ${error.status}${detail})`, {
      fix:
        error.status >= 500
          ? `the forge had a problem: rerun the job (${context.apiUrl})`
          : 'check the values sent (see the message) and rerun',
    });
  }
  const cause = error instanceof Error ? error : new Error(String(error));
  const code = (cause as NodeJS.ErrnoException).code ?? (cause.cause as NodeJS.ErrnoException | undefined)?.code;
  return new SlipwayError(
    'PLATFORM_ERROR',
    `cannot reach ${context.forge} at ${context.apiUrl} while ${what} (${code ?? clean(cause.message)})`,
    { fix: `check the network and the API address (${context.apiUrl})` },
  );
}

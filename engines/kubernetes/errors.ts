// What a failed Kubernetes API call means for the user: one catalog error with the context, the server and the fix.
import { SlipwayError } from '../../core/errors.js';

/** Where a call went: the kube context and its API server. */
export interface KubeTarget {
  context: string;
  server: string;
}

/** The parts of the client's ApiException (HTTP status and the API's Status body) that say what went wrong. */
interface HttpFailure {
  code: number;
  body?: unknown;
}

function isHttpFailure(error: unknown): error is HttpFailure {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number';
}

/** The API's own message (a `Status` object's `message`), else the body as text. */
export function apiMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  if (typeof body === 'string') {
    try {
      return apiMessage(JSON.parse(body) as unknown);
    } catch {
      return body.slice(0, 200);
    }
  }
  return '';
}

/** `exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2` in a 403 or a FailedCreate message. */
export function isQuotaMessage(message: string): boolean {
  return /exceeded quota|forbidden: failed quota/i.test(message);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
]);

/** The status code 404 (the object is not there), which callers usually treat as an answer, not a failure. */
export function isNotFound(error: unknown): boolean {
  return isHttpFailure(error) && error.code === 404;
}

/**
 * Maps anything a Kubernetes call threw to a catalog error: 401 expired credentials, 403 quota or RBAC, an API
 * server that refuses or does not answer, a TLS failure, an API rejection (422) with the API's own message.
 */
export function kubeError(error: unknown, target: KubeTarget, what: string): SlipwayError {
  if (error instanceof SlipwayError) return error;
  const where = `the Kubernetes API server ${target.server} (context ${target.context})`;
  if (isHttpFailure(error) && error.code >= 100 && error.code < 600) {
    const message = apiMessage(error.body);
    if (error.code === 401) {
      return new SlipwayError('KUBE_UNAUTHORIZED', `${where} refused slipway's credentials (401 Unauthorized)`, {
        fix: `the token or client certificate of context ${target.context} expired or was revoked: log in again or renew the kubeconfig, then check with \`kubectl --context ${target.context} auth whoami\``,
        cause: error,
      });
    }
    if (error.code === 403 && isQuotaMessage(message)) {
      return new SlipwayError('QUOTA_EXCEEDED', `${what}: ${message}`, {
        fix: "raise the namespace's ResourceQuota or lower the components' requests (kubernetes.resources in slipway.config.ts)",
        cause: error,
      });
    }
    if (error.code === 403) {
      return new SlipwayError('KUBE_FORBIDDEN', `${what}: forbidden by ${where}: ${message || 'no reason given'}`, {
        fix: `grant the identity of context ${target.context} the right to do this (RBAC), or use another context`,
        cause: error,
      });
    }
    return new SlipwayError(
      'ENGINE_ERROR',
      `${what}: ${where} answered ${error.code}${message ? `: ${message}` : ''}`,
      {
        fix:
          error.code === 422
            ? 'the cluster rejected an object slipway rendered: see `slipway env up --dry-run -o yaml` and the message, and adjust the kubernetes section of the config'
            : 'rerun; if it persists, look at the API server and its logs',
        cause: error,
      },
    );
  }
  const code = (error as { code?: unknown; errno?: unknown; cause?: { code?: unknown } } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'AbortError' || /aborted|timed? ?out/i.test(message)) {
    return new SlipwayError('ENGINE_UNREACHABLE', `${where} does not answer (${what})`, {
      fix: `check that the cluster is up and reachable from here (\`kubectl --context ${target.context} get --raw /readyz\`)`,
      cause: error,
    });
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    return new SlipwayError('ENGINE_UNREACHABLE', `${where} is not reachable (${code})`, {
      fix: `start the cluster or correct the server of context ${target.context} in the kubeconfig`,
      cause: error,
    });
  }
  if (typeof code === 'string' && /CERT|SSL|TLS|SELF_SIGNED/i.test(code)) {
    return new SlipwayError('ENGINE_UNREACHABLE', `${where}: TLS failed (${code})`, {
      fix: `check the certificate-authority of context ${target.context} in the kubeconfig`,
      cause: error,
    });
  }
  if (/token|credential|exec plugin|refresh/i.test(message)) {
    return new SlipwayError('KUBE_UNAUTHORIZED', `context ${target.context}: could not get credentials (${message})`, {
      fix: `log in again or renew the kubeconfig of context ${target.context}`,
      cause: error,
    });
  }
  return new SlipwayError('ENGINE_ERROR', `${what}: ${message} (${where})`, {
    fix: 'rerun with --debug; if it persists, look at the API server and its logs',
    cause: error,
  });
}

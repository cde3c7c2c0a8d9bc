import { ApiException, FetchError } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../core/errors.js';
import { apiMessage, isNotFound, kubeError } from './errors.js';

const target = { context: 'slipway-ci', server: 'https://127.0.0.1:6443' };

function status(code: number, message: string) {
  return new ApiException(code, 'Unsuccessful HTTP Request', { kind: 'Status', code, message }, {});
}

describe('Kubernetes failures as catalog errors', () => {
  it('401: expired or revoked credentials, exit 3, naming the context', () => {
    const error = kubeError(status(401, 'Unauthorized'), target, 'listing namespaces');
    expect(error.code).toBe('KUBE_UNAUTHORIZED');
    expect(exitCodeOf(error.code)).toBe(3);
    expect(error.message).toBe(
      "the Kubernetes API server https://127.0.0.1:6443 (context slipway-ci) refused slipway's credentials (401 Unauthorized)",
    );
    expect(error.fix).toContain('kubectl --context slipway-ci auth whoami');
  });

  it('403: a quota refusal is QUOTA_EXCEEDED with the API message; anything else is RBAC', () => {
    const quota = kubeError(
      status(
        403,
        'services "students-api" is forbidden: exceeded quota: small, requested: services=1, used: services=2, limited: services=2',
      ),
      target,
      'applying Service/students-api',
    );
    expect(quota.code).toBe('QUOTA_EXCEEDED');
    expect(quota.message).toMatch(
      /^applying Service\/students-api: services "students-api" is forbidden: exceeded quota: small/,
    );
    const rbac = kubeError(
      status(403, 'namespaces is forbidden: User "ci" cannot create'),
      target,
      'applying Namespace/x',
    );
    expect(rbac.code).toBe('KUBE_FORBIDDEN');
    expect(rbac.message).toContain('User "ci" cannot create');
  });

  it('an API server that refuses or does not answer is ENGINE_UNREACHABLE (exit 3)', () => {
    const refused = kubeError(
      new FetchError('request to https://127.0.0.1:6443/api failed, reason: connect ECONNREFUSED', 'system', {
        code: 'ECONNREFUSED',
      } as never),
      target,
      'listing namespaces',
    );
    expect(refused.code).toBe('ENGINE_UNREACHABLE');
    expect(refused.message).toBe(
      'the Kubernetes API server https://127.0.0.1:6443 (context slipway-ci) is not reachable (ECONNREFUSED)',
    );
    const silent = kubeError(
      Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }),
      target,
      'listing namespaces',
    );
    expect(silent.code).toBe('ENGINE_UNREACHABLE');
    expect(silent.message).toBe(
      'the Kubernetes API server https://127.0.0.1:6443 (context slipway-ci) does not answer (listing namespaces)',
    );
  });

  it('422 keeps the API message and points at the rendered objects', () => {
    const error = kubeError(
      status(422, 'Deployment.apps "x" is invalid: spec.template...: Forbidden'),
      target,
      'applying Deployment/x',
    );
    expect(error.code).toBe('ENGINE_ERROR');
    expect(error.message).toContain('answered 422: Deployment.apps "x" is invalid');
    expect(error.fix).toContain('--dry-run -o yaml');
  });

  it('reads the message from a Status body, as an object or as text', () => {
    expect(apiMessage({ message: 'm' })).toBe('m');
    expect(apiMessage('{"message":"n"}')).toBe('n');
    expect(apiMessage(undefined)).toBe('');
    expect(isNotFound(status(404, 'not found'))).toBe(true);
    expect(isNotFound(new Error('x'))).toBe(false);
  });
});

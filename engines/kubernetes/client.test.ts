import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SlipwayError } from '../../core/errors.js';
import { kubeconfigFiles, loadKubeConfig } from './client.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-kubeconfig-'));

function kubeconfig(name: string, contexts: string[], current = contexts[0]): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      ...contexts.flatMap((c, i) => [`- name: ${c}`, '  cluster:', `    server: https://127.0.0.1:${6443 + i}`]),
      'users:',
      '- name: ci',
      '  user:',
      '    token: not-a-real-token',
      'contexts:',
      ...contexts.flatMap((c) => [`- name: ${c}`, '  context:', `    cluster: ${c}`, '    user: ci']),
      `current-context: ${current ?? '""'}`,
      '',
    ].join('\n'),
  );
  return file;
}

function refused(action: () => unknown): SlipwayError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SlipwayError);
    return error as SlipwayError;
  }
  throw new Error('expected a refusal');
}

describe('kubeconfig and context', () => {
  it("reads the config's kubeconfig, else $KUBECONFIG's list, else ~/.kube/config", () => {
    expect(kubeconfigFiles({ file: '/a/kubeconfig', env: { KUBECONFIG: '/b' } })).toEqual(['/a/kubeconfig']);
    expect(kubeconfigFiles({ file: undefined, env: { KUBECONFIG: `/b${path.delimiter}/c` } })).toEqual(['/b', '/c']);
    expect(kubeconfigFiles({ file: undefined, env: { HOME: '/home/ci' } })).toEqual(['/home/ci/.kube/config']);
  });

  it('uses the named context, or the current one, and says which server it talks to', () => {
    const file = kubeconfig('two', ['slipway-ci', 'other']);
    expect(loadKubeConfig({ file, env: {} }, 'other').target).toEqual({
      context: 'other',
      server: 'https://127.0.0.1:6444',
    });
    expect(loadKubeConfig({ file: undefined, env: { KUBECONFIG: file } }, undefined).target.context).toBe('slipway-ci');
  });

  it('refuses a context the kubeconfig does not have, suggesting and listing the valid ones (exit 2)', () => {
    const file = kubeconfig('ci', ['slipway-ci', 'staging-eu']);
    const error = refused(() => loadKubeConfig({ file, env: {} }, 'slipway-cj'));
    expect(error.code).toBe('KUBE_CONTEXT_NOT_FOUND');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`kube context "slipway-cj" is not in ${file} (did you mean slipway-ci?)`);
    expect(error.fix).toContain('use one of its contexts: slipway-ci, staging-eu');
  });

  it('refuses a missing kubeconfig and one without a current context (exit 2)', () => {
    const missing = refused(() => loadKubeConfig({ file: path.join(dir, 'nope'), env: {} }, undefined));
    expect(missing.code).toBe('KUBECONFIG_NOT_FOUND');
    expect(missing.exitCode).toBe(2);
    const none = refused(() => loadKubeConfig({ file: kubeconfig('none', ['a'], ''), env: {} }, undefined));
    expect(none.code).toBe('KUBE_CONTEXT_NOT_FOUND');
    expect(none.message).toMatch(/has no current context$/);
  });
});

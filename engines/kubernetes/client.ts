// One kube context as slipway uses it: the kubeconfig found and the context checked before anything is sent, API
// clients whose every request has a deadline (an API server that does not answer must not hang a CI job), and
// every failure mapped to a catalog error.
import { existsSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  ServerConfiguration,
  createConfiguration,
  type Configuration,
} from '@kubernetes/client-node';
// the client's own serializer: not re-exported by its index, and the only way to hand an object to
// KubernetesObjectApi in the form it expects (version pinned in package.json)
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { getSerializationType } from '@kubernetes/client-node/dist/util.js';
import { SlipwayError } from '../../core/errors.js';
import { closest } from '../../core/suggest.js';
import { kubeError, type KubeTarget } from './errors.js';

/** Every API request's deadline; rollouts poll with many short requests rather than one long watch. */
export const REQUEST_TIMEOUT_MS = 15_000;

export interface KubeconfigSource {
  /** `kubernetes.kubeconfig` from the config, already absolute. */
  file: string | undefined;
  /** The process environment the command runs with (KUBECONFIG, HOME). */
  env: NodeJS.ProcessEnv;
}

/** The kubeconfig files slipway reads, in kubectl's order: the config's file, else $KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigFiles(source: KubeconfigSource): string[] {
  if (source.file) return [source.file];
  const list = (source.env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  if (list.length > 0) return list;
  return [path.join(source.env.HOME ?? os.homedir(), '.kube', 'config')];
}

/** Loads the kubeconfig with `context` as its current context (its own current context when undefined). */
export function loadKubeConfig(
  source: KubeconfigSource,
  context: string | undefined,
): { kc: KubeConfig; target: KubeTarget } {
  const files = kubeconfigFiles(source);
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) {
    throw new SlipwayError('KUBECONFIG_NOT_FOUND', `no kubeconfig at ${files.join(', ')}`, {
      fix: 'set kubernetes.kubeconfig in slipway.config.ts or KUBECONFIG to the kubeconfig of the cluster',
    });
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(present[0]!);
    for (const file of present.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more, true);
    }
  } catch (error) {
    throw new SlipwayError(
      'KUBECONFIG_NOT_FOUND',
      `the kubeconfig ${present.join(', ')} cannot be read: ${(error as Error).message}`,
      {
        fix: 'point kubernetes.kubeconfig (or KUBECONFIG) at a valid kubeconfig file',
        cause: error,
      },
    );
  }
  const wanted = context ?? kc.getCurrentContext();
  const names = kc.getContexts().map((c) => c.name);
  if (!wanted || !kc.getContextObject(wanted)) {
    const suggestion = wanted ? closest(wanted, names) : undefined;
    throw new SlipwayError(
      'KUBE_CONTEXT_NOT_FOUND',
      wanted
        ? `kube context "${wanted}" is not in ${present.join(', ')}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`
        : `${present.join(', ')} has no current context`,
      {
        fix:
          names.length > 0
            ? `use one of its contexts: ${names.join(', ')} (kubernetes.context, or clusters of the environment, in slipway.config.ts)`
            : 'add a context to the kubeconfig',
      },
    );
  }
  kc.setCurrentContext(wanted);
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new SlipwayError(
      'KUBE_CONTEXT_NOT_FOUND',
      `kube context "${wanted}" names no cluster that the kubeconfig defines`,
      {
        fix: `fix the cluster of context ${wanted} in ${present.join(', ')}`,
      },
    );
  }
  return { kc, target: { context: wanted, server: cluster.server } };
}

/**
 * An object as the client's typed models hold it. KubernetesObjectApi serializes what it is given through those
 * models, which expect their own field names for a few wire names (`_from` for a NetworkPolicy rule's `from`): a
 * plain object would lose those fields silently (and an ingress rule without `from` allows everything).
 */
export function toClientModel<T extends { apiVersion: string; kind: string }>(object: T): T {
  return ObjectSerializer.deserialize(
    JSON.parse(JSON.stringify(object)),
    getSerializationType(object.apiVersion, object.kind),
  ) as T;
}

export interface KubeClient {
  kc: KubeConfig;
  target: KubeTarget;
  objects: KubernetesObjectApi;
  core: CoreV1Api;
  apps: AppsV1Api;
  /** Runs one API call and maps its failure to a catalog error naming what it was for. */
  call<T>(what: string, action: () => Promise<T>): Promise<T>;
  /** A GET of a raw API path (the service proxy), with the context's credentials: status and body. */
  get(apiPath: string, timeoutMs: number): Promise<{ status: number; body: string }>;
}

function configuration(kc: KubeConfig, server: string, timeoutMs: number): Configuration {
  return createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (context) => {
          context.setSignal(AbortSignal.timeout(timeoutMs));
          return context;
        },
        post: async (response) => response,
      },
    ],
  });
}

export function createKubeClient(kc: KubeConfig, target: KubeTarget, options: { timeoutMs?: number } = {}): KubeClient {
  const config = configuration(kc, target.server, options.timeoutMs ?? REQUEST_TIMEOUT_MS);
  return {
    kc,
    target,
    objects: new KubernetesObjectApi(config),
    core: new CoreV1Api(config),
    apps: new AppsV1Api(config),
    async call(what, action) {
      try {
        return await action();
      } catch (error) {
        throw kubeError(error, target, what);
      }
    },
    async get(apiPath, timeoutMs) {
      const url = new URL(apiPath, target.server.endsWith('/') ? target.server : `${target.server}/`);
      const options: https.RequestOptions = { method: 'GET', headers: {} };
      await kc.applyToHTTPSOptions(options);
      return new Promise((resolve, reject) => {
        const request = https.request(url, { ...options, timeout: timeoutMs }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body = (body + chunk).slice(-64 * 1024)));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          response.on('error', reject);
        });
        request.on('timeout', () =>
          request.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { name: 'AbortError' })),
        );
        request.on('error', reject);
        request.end();
      });
    },
  };
}

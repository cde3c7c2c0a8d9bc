// The router's image: FROM scratch with the host's caddy and the libraries ldd lists, so no pull is needed;
// or, when configured, a Caddy image used as is (the official one on a machine with internet).
import { access, constants, readFile, realpath } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { run } from '../../core/exec.js';
import { SlipwayError } from '../../core/errors.js';
import { engineEndpoint, engineRequest, EngineApiError, type EngineEndpoint } from './api.js';
import {
  initialRouterConfig,
  ROUTER_ADMIN_PORT,
  ROUTER_CONFIG_FILE,
  ROUTER_ENTRYPOINT,
  ROUTER_ENV,
  ROUTER_HTTP_PORT,
  ROUTER_ROLE_LABEL,
  ROUTER_STATE_DIR,
} from './router.js';

export interface RouterImageOptions {
  /** Use this image as is (pulled when missing); nothing is built. */
  image?: string;
  /** The caddy binary to package; Debian's by default. */
  caddyPath?: string;
  endpoint?: EngineEndpoint;
}

export const DEFAULT_CADDY_PATH = '/usr/bin/caddy';

/** `2.6.2` (Debian) or `v2.7.6 h1:…` (upstream builds) -> `2.6.2`. */
export function parseCaddyVersion(output: string): string | undefined {
  const match = /^v?(\d+\.\d+\.\d+[0-9A-Za-z.+~-]*)/m.exec(output.trim());
  return match?.[1];
}

export function routerImageTag(caddyVersion: string): string {
  return `slipway/router:caddy-${caddyVersion.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
}

/** The shared libraries (and the dynamic loader) ldd lists; an empty list for a static binary. */
export function parseLdd(output: string): { libraries: string[]; missing: string[] } {
  const libraries: string[] = [];
  const missing: string[] = [];
  for (const line of output.split('\n').map((l) => l.trim())) {
    const arrow = /^(\S+) => (.*?)(?: \(0x[0-9a-f]+\))?$/.exec(line);
    if (arrow) {
      if (arrow[2] === 'not found') missing.push(arrow[1]!);
      else if (arrow[2]!.startsWith('/')) libraries.push(arrow[2]!);
      continue;
    }
    // the loader and anything ldd names by absolute path; linux-vdso lives in the kernel
    const bare = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (bare) libraries.push(bare[1]!);
  }
  return { libraries: [...new Set(libraries)], missing };
}

export function routerDockerfile(): string {
  return [
    'FROM scratch',
    'COPY rootfs/ /',
    `ENV PATH=/usr/bin ${ROUTER_ENV.join(' ')}`,
    `EXPOSE ${ROUTER_HTTP_PORT} ${ROUTER_ADMIN_PORT}`,
    `ENTRYPOINT ${JSON.stringify(ROUTER_ENTRYPOINT)}`,
    '',
  ].join('\n');
}

interface TarFile {
  name: string;
  content?: Buffer;
  mode: number;
}

async function tarOf(files: TarFile[]): Promise<Readable> {
  // loaded on use: only a router build or a config upload needs a tar
  const { default: tar } = await import('tar-stream');
  const pack = tar.pack();
  const common = { mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
  for (const file of files) {
    if (file.content === undefined) pack.entry({ ...common, name: file.name, type: 'directory', mode: file.mode });
    else pack.entry({ ...common, name: file.name, type: 'file', mode: file.mode }, file.content);
  }
  pack.finalize();
  return pack as unknown as Readable;
}

function initialConfigFile(prefix: string): TarFile {
  return {
    name: `${prefix}${ROUTER_CONFIG_FILE.slice(1)}`,
    content: Buffer.from(JSON.stringify(initialRouterConfig(), null, 2)),
    mode: 0o644,
  };
}

async function dockerode(endpoint: EngineEndpoint): Promise<Docker> {
  const { default: DockerClient } = await import('dockerode');
  return new DockerClient(
    endpoint.socketPath ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port },
  );
}

async function imageExists(endpoint: EngineEndpoint, reference: string): Promise<boolean> {
  try {
    await engineRequest(endpoint, 'GET', `/images/${encodeURIComponent(reference)}/json`);
    return true;
  } catch (error) {
    if (error instanceof EngineApiError && error.statusCode === 404) return false;
    throw error;
  }
}

/** Follows a build or pull progress stream; resolves with the first error the engine reported, if any. */
async function followStream(docker: Docker, stream: NodeJS.ReadableStream): Promise<string | undefined> {
  const output = await new Promise<{ error?: string }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, result: { error?: string }[]) =>
      error ? reject(error) : resolve(result),
    ),
  );
  return output.find((message) => typeof message.error === 'string')?.error;
}

async function pullRouterImage(endpoint: EngineEndpoint, reference: string): Promise<void> {
  let failure: string | undefined;
  try {
    const docker = await dockerode(endpoint);
    failure = await followStream(docker, (await docker.pull(reference)) as NodeJS.ReadableStream);
  } catch (error) {
    failure = (error as Error).message;
  }
  if (failure !== undefined || !(await imageExists(endpoint, reference)))
    throw new SlipwayError('ROUTER_ERROR', `router image ${reference} is not on this engine and could not be pulled`, {
      fix: `pull ${reference} on a machine with access to its registry, or unset router.image to build one from the host's caddy`,
      details: failure ? [failure.split('\n')[0]!] : [],
    });
}

async function buildRouterImage(endpoint: EngineEndpoint, caddy: string, version: string, tag: string): Promise<void> {
  const ldd = await run({ file: 'ldd', args: [caddy] });
  // ldd exits 1 on a static binary ("not a dynamic executable"): then caddy alone is enough
  const { libraries, missing } = parseLdd(ldd.code === 0 ? ldd.stdout : '');
  if (missing.length > 0)
    throw new SlipwayError('TOOL_MISSING', `${caddy} needs libraries this machine lacks: ${missing.join(', ')}`, {
      fix: "reinstall Debian's caddy (`apt-get install --reinstall caddy`) or set router.image to a Caddy image",
    });
  const files: TarFile[] = [
    { name: 'Dockerfile', content: Buffer.from(routerDockerfile()), mode: 0o644 },
    { name: 'rootfs/usr/bin/caddy', content: await readFile(caddy), mode: 0o755 },
    // ldd names the paths the loader searches; the file behind a symlink is copied to that path
    ...(await Promise.all(
      libraries.map(async (library) => ({
        name: `rootfs${library}`,
        content: await readFile(await realpath(library)),
        mode: 0o755,
      })),
    )),
    initialConfigFile('rootfs/'),
    { name: 'rootfs/tmp/', mode: 0o1777 },
    { name: `rootfs${ROUTER_STATE_DIR}/`, mode: 0o755 },
  ];
  const docker = await dockerode(endpoint);
  let failure: string | undefined;
  try {
    // the classic builder: COPY from scratch needs no BuildKit session
    const stream = await docker.buildImage(await tarOf(files), {
      t: tag,
      labels: { [ROUTER_ROLE_LABEL]: 'router', 'dev.slipway.caddy-version': version },
      rm: true,
      forcerm: true,
    });
    failure = await followStream(docker, stream);
  } catch (error) {
    failure = (error as Error).message;
  }
  if (failure !== undefined)
    throw new SlipwayError('BUILD_FAILED', `building the router image ${tag} failed: ${failure.split('\n')[0]}`, {
      fix: 'check the engine has disk space, or set router.image to a Caddy image',
    });
}

/** Returns the image the router runs, building `slipway/router:caddy-<version>` once when it is missing. */
export async function ensureRouterImage(options: RouterImageOptions = {}): Promise<string> {
  const endpoint = options.endpoint ?? engineEndpoint();
  if (options.image) {
    if (!(await imageExists(endpoint, options.image))) await pullRouterImage(endpoint, options.image);
    return options.image;
  }
  const caddy = options.caddyPath ?? DEFAULT_CADDY_PATH;
  try {
    await access(caddy, constants.X_OK);
  } catch (error) {
    throw new SlipwayError('TOOL_MISSING', `caddy is not installed at ${caddy}; the preview router is built from it`, {
      fix: "install Debian's caddy (`apt-get install caddy`; scripts/machine-setup.sh does) or set router.image to a Caddy image",
      cause: error,
    });
  }
  const result = await run({ file: caddy, args: ['version'] });
  const version = parseCaddyVersion(result.stdout);
  if (result.code !== 0 || !version)
    throw new SlipwayError('TOOL_FAILED', `\`${caddy} version\` did not print a version`, {
      fix: "reinstall Debian's caddy or set router.image to a Caddy image",
      details: [result.stdout.trim(), result.stderr.trim()].filter((line) => line !== ''),
    });
  const tag = routerImageTag(version);
  if (!(await imageExists(endpoint, tag))) await buildRouterImage(endpoint, caddy, version, tag);
  return tag;
}

/** Puts the initial config into a created (not yet started) router container, whatever image it runs. */
export async function writeInitialConfig(endpoint: EngineEndpoint, container: string): Promise<void> {
  const docker = await dockerode(endpoint);
  const archive = await tarOf([
    { name: 'etc/', mode: 0o755 },
    { name: `${ROUTER_CONFIG_FILE.slice(1, ROUTER_CONFIG_FILE.lastIndexOf('/'))}/`, mode: 0o755 },
    initialConfigFile(''),
  ]);
  await docker.getContainer(container).putArchive(archive, { path: '/' });
}

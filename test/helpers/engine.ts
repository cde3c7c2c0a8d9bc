// Access to the real Docker engine and registry for end-to-end tests. With CI=true a missing engine fails the
// suite instead of skipping it.
import Docker from 'dockerode';

export const docker = new Docker();
export const REGISTRY = '127.0.0.1:5000';
export const inCi = process.env.CI === 'true';

export async function engineAvailable(): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

export async function registryAvailable(): Promise<boolean> {
  try {
    return (await fetch(`http://${REGISTRY}/v2/`)).ok;
  } catch {
    return false;
  }
}

/** True when engine tests should run: the engine is there, or CI demands them (and they will fail loudly). */
export async function shouldRunEngineTests(): Promise<boolean> {
  return inCi || ((await engineAvailable()) && (await registryAvailable()));
}

/** Removes every image a test project left behind (by slipway's project label). */
export async function removeProjectImages(project: string): Promise<void> {
  const images = await docker.listImages({
    filters: JSON.stringify({ label: [`dev.slipway.project=${project}`] }),
  } as never);
  for (const image of images as unknown as Docker.ImageInfo[]) {
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => undefined);
  }
}

export async function registryDigest(repository: string, tag: string): Promise<string | undefined> {
  const response = await fetch(`http://${REGISTRY}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
    },
  });
  return response.ok ? (response.headers.get('docker-content-digest') ?? undefined) : undefined;
}

const DOCKER_PID_FILE = '/var/run/docker.pid';
const DOCKERD_LOG = '/var/log/slipway-dockerd.log';

export async function until(what: string, seconds: number, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let waited = 0; waited < seconds * 10; waited++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not after ${seconds} s`);
}

/**
 * Restarts the local Docker engine the way `systemctl restart docker` does: SIGTERM to the dockerd that
 * scripts/machine-setup.sh started (its pid file names it), which stops its containers, then the same command line
 * again; resolves once it answers. Needs the rights to signal and start dockerd (root, as machine-setup runs it).
 */
export async function restartEngine(): Promise<void> {
  const { readFileSync, existsSync, openSync, closeSync } = await import('node:fs');
  const { spawn } = await import('node:child_process');
  const pid = Number(readFileSync(DOCKER_PID_FILE, 'utf8').trim());
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  if (!argv[0]?.endsWith('dockerd')) throw new Error(`${DOCKER_PID_FILE} names pid ${pid}, not a dockerd`);
  process.kill(pid, 'SIGTERM');
  await until(`dockerd ${pid} exiting`, 60, () => !existsSync(`/proc/${pid}`));
  const log = openSync(DOCKERD_LOG, 'a');
  try {
    spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', log, log] }).unref();
  } finally {
    closeSync(log);
  }
  await until('dockerd answering again', 60, () => engineAvailable());
}

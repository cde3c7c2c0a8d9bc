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

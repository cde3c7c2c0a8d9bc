// The Docker environments engine as every environment command builds it from the config: runtime plus router.
import type { ResolvedConfig } from '../config/resolve.js';
import type { DockerEnvironments } from '../engines/docker/environments.js';

export async function dockerEnvironments(config: ResolvedConfig): Promise<DockerEnvironments> {
  const [{ createDockerRuntime }, { createRouter }, { createDockerEnvironments }] = await Promise.all([
    import('../engines/docker/containers.js'),
    import('../engines/docker/router.js'),
    import('../engines/docker/environments.js'),
  ]);
  // one router per published port: projects (and tests) on other ports do not share or fight over it
  const router = createRouter({
    bind: config.router.bind,
    port: config.router.port,
    adminPort: config.router.adminPort,
    image: config.router.image,
    containerName: config.router.port === 8080 ? 'slipway-router' : `slipway-router-${config.router.port}`,
  });
  return createDockerEnvironments(createDockerRuntime(), router);
}

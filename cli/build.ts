// `slipway build`: builds each component's image when its inputs changed, says why, and writes the build manifest.
import type { CliCommand } from './command.js';

export const buildCommand: CliCommand = {
  name: 'build',
  summary: 'build the images whose inputs changed (and say why), optionally push them',
  usage: 'slipway build [--push] [--only <module/component>...] [--json]',
  description: [
    'Each component gets an input digest (Dockerfile, the context files .dockerignore lets through, build args,',
    'base image ids, image-shaping config). An image already tagged in-<digest> is reused, locally or, with --push,',
    'in the registry. Images are tagged <registry>/<project>/<module>-<component>:in-<digest12> and :sha-<commit12>;',
    'the result is written to .slipway/build.json.',
  ].join('\n'),
  flags: {
    push: { type: 'boolean', description: 'push to the registry and reuse images found there' },
    only: {
      type: 'string',
      multiple: true,
      value: '<module/component>',
      description: 'build only these components or modules (comma-separated or repeated)',
    },
  },
  async run({ flags, out, cwd, env }) {
    // loaded on use, so that `slipway --help` and other commands stay fast
    const [
      { loadConfig },
      { gitFacts },
      { createDockerEngine },
      { runBuild },
      { createProgress },
      { createRegistryClient },
    ] = await Promise.all([
      import('../config/load.js'),
      import('../core/git.js'),
      import('../engines/docker/index.js'),
      import('../image-builder/execute.js'),
      import('../image-builder/progress.js'),
      import('../registry/client.js'),
    ]);
    const config = await loadConfig({ cwd, configFile: flags.config as string | undefined });
    const push = flags.push === true;
    const live = Boolean(out.stderr.isTTY) && env.CI !== 'true' && !out.json;
    const report = await runBuild({
      config,
      engine: createDockerEngine(),
      registry: createRegistryClient({ host: config.registry.host, insecure: config.registry.insecure }),
      push,
      only: (flags.only as string[] | undefined) ?? [],
      git: await gitFacts(config.root, env),
      env,
      progress: (ids) => createProgress(out.stderr, ids, { live }),
    });
    const components = report.components.map(({ id, kind, image, inputDigest, built, reason, digest }) => ({
      id,
      kind,
      image,
      inputDigest,
      built,
      reason,
      digest,
    }));
    out.result({ components, manifest: report.manifestFile }, () => {
      const built = components.filter((c) => c.built).length;
      const width = Math.max(...components.map((c) => c.id.length));
      return [
        ...components.map((c) => `${c.built ? 'built ' : 'reused'}  ${c.id.padEnd(width)}  ${c.image}  (${c.reason})`),
        `${built} built, ${components.length - built} reused; manifest: ${report.manifestFile}`,
      ].join('\n');
    });
    return 0;
  },
};

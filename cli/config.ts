// `slipway config check` validates the config and lists its components; `slipway config schema` prints its JSON Schema.
import type { CliCommand } from './command.js';

export const configCheckCommand: CliCommand = {
  name: 'config check',
  summary: 'validate slipway.config.ts and list its modules and components',
  usage: 'slipway config check [--config <file>] [--json]',
  flags: {},
  async run({ flags, out, cwd }) {
    const { loadConfig } = await import('../config/load.js');
    const config = await loadConfig({ cwd, configFile: flags.config as string | undefined });
    const components = config.components.map((c) => ({
      id: c.id,
      kind: c.kind,
      image: c.imageRepository,
      port: c.port ?? null,
      health: c.health ?? null,
      dependsOn: c.dependsOn,
    }));
    out.result({ project: config.project, configFile: config.configFile, components }, () =>
      [
        `${config.configFile}: valid, project ${config.project}, ${components.length} components`,
        ...components.map((c) => `  ${c.id.padEnd(24)} ${c.kind.padEnd(8)} ${c.image}`),
      ].join('\n'),
    );
    return 0;
  },
};

export const configSchemaCommand: CliCommand = {
  name: 'config schema',
  summary: 'print the JSON Schema of slipway.config.ts',
  usage: 'slipway config schema',
  flags: {},
  async run({ out }) {
    const { configJsonSchema } = await import('../config/json-schema.js');
    out.result(configJsonSchema(), () => JSON.stringify(configJsonSchema(), null, 2));
    return 0;
  },
};

// The shape every CLI command file exports: its name, help text, flags, and what it runs.
import type { ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';

export interface FlagSpec {
  type: 'boolean' | 'string';
  multiple?: boolean;
  short?: string;
  /** Placeholder shown in help, e.g. `<module/component>`. */
  value?: string;
  description: string;
}

export interface CommandContext {
  /** Positional arguments after the command name (and sub-command, if any). */
  positionals: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
  out: Output;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  /** `build`, or `config check` for a sub-command. */
  name: string;
  summary: string;
  usage: string;
  /** Extra paragraphs shown by `--help`. */
  description?: string;
  flags: Record<string, FlagSpec>;
  run(context: CommandContext): Promise<ExitCode>;
}

/** Flags every command accepts. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  json: { type: 'boolean', description: 'machine-readable result on stdout; progress stays on stderr' },
  config: {
    type: 'string',
    value: '<file>',
    description: 'path to slipway.config.ts (default: search upwards from the current directory)',
  },
  debug: { type: 'boolean', description: 'show stack traces and engine responses' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

// slipway's command line: finds the command, parses its flags, runs it, and maps errors to exit codes.
import { parseArgs } from 'node:util';
import { SlipwayError, errorJson, formatError, toSlipwayError, type ExitCode } from '../core/errors.js';
import { createOutput } from '../core/output.js';
import { COMMON_FLAGS, type CliCommand, type FlagSpec } from './command.js';
import { buildCommand } from './build.js';
import { configCheckCommand, configSchemaCommand } from './config.js';
import { deployCommand, historyCommand, promoteCommand, rollbackCommand } from './deploy.js';
import { envDownCommand, envGcCommand, envLsCommand, envUpCommand } from './env.js';
import { gateCommand } from './gate.js';
import { loadtestCommand } from './loadtest.js';
import { mrReportCommand } from './mr.js';
import { pipelineGenerateCommand } from './pipeline.js';
import { serveCommand } from './serve.js';
import { releaseCommand, releasePlanCommand, releasePublishCommand } from './release.js';

export const COMMANDS: CliCommand[] = [
  buildCommand,
  envUpCommand,
  envDownCommand,
  envLsCommand,
  envGcCommand,
  deployCommand,
  promoteCommand,
  rollbackCommand,
  historyCommand,
  gateCommand,
  loadtestCommand,
  mrReportCommand,
  pipelineGenerateCommand,
  serveCommand,
  releasePlanCommand,
  releaseCommand,
  releasePublishCommand,
  configCheckCommand,
  configSchemaCommand,
];

const EXIT_CODE_HELP = `Exit codes:
  0  ok
  1  a gate or verification failed (a build failed, a quality gate failed)
  2  usage or configuration error
  3  engine, registry, network or tool failure`;

export function topLevelHelp(commands: CliCommand[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'slipway: CI/CD and quality gates for modular monorepos',
    '',
    'Usage: slipway <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --help, --json, --config <file> and --debug.',
    '',
    EXIT_CODE_HELP,
  ].join('\n');
}

export function commandHelp(command: CliCommand): string {
  const flags = { ...command.flags, ...COMMON_FLAGS };
  const rows = Object.entries(flags).map(([name, spec]) => {
    const left = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [left, spec.description + (spec.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `Usage: ${command.usage}`,
    '',
    command.summary,
    ...(command.description ? ['', command.description] : []),
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    '',
    EXIT_CODE_HELP,
  ].join('\n');
}

/** Finds the longest command name matching the start of argv (`config check` before `config`). */
function findCommand(argv: string[], commands: CliCommand[]): { command: CliCommand; rest: string[] } | undefined {
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const command of sorted) {
    const words = command.name.split(' ');
    if (words.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(words.length) };
  }
  return undefined;
}

function parseFlags(command: CliCommand, argv: string[]) {
  const specs: Record<string, FlagSpec> = { ...command.flags, ...COMMON_FLAGS };
  const options: Record<string, { type: 'boolean' | 'string'; multiple?: boolean; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'invalid arguments';
    throw new SlipwayError('USAGE', message.replace(/\.$/, ''), { fix: `see \`slipway ${command.name} --help\`` });
  }
}

export interface MainIO {
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export async function main(argv: string[], io: MainIO = {}): Promise<ExitCode> {
  const stdout = (io.stdout ?? process.stdout) as NodeJS.WriteStream;
  const stderr = (io.stderr ?? process.stderr) as NodeJS.WriteStream;
  const wantsJson = argv.includes('--json');
  const debug = argv.includes('--debug');
  const out = createOutput({ json: wantsJson, debug, stdout, stderr });
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      stdout.write(`${topLevelHelp()}\n`);
      return 0;
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      // walks up from this module: cli/ in the sources, dist/cli/ built, node_modules/slipway/dist/cli/ installed
      const { slipwayPackage } = await import('../core/package-info.js');
      const pkg = await slipwayPackage();
      if (!pkg) throw new SlipwayError('INTERNAL', "slipway's package.json not found", { fix: 'reinstall slipway' });
      stdout.write(`${pkg.version}\n`);
      return 0;
    }
    const found = findCommand(argv, COMMANDS);
    if (!found) {
      const names = COMMANDS.map((c) => c.name).join(', ');
      throw new SlipwayError('USAGE', `unknown command "${argv.filter((a) => !a.startsWith('-')).join(' ')}"`, {
        fix: `use one of: ${names} (see \`slipway --help\`)`,
      });
    }
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      stdout.write(`${commandHelp(found.command)}\n`);
      return 0;
    }
    const parsed = parseFlags(found.command, found.rest);
    return await found.command.run({
      positionals: parsed.positionals,
      flags: parsed.values as Record<string, string | boolean | string[] | undefined>,
      out,
      cwd: io.cwd ?? process.cwd(),
      env: io.env ?? process.env,
    });
  } catch (thrown) {
    const error = toSlipwayError(thrown);
    stderr.write(`${formatError(error)}\n`);
    for (const line of error.details) stderr.write(`  ${line}\n`);
    if (debug && thrown instanceof Error && thrown.stack) stderr.write(`${thrown.stack}\n`);
    if (wantsJson) stdout.write(`${JSON.stringify({ error: errorJson(error) }, null, 2)}\n`);
    return error.exitCode;
  }
}

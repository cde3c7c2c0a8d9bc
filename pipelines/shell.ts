// Turns a model command (an argv) into one shell line for a CI script; every literal is quoted when it needs to be.
import type { Arg, Command, ForgeValue } from './model.js';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(word: string): string {
  if (SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** How a forge spells its values in a shell: a variable name, always expanded inside double quotes. */
export interface ShellDialect {
  variable: Record<ForgeValue, string>;
}

// lists the remote's branches; on failure the substitution is empty and gc removes only expired environments
const OPEN_BRANCHES = `$(git ls-remote --heads origin | sed 's|.*refs/heads/|--open |')`;

function renderArg(arg: Arg, dialect: ShellDialect): string {
  if (typeof arg === 'string') return shellQuote(arg);
  if ('value' in arg) return `"$${dialect.variable[arg.value]}"`;
  return OPEN_BRANCHES;
}

export function shellLine(command: Command, dialect: ShellDialect): string {
  const line = command.argv.map((arg) => renderArg(arg, dialect)).join(' ');
  return command.stdout ? `${line} > ${shellQuote(command.stdout)}` : line;
}

const URL_SCRIPT = [
  'const [f, c, k, part] = process.argv.slice(1);',
  'const u = require(require("path").resolve(f)).urls[c] ?? "";',
  'console.log(k + "=" + (part === "address" ? u.replace(/^[a-z]+:\\/\\//, "") : u))',
].join(' ');

/**
 * A line appending `<key>=<url of component>`, read from a slipway `--json` result, to `target` (a dotenv report,
 * or "$GITHUB_OUTPUT", passed as shell text). `address`: the URL without its scheme.
 */
export function urlLine(file: string, component: string, key: string, target: string, part: 'url' | 'address'): string {
  return `${['node', '-e', URL_SCRIPT, file, component, key, part].map(shellQuote).join(' ')} >> ${target}`;
}

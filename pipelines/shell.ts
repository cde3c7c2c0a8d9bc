// Turns a model command (an argv) into one shell line for a CI script; every literal is quoted when it needs to be.
import { SLIPWAY_BIN, type Arg, type Command, type ForgeValue } from './model.js';

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(word: string): string {
  if (SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** How a forge spells its values in a shell: a variable name, always expanded inside double quotes. */
export interface ShellDialect {
  variable: Record<ForgeValue, string>;
}

function renderArg(arg: Arg, dialect: ShellDialect): string {
  if (typeof arg === 'string') return shellQuote(arg);
  if ('value' in arg) return `"$${dialect.variable[arg.value]}"`;
  // unquoted on purpose: a command line (`npx slipway`, `node /opt/slipway/bin/slipway.js`) set by the project's
  // maintainers in the pipeline or its CI/CD variables, never by a branch's author
  return `$${SLIPWAY_BIN}`;
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

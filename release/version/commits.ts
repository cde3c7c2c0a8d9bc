// Reads conventional commit messages as semantic-release's conventionalcommits preset does (type, scope, `!`, notes, reverts).

/** A commit as git gives it: the raw message and the files it touched. */
export interface RawCommit {
  hash: string;
  parents: string[];
  /** The raw message (`%B`): header, blank line, body and footers. */
  message: string;
  /** Paths relative to the repository root, as `git log --name-only --no-renames` lists them. */
  files: string[];
}

export interface Footer {
  /** `Refs`, `Reviewed-by`, `BREAKING CHANGE`... */
  token: string;
  value: string;
}

export interface RevertInfo {
  /** Header of the reverted commit, as the revert message quotes it. */
  header: string | null;
  /** Hash of the reverted commit, from `This reverts commit <hash>.` */
  hash: string | null;
}

export interface ParsedMessage {
  header: string;
  /** null when the header is not `<type>[(scope)][!]: <subject>`: such commits never trigger a release. */
  type: string | null;
  scope: string | null;
  subject: string | null;
  body: string | null;
  footers: Footer[];
  /**
   * The breaking-change notes: each `BREAKING CHANGE:` / `BREAKING-CHANGE:` footer's text, or, for a `!` header
   * without such a footer, the subject (what conventional-commits-parser's breakingHeaderPattern does).
   */
  breaking: string[];
  /** Issue references in the footers (`Refs: #12`, `Closes #3`), as `#12`. */
  references: string[];
  /** Set for `revert: <header>` and git's own `Revert "<header>"` messages that say which commit they revert. */
  revert: RevertInfo | null;
}

export interface Commit extends ParsedMessage {
  hash: string;
  parents: string[];
  files: string[];
}

// The preset's parser options (conventional-changelog-conventionalcommits src/parser.js).
const HEADER = /^(\w*)(?:\((.*)\))?!?: (.*)$/;
const BREAKING_HEADER = /^(\w*)(?:\((.*)\))?!: (.*)$/;
const NOTE = /^[\s|*]*(BREAKING CHANGE|BREAKING-CHANGE)[:\s]+(.*)$/i;
const REVERT = /^(?:Revert|revert:)\s"?([\s\S]+?)"?\s*This reverts commit (\w*)\./i;
/** A Conventional Commits footer line: `Token: value` or `Token #value` (git trailers). */
const FOOTER = /^([A-Za-z][\w-]*)(?:: | (?=#))(.*)$/;
const REFERENCE = /#\d+/g;
const SCISSORS = /^# -+ >8 -+$/;

function trimBlankLines(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && !lines[start]!.trim()) start++;
  while (end > start && !lines[end - 1]!.trim()) end--;
  return lines.slice(start, end);
}

/** Where the footers begin: the first note line, or the first token line that opens a paragraph. */
function footerStart(lines: string[]): number {
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (NOTE.test(line)) return i;
    if (FOOTER.test(line) && !lines[i - 1]!.trim()) return i;
  }
  return lines.length;
}

function parseFooters(lines: string[]): Footer[] {
  const footers: Footer[] = [];
  for (const line of lines) {
    const note = NOTE.exec(line);
    const token = note ? null : FOOTER.exec(line);
    if (note) footers.push({ token: note[1]!.toUpperCase().replace('-', ' '), value: note[2]! });
    else if (token) footers.push({ token: token[1]!, value: token[2]! });
    else if (footers.length > 0) footers.at(-1)!.value += `\n${line}`;
  }
  return footers.map((f) => ({ token: f.token, value: trimBlankLines(f.value.split('\n')).join('\n') }));
}

export function parseCommitMessage(message: string): ParsedMessage {
  const all = message.split(/\r?\n/);
  const scissors = all.findIndex((line) => SCISSORS.test(line));
  const lines = trimBlankLines(scissors === -1 ? all : all.slice(0, scissors));
  const header = lines[0] ?? '';
  const match = BREAKING_HEADER.exec(header) ?? HEADER.exec(header);
  const bang = BREAKING_HEADER.test(header);
  const type = match?.[1] || null;
  const scope = match?.[2] || null;
  const subject = match?.[3] || null;
  const start = footerStart(lines);
  const body = trimBlankLines(lines.slice(1, start)).join('\n') || null;
  const footers = parseFooters(lines.slice(start));
  const notes = footers.filter((f) => f.token === 'BREAKING CHANGE').map((f) => f.value);
  const breaking = notes.length > 0 ? notes : bang && subject ? [subject] : [];
  const references = [...new Set(footers.flatMap((f) => f.value.match(REFERENCE) ?? []))];
  const revertMatch = REVERT.exec(lines.join('\n'));
  const revert = revertMatch ? { header: revertMatch[1] || null, hash: revertMatch[2] || null } : null;
  return { header, type, scope, subject, body, footers, breaking, references, revert };
}

export function parseCommit(raw: RawCommit): Commit {
  return { hash: raw.hash, parents: raw.parents, files: raw.files, ...parseCommitMessage(raw.message) };
}

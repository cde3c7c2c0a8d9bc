// Release notes in Markdown, laid out like the conventionalcommits preset's template: breaking changes first, then by type.
import type { Commit } from './commits.js';

/** The preset's types, in its section order (conventional-changelog-conventionalcommits src/constants.js). */
export const COMMIT_TYPES: readonly { type: string; section: string; hidden: boolean }[] = [
  { type: 'feat', section: 'Features', hidden: false },
  { type: 'feature', section: 'Features', hidden: false },
  { type: 'fix', section: 'Bug Fixes', hidden: false },
  { type: 'perf', section: 'Performance Improvements', hidden: false },
  { type: 'revert', section: 'Reverts', hidden: false },
  { type: 'docs', section: 'Documentation', hidden: true },
  { type: 'style', section: 'Styles', hidden: true },
  { type: 'chore', section: 'Miscellaneous Chores', hidden: true },
  { type: 'refactor', section: 'Code Refactoring', hidden: true },
  { type: 'test', section: 'Tests', hidden: true },
  { type: 'build', section: 'Build System', hidden: true },
  { type: 'ci', section: 'Continuous Integration', hidden: true },
];

export const BREAKING_TITLE = '⚠ BREAKING CHANGES';
const SHORT_HASH = 7;

interface Entry {
  scope: string | null;
  subject: string;
  hash: string;
  references: string[];
}

/**
 * The section a commit is listed under, or null when it is not listed: hidden types (docs, chore...) and unknown
 * types appear only when they carry a breaking change, as in the preset's writer. Git's own `Revert "..."` commits go
 * under Reverts too (the preset drops them from the notes; they do release a patch, so the notes say why).
 */
function sectionOf(commit: Commit): string | null {
  const known = COMMIT_TYPES.find((t) => t.type === commit.type);
  if (known && (!known.hidden || commit.breaking.length > 0)) return known.section;
  if (!commit.type && commit.revert) return 'Reverts';
  if (commit.type && commit.breaking.length > 0) return commit.type;
  return null;
}

function line(entry: Pick<Entry, 'scope'> & { text: string }): string {
  return `* ${entry.scope ? `**${entry.scope}:** ` : ''}${entry.text}`;
}

function byScopeThenSubject(a: Entry, b: Entry): number {
  return (a.scope ?? '').localeCompare(b.scope ?? '') || a.subject.localeCompare(b.subject);
}

function entryLine(entry: Entry): string {
  const references = entry.references.filter((r) => !new RegExp(`${r}(?!\\d)`).test(entry.subject));
  const closes = references.length > 0 ? `, closes ${references.join(' ')}` : '';
  return line({ scope: entry.scope, text: `${entry.subject} (${entry.hash.slice(0, SHORT_HASH)})${closes}` });
}

export interface NotesInput {
  version: string;
  /** A module's name, shown before the version; the app's notes have none. */
  name?: string;
  /** YYYY-MM-DD, shown after the version like the preset's header. */
  date?: string;
  /** The commits of the release, reverted pairs already removed. */
  commits: Commit[];
  /** Extra Markdown appended at the end (the app's list of module versions). */
  appendix?: string;
}

export function renderNotes(input: NotesInput): string {
  const blocks: string[] = [
    `## ${input.name ? `${input.name} ` : ''}${input.version}${input.date ? ` (${input.date})` : ''}`,
  ];
  const notes = input.commits
    .flatMap((c) => c.breaking.map((text) => ({ scope: c.scope, text })))
    .sort((a, b) => a.text.localeCompare(b.text));
  if (notes.length > 0) blocks.push(`### ${BREAKING_TITLE}\n\n${notes.map(line).join('\n')}`);
  const groups = new Map<string, Entry[]>();
  for (const commit of input.commits) {
    const section = sectionOf(commit);
    if (!section) continue;
    const subject = commit.type ? (commit.subject ?? commit.header) : (commit.revert?.header ?? commit.header);
    const entries = groups.get(section) ?? [];
    entries.push({ scope: commit.scope, subject, hash: commit.hash, references: commit.references });
    groups.set(section, entries);
  }
  const order = COMMIT_TYPES.map((t) => t.section);
  const rank = (section: string) => (order.includes(section) ? order.indexOf(section) : order.length);
  for (const [section, entries] of [...groups].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))) {
    blocks.push(`### ${section}\n\n${entries.sort(byScopeThenSubject).map(entryLine).join('\n')}`);
  }
  if (input.appendix) blocks.push(input.appendix);
  return `${blocks.join('\n\n')}\n`;
}

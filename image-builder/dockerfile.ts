// Reads a Dockerfile far enough to know its external base images (FROM lines, with ARG substitution).

export interface DockerfileBases {
  /** External images the build starts from, in order of appearance, without duplicates. */
  bases: string[];
  /** Stage names declared with `AS`. */
  stages: string[];
}

/** Joins continuation lines and drops comments and blank lines (the default `\` escape character). */
export function logicalLines(source: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of source.split(/\r?\n/)) {
    const trimmed = raw.trim();
    if (current === '' && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (current !== '' && trimmed.startsWith('#')) continue;
    if (trimmed.endsWith('\\')) {
      current += `${trimmed.slice(0, -1)} `;
      continue;
    }
    current += trimmed;
    if (current.trim() !== '') lines.push(current.trim());
    current = '';
  }
  if (current.trim() !== '') lines.push(current.trim());
  return lines;
}

/** Expands $VAR, ${VAR}, ${VAR:-default} and ${VAR:+alt} as Docker does in FROM lines. */
export function expandVariables(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_, braced, op, word, bare) => {
      const name = (braced ?? bare) as string;
      const value = vars[name];
      if (op === '-') return value ? value : (word as string);
      if (op === '+') return value ? (word as string) : '';
      return value ?? '';
    },
  );
}

export function parseDockerfile(source: string, buildArgs: Record<string, string> = {}): DockerfileBases {
  const globalArgs: Record<string, string | undefined> = {};
  const stages: string[] = [];
  const bases: string[] = [];
  let seenFrom = false;
  for (const line of logicalLines(source)) {
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const instruction = match[1]!.toUpperCase();
    const rest = match[2]!;
    if (instruction === 'ARG' && !seenFrom) {
      for (const declaration of rest.split(/\s+/).filter(Boolean)) {
        const [name, ...value] = declaration.split('=');
        const fallback = value.length > 0 ? value.join('=').replace(/^["']|["']$/g, '') : undefined;
        globalArgs[name!] = buildArgs[name!] ?? fallback;
      }
    } else if (instruction === 'FROM') {
      seenFrom = true;
      const words = rest.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = expandVariables(words[0] ?? '', globalArgs);
      if (words[1]?.toUpperCase() === 'AS' && words[2]) stages.push(words[2].toLowerCase());
      const isStage = stages.slice(0, words[1]?.toUpperCase() === 'AS' ? -1 : undefined).includes(image.toLowerCase());
      if (image && image !== 'scratch' && !isStage && !bases.includes(image)) bases.push(image);
    }
  }
  return { bases, stages };
}

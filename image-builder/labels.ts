// Image labels: the OCI annotation keys plus slipway's own, which later steps read back from the engine.

export const LABEL = {
  project: 'dev.slipway.project',
  module: 'dev.slipway.module',
  component: 'dev.slipway.component',
  kind: 'dev.slipway.kind',
  inputDigest: 'dev.slipway.input-digest',
  inputs: 'dev.slipway.inputs',
} as const;

export interface LabelFacts {
  project: string;
  module: string;
  component: string;
  kind: string;
  inputDigest: string;
  encodedInputs: string;
  inputTag: string;
  commit: string | undefined;
  ref: string | undefined;
  source: string | undefined;
  version: string | undefined;
  baseName: string | undefined;
  created: Date;
}

export function imageLabels(facts: LabelFacts): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': `${facts.project}/${facts.module}-${facts.component}`,
    'org.opencontainers.image.created': facts.created.toISOString(),
    'org.opencontainers.image.ref.name': facts.inputTag,
    [LABEL.project]: facts.project,
    [LABEL.module]: facts.module,
    [LABEL.component]: `${facts.module}/${facts.component}`,
    [LABEL.kind]: facts.kind,
    [LABEL.inputDigest]: facts.inputDigest,
    [LABEL.inputs]: facts.encodedInputs,
  };
  if (facts.source) labels['org.opencontainers.image.source'] = facts.source;
  if (facts.commit) labels['org.opencontainers.image.revision'] = facts.commit;
  if (facts.version) labels['org.opencontainers.image.version'] = facts.version;
  if (facts.baseName) labels['org.opencontainers.image.base.name'] = facts.baseName;
  return labels;
}

import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './dockerfile.js';

describe('parseDockerfile', () => {
  it('finds external bases and skips stages and scratch', () => {
    const source = [
      '# comment',
      'ARG NODE=20',
      'FROM node:${NODE}-bookworm-slim AS deps',
      'RUN npm ci',
      'FROM --platform=linux/amd64 debian:bookworm-slim AS runtime',
      'COPY --from=deps /app /app',
      'FROM deps AS test',
      'FROM scratch',
    ].join('\n');
    expect(parseDockerfile(source)).toEqual({
      bases: ['node:20-bookworm-slim', 'debian:bookworm-slim'],
      stages: ['deps', 'runtime', 'test'],
    });
  });

  it('lets build args override ARG defaults and joins continuation lines', () => {
    const source = 'ARG BASE=debian:bookworm-slim\nFROM \\\n  ${BASE}\nRUN true';
    expect(parseDockerfile(source, { BASE: 'node:20-bookworm-slim' }).bases).toEqual(['node:20-bookworm-slim']);
    expect(parseDockerfile('ARG TAG\nFROM postgres:${TAG:-15-bookworm}').bases).toEqual(['postgres:15-bookworm']);
  });
});

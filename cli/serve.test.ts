// Where `slipway serve` takes its secrets from: the environment only, one shared or one per forge.
import { describe, expect, it } from 'vitest';
import { serveCommand, webhookSecrets } from './serve.js';

describe('slipway serve secrets', () => {
  it('uses the shared secret for both forges, a per-forge one first, and ignores empty values', () => {
    expect(webhookSecrets({ SLIPWAY_WEBHOOK_SECRET: 's' })).toEqual({ gitlab: 's', github: 's' });
    expect(webhookSecrets({ SLIPWAY_WEBHOOK_SECRET: 's', SLIPWAY_GITHUB_WEBHOOK_SECRET: 'g' })).toEqual({
      gitlab: 's',
      github: 'g',
    });
    expect(webhookSecrets({ SLIPWAY_GITLAB_WEBHOOK_SECRET: 'l' })).toEqual({ gitlab: 'l' });
    expect(webhookSecrets({ SLIPWAY_WEBHOOK_SECRET: '', SLIPWAY_GITHUB_WEBHOOK_SECRET: '' })).toEqual({});
  });

  it('has no flag that would put a secret on the command line', () => {
    expect(Object.keys(serveCommand.flags).sort()).toEqual(['bind', 'port']);
  });
});

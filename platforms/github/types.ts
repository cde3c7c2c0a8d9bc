// What the GitHub adapter needs, read from GitHub Actions' default variables and the event payload.
import type { RunFacts } from '../types.js';

export interface GithubSettings {
  /** GITHUB_API_URL, `https://api.github.com` by default (GitHub Enterprise: `https://<host>/api/v3`). */
  apiUrl: string;
  owner: string;
  repo: string;
  /** GITHUB_SERVER_URL, for links. */
  serverUrl: string;
  token: string;
  /** The variable the token came from, named in errors; never the token. */
  tokenVariable: 'SLIPWAY_GITHUB_TOKEN' | 'GITHUB_TOKEN';
  facts: RunFacts;
}

/** The parts of the webhook payload at GITHUB_EVENT_PATH the adapter reads. */
export interface GithubEvent {
  pull_request?: {
    number?: number;
    html_url?: string;
    head?: { ref?: string; sha?: string };
  };
}

// The k6 load of bench/zero-downtime: GETs at a constant arrival rate, taking turns over the targets given in
// TARGETS (JSON: [{ name, url }]). Any answer but 200 counts as failed; run.mjs reads the per-request points of
// `--out json` and splits them by time, so this script sets no thresholds and prints no summary.
/* global __ENV */
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter } from 'k6/metrics';

const targets = JSON.parse(__ENV.TARGETS);
const rate = Number(__ENV.RATE ?? 300);
const duration = __ENV.DURATION ?? '45s';

// k6's Go resolver does not resolve *.localhost: the preview hosts go to 127.0.0.1, keeping the URL (and so the
// Host header the router matches on) as a browser would send it
const hosts = {};
for (const { url } of targets) {
  const host = /^https?:\/\/([^/:]+)/.exec(url)[1];
  if (!/^[\d.]+$/.test(host)) hosts[host] = '127.0.0.1';
}

export const options = {
  hosts,
  // only what run.mjs reads: a smaller --out json file, and no tag per URL
  systemTags: ['status', 'error', 'error_code'],
  scenarios: {
    load: {
      executor: 'constant-arrival-rate',
      exec: 'hit',
      rate,
      timeUnit: '1s',
      duration,
      preAllocatedVUs: 60,
      maxVUs: 300,
    },
  },
};

// a 200 and nothing else is a success (k6's default would accept any 2xx or 3xx)
http.setResponseCallback(http.expectedStatuses(200));

// one point per failed request with what it said: the body tells a 502 of the router (empty) from one of the
// front's own proxy (JSON naming the reason)
const failedDetail = new Counter('failed_detail');

export function hit() {
  const target = targets[exec.scenario.iterationInTest % targets.length];
  const response = http.get(target.url, { tags: { target: target.name }, timeout: '10s', responseType: 'text' });
  if (response.status !== 200) {
    const body = String(response.body ?? '')
      .replace(/\s+/g, ' ')
      .slice(0, 120);
    failedDetail.add(1, { target: target.name, status: String(response.status), body });
  }
}

// Asks students/api (STUDENTS_API_URL, injected by slipway from dependsOn) whether a student exists.
import { HttpError } from './http-kit.js';

/* global fetch, AbortSignal */

export function createStudentsClient(baseUrl, { timeoutMs = 5_000 } = {}) {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async exists(id) {
      let response;
      try {
        response = await fetch(`${base}/api/students/${encodeURIComponent(id)}`, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new HttpError(502, `students/api is unreachable: ${error.cause?.code ?? error.message}`);
      }
      // Drain the body either way so the keep-alive connection goes back to fetch's pool.
      await response.arrayBuffer().catch(() => {});
      if (response.ok) return true;
      if (response.status === 404) return false;
      throw new HttpError(502, `students/api answered ${response.status}`);
    },
  };
}

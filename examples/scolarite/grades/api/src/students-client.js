// Asks students/api (STUDENTS_API_URL, injected by slipway from dependsOn) whether a student exists.
import { HttpError } from './http-kit.js';

/* global fetch, AbortSignal */

export function createStudentsClient(baseUrl, { timeoutMs = 5_000 } = {}) {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async exists(id) {
      const url = `${base}/api/students/${encodeURIComponent(id)}`;
      const get = () => fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
      let response;
      try {
        response = await get();
      } catch (error) {
        // a pooled connection closed by the next hop as it was reused (a router reload does that): a GET is
        // safe to send once more, as browsers do
        const code = error.cause?.code;
        if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET' && code !== 'EPIPE') {
          throw new HttpError(502, `students/api is unreachable: ${code ?? error.message}`);
        }
        try {
          response = await get();
        } catch (again) {
          throw new HttpError(502, `students/api is unreachable: ${again.cause?.code ?? again.message}`);
        }
      }
      // Drain the body either way so the keep-alive connection goes back to fetch's pool.
      await response.arrayBuffer().catch(() => {});
      if (response.ok) return true;
      if (response.status === 404) return false;
      throw new HttpError(502, `students/api answered ${response.status}`);
    },
  };
}

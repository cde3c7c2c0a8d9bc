// grades/api: the grades JSON API. Configured only through what slipway injects: PORT, SLIPWAY_VERSION,
// GRADES_DB_URL (postgres://user:password@host:port/db), STUDENTS_API_URL and the component's own env (DELAY_MS).
import { createApiServer, envInteger, installGracefulShutdown, log, serviceVersion } from './http-kit.js';
import { gradeRoutes } from './grades.js';
import { Pool, isUnavailableError, parseDatabaseUrl } from './pg.js';
import { createStudentsClient } from './students-client.js';

const SERVICE = 'grades-api';
const env = process.env;
const version = serviceVersion(env);
const port = envInteger(env, 'PORT', 8080);

let database;
try {
  database = parseDatabaseUrl(env.GRADES_DB_URL);
  if (!env.STUDENTS_API_URL) throw new Error('STUDENTS_API_URL is missing');
} catch (error) {
  log('error', `${SERVICE}: ${error.message}`);
  process.exit(1);
}
const pool = new Pool(database, { max: 5, applicationName: SERVICE });
const students = createStudentsClient(env.STUDENTS_API_URL);

// Only the own database decides health: a students/api outage degrades POST /api/grades (502), it must not take
// the grades module out of the router, nor make two modules' rollouts wait on each other.
async function health() {
  if (shutdown.isShuttingDown()) return { status: 503, body: { status: 'stopping' } };
  try {
    await pool.query('SELECT 1', [], { timeoutMs: 2_000 });
    return { status: 200, body: { status: 'ok' } };
  } catch (error) {
    return { status: 503, body: { status: 'unavailable', error: error.message } };
  }
}

const server = createApiServer({
  service: SERVICE,
  version,
  delayMs: envInteger(env, 'DELAY_MS', 0),
  routes: gradeRoutes(pool, students),
  health,
  isUnavailable: isUnavailableError,
});
const shutdown = installGracefulShutdown(server, { name: SERVICE, cleanup: () => pool.end() });

server.listen(port, () => {
  log('info', `${SERVICE} ${version} listening on :${port}`, {
    database: `${database.host}:${database.port}`,
    students: env.STUDENTS_API_URL,
  });
});

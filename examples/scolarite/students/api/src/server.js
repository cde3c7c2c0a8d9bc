// students/api: the students JSON API. Configured only through what slipway injects: PORT, SLIPWAY_VERSION,
// STUDENTS_DB_URL (postgres://user:password@host:port/db) and the component's own env (DELAY_MS).
import { createApiServer, envInteger, installGracefulShutdown, log, serviceVersion } from './http-kit.js';
import { Pool, isUnavailableError, parseDatabaseUrl } from './pg.js';
import { studentRoutes } from './students.js';

const SERVICE = 'students-api';
const env = process.env;
const version = serviceVersion(env);
const port = envInteger(env, 'PORT', 8080);

let database;
try {
  database = parseDatabaseUrl(env.STUDENTS_DB_URL);
} catch (error) {
  log('error', `${SERVICE}: STUDENTS_DB_URL: ${error.message}`);
  process.exit(1);
}
const pool = new Pool(database, { max: 5, applicationName: SERVICE });

// Healthy means "can answer": the database must answer SELECT 1, so a router never sends traffic to a back that
// would only return 503s.
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
  routes: studentRoutes(pool),
  health,
  isUnavailable: isUnavailableError,
});
const shutdown = installGracefulShutdown(server, { name: SERVICE, cleanup: () => pool.end() });

server.listen(port, () => {
  log('info', `${SERVICE} ${version} listening on :${port}`, { database: `${database.host}:${database.port}` });
});

// A small PostgreSQL client in plain Node, so the image needs no npm package: the v3 wire protocol over TCP,
// SCRAM-SHA-256 / md5 / cleartext authentication, the extended query protocol with text parameters, and a pool.
// The same file is copied into every api context (each context is built on its own).
//
// Deliberately left out: TLS (the database sits on the same private network as the api), COPY, LISTEN/NOTIFY,
// binary formats, query cancellation (a timed-out query drops its connection instead, see Connection#run).
import crypto from 'node:crypto';
import net from 'node:net';
import { clearTimeout, setTimeout } from 'node:timers';
import { promisify } from 'node:util';

const pbkdf2 = promisify(crypto.pbkdf2);
const PROTOCOL_3_0 = 196608; // major 3 in the high 16 bits, minor 0 in the low ones
const EMPTY = Buffer.alloc(0);

/** An ErrorResponse from the server; `code` is the SQLSTATE (23505 unique violation, 57P01 admin shutdown...). */
export class PgError extends Error {
  constructor(fields) {
    super(fields.message ?? 'PostgreSQL error');
    this.name = 'PgError';
    this.code = fields.code;
    this.severity = fields.severity;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.position = fields.position;
    this.table = fields.table;
    this.column = fields.column;
    this.constraint = fields.constraint;
  }
}

/**
 * True when an error means "no usable database right now" (refused, reset, timed out, shutting down, too many
 * connections) rather than "this statement is wrong": the first deserves a 503, the second a 500.
 */
export function isUnavailableError(error) {
  if (error instanceof PgError) return /^(08|53|57P)/.test(error.code ?? '');
  return error?.connectionFailure === true;
}

/** `postgres://user:password@host:port/database` -> connection settings (components of the URL are %-decoded). */
export function parseDatabaseUrl(value) {
  if (!value) throw new Error('database URL is missing');
  const url = new URL(value);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`expected a postgres:// URL, got ${url.protocol}//...`);
  }
  const user = decodeURIComponent(url.username);
  if (!user) throw new Error('database URL has no user');
  return {
    host: url.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port: url.port ? Number(url.port) : 5432,
    user,
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)) || user,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// SCRAM-SHA-256 (RFC 5802, RFC 7677), split into pure steps so the RFC 7677 test vector can check them.

/** The client-first message. PostgreSQL takes the user from the startup message, hence the empty `n=`. */
export function scramClientFirst(nonce = crypto.randomBytes(18).toString('base64'), user = '') {
  const bare = `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${nonce}`;
  return { nonce, bare, message: `n,,${bare}` };
}

function scramAttributes(message) {
  const attributes = {};
  for (const part of message.split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) attributes[part.slice(0, equals)] = part.slice(equals + 1);
  }
  return attributes;
}

function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data).digest();
}

/** The client-final message (with the proof) and the server signature the server-final message must carry. */
export async function scramClientFinal({ password, nonce, clientFirstBare, serverFirst }) {
  const { r: serverNonce, s: salt, i: iterations } = scramAttributes(serverFirst);
  // The server must extend our nonce, never replace it: otherwise this could be a replayed exchange.
  if (!serverNonce || !serverNonce.startsWith(nonce) || serverNonce.length === nonce.length) {
    throw new Error('SCRAM: the server nonce does not extend the client nonce');
  }
  const rounds = Number(iterations);
  if (!salt || !Number.isInteger(rounds) || rounds < 1) throw new Error('SCRAM: malformed server-first message');
  // Full SASLprep (RFC 4013) also maps and forbids a few code points; NFKC covers the passwords people type.
  const saltedPassword = await pbkdf2(password.normalize('NFKC'), Buffer.from(salt, 'base64'), rounds, 32, 'sha256');
  const clientKey = hmac(saltedPassword, 'Client Key');
  const storedKey = crypto.createHash('sha256').update(clientKey).digest();
  const withoutProof = `c=biws,r=${serverNonce}`; // biws = base64("n,,"): no channel binding
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const clientSignature = hmac(storedKey, authMessage);
  const proof = Buffer.alloc(clientKey.length);
  for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i] ^ clientSignature[i];
  const serverSignature = hmac(hmac(saltedPassword, 'Server Key'), authMessage);
  return { message: `${withoutProof},p=${proof.toString('base64')}`, serverSignature };
}

/** Proves the server knew the password too: a server that merely accepted us could be an impostor. */
export function scramVerifyServerFinal(serverFinal, expectedSignature) {
  const { e: error, v: signature } = scramAttributes(serverFinal);
  if (error) throw new Error(`SCRAM: server error ${error}`);
  const actual = Buffer.from(signature ?? '', 'base64');
  if (actual.length !== expectedSignature.length || !crypto.timingSafeEqual(actual, expectedSignature)) {
    throw new Error('SCRAM: the server signature does not match');
  }
}

/** The md5 method: "md5" + md5(md5(password + user) + salt), the salt being 4 raw bytes. */
export function md5Password(user, password, salt) {
  const inner = crypto
    .createHash('md5')
    .update(password + user)
    .digest('hex');
  return (
    'md5' +
    crypto
      .createHash('md5')
      .update(Buffer.concat([Buffer.from(inner), salt]))
      .digest('hex')
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Message encoding: every frontend message but the startup one is a type byte, an int32 length that counts itself,
// then the body.

function cstring(text) {
  return Buffer.from(`${text}\0`, 'utf8');
}

function int16(value) {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
}

function int32(value) {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

function frame(type, ...parts) {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function startupMessage(parameters) {
  const pairs = Object.entries(parameters).flatMap(([name, value]) => [cstring(name), cstring(value)]);
  const body = Buffer.concat([int32(PROTOCOL_3_0), ...pairs, Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
}

/** A parameter in text format; `null` is sent as SQL NULL (length -1). */
export function encodeParameter(value) {
  if (value === null || value === undefined) return int32(-1);
  let text;
  if (value instanceof Date) text = value.toISOString();
  else if (Buffer.isBuffer(value)) text = `\\x${value.toString('hex')}`;
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([int32(bytes.length), bytes]);
}

/**
 * Parse + Bind + Describe + Execute + Sync for the unnamed statement and portal. The SQL text and the values travel
 * separately, so no SQL string is ever built from user input; Sync ends the implicit transaction and makes the
 * server answer ReadyForQuery even after an error.
 */
export function extendedQuery(text, params = []) {
  return Buffer.concat([
    frame('P', cstring(''), cstring(text), int16(0)), // 0 parameter types: the server infers them
    frame('B', cstring(''), cstring(''), int16(0), int16(params.length), ...params.map(encodeParameter), int16(0)),
    frame('D', Buffer.from('P'), cstring('')),
    frame('E', cstring(''), int32(0)), // 0 = no row limit
    frame('S'),
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// Message decoding.

class Reader {
  constructor(buffer) {
    this.buffer = buffer;
    this.offset = 0;
  }
  int16() {
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  int32() {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  cstring() {
    const end = this.buffer.indexOf(0, this.offset);
    const value = this.buffer.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return value;
  }
  bytes(length) {
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  rest() {
    return this.bytes(this.buffer.length - this.offset);
  }
}

const ERROR_FIELDS = {
  V: 'severity',
  C: 'code',
  M: 'message',
  D: 'detail',
  H: 'hint',
  P: 'position',
  W: 'where',
  t: 'table',
  c: 'column',
  n: 'constraint',
};

function parseErrorFields(body) {
  const reader = new Reader(body);
  const fields = {};
  while (reader.offset < body.length && body[reader.offset] !== 0) {
    const key = String.fromCharCode(body[reader.offset++]);
    const value = reader.cstring();
    if (ERROR_FIELDS[key]) fields[ERROR_FIELDS[key]] = value;
  }
  return fields;
}

// Type OIDs from pg_type.h. Anything else stays text. date stays 'YYYY-MM-DD': a Date would shift it by the
// time zone; numeric stays text: a JS number would round it (cast to float8 in SQL where that is fine).
const TYPE_PARSERS = {
  16: (text) => text === 't', // bool
  20: (text) => (Number.isSafeInteger(Number(text)) ? Number(text) : text), // int8
  21: Number, // int2
  23: Number, // int4
  26: Number, // oid
  700: Number, // float4
  701: Number, // float8
  114: JSON.parse, // json
  3802: JSON.parse, // jsonb
  1184: parseTimestamp, // timestamptz, always +00 because the startup message sets TimeZone=UTC
};

function parseTimestamp(text) {
  const date = new Date(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  return Number.isNaN(date.getTime()) ? text : date; // 'infinity' and BC dates stay text
}

// ---------------------------------------------------------------------------------------------------------------

/** One server session. Queries on it run one after the other; the Pool gives concurrency. */
export class Connection {
  #socket;
  #config;
  #incoming = EMPTY;
  #pending = null; // the operation that receives the next server messages: { onMessage, reject, error }
  #tail = Promise.resolve();
  #closeListeners = [];
  closed = false;
  parameters = {}; // ParameterStatus values: server_version, client_encoding...

  constructor(socket, config) {
    this.#socket = socket;
    this.#config = config;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000); // notice a vanished database on an otherwise idle pooled connection
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('connection to the database closed')));
  }

  /** Opens a session: TCP connect, startup message, authentication, until the first ReadyForQuery. */
  static connect(config, { connectTimeoutMs = 5_000, applicationName = 'scolarite' } = {}) {
    const socket = net.connect({ host: config.host, port: config.port });
    const connection = new Connection(socket, config);
    const timer = setTimeout(
      () => connection.#fail(new Error(`connecting to ${config.host}:${config.port} timed out`)),
      connectTimeoutMs,
    );
    return new Promise((resolve, reject) => {
      connection.#pending = connection.#startup(resolve, reject);
      socket.once('connect', () => {
        socket.write(
          startupMessage({
            user: config.user,
            database: config.database,
            client_encoding: 'UTF8',
            DateStyle: 'ISO',
            TimeZone: 'UTC',
            application_name: applicationName,
          }),
        );
      });
    }).finally(() => clearTimeout(timer));
  }

  #startup(resolve, reject) {
    const { user, password } = this.#config;
    let scram = null;
    const send = (message) => this.#socket.write(message);
    const operation = {
      reject,
      onMessage: (type, body) => {
        if (type === 'K') return; // BackendKeyData: only needed for cancel requests, which we do not send
        if (type === 'Z') {
          this.#pending = null;
          resolve(this);
          return;
        }
        if (type === 'E') {
          this.#fail(new PgError(parseErrorFields(body)));
          return;
        }
        if (type !== 'R') return;
        const reader = new Reader(body);
        const code = reader.int32();
        if (code === 0) {
          // AuthenticationOk; ParameterStatus messages and ReadyForQuery follow. After SCRAM it only counts once
          // the server has proven itself in SASLFinal.
          if (scram && !scram.verified) this.#fail(new Error('SCRAM: the server skipped its final message'));
          return;
        }
        if (code === 3) return send(frame('p', cstring(password)));
        if (code === 5) return send(frame('p', cstring(md5Password(user, password, reader.bytes(4)))));
        if (code === 10) {
          const mechanisms = [];
          for (let name = reader.cstring(); name; name = reader.cstring()) mechanisms.push(name);
          // SCRAM-SHA-256-PLUS needs channel binding to a TLS session, which this client does not open.
          if (!mechanisms.includes('SCRAM-SHA-256')) {
            return this.#fail(new Error(`unsupported SASL mechanisms: ${mechanisms.join(', ')}`));
          }
          scram = scramClientFirst();
          const first = Buffer.from(scram.message, 'utf8');
          return send(frame('p', cstring('SCRAM-SHA-256'), int32(first.length), first));
        }
        if (code === 11 && scram) {
          const serverFirst = reader.rest().toString('utf8');
          scramClientFinal({ password, nonce: scram.nonce, clientFirstBare: scram.bare, serverFirst }).then(
            (final) => {
              scram.serverSignature = final.serverSignature;
              send(frame('p', Buffer.from(final.message, 'utf8')));
            },
            (error) => this.#fail(error),
          );
          return;
        }
        if (code === 12 && scram?.serverSignature) {
          try {
            scramVerifyServerFinal(reader.rest().toString('utf8'), scram.serverSignature);
            scram.verified = true;
          } catch (error) {
            this.#fail(error);
          }
          return;
        }
        this.#fail(new Error(`unsupported authentication request ${code}`));
      },
    };
    return operation;
  }

  /** Runs one statement; `$1`, `$2`... in `text` take their values from `params`. */
  query(text, params = [], options = {}) {
    const run = () => this.#run(text, params, options);
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => {});
    return result;
  }

  #run(text, params, { timeoutMs = 10_000 } = {}) {
    if (this.closed) {
      return Promise.reject(
        Object.assign(new Error('connection to the database is closed'), { connectionFailure: true }),
      );
    }
    return new Promise((resolve, reject) => {
      const fields = [];
      const rows = [];
      let command = '';
      // Without a cancel request the only safe way out of a stuck query is to drop the session: the connection
      // state is unknown afterwards, and the pool opens a fresh one.
      const timer = setTimeout(() => this.#fail(new Error(`query timed out after ${timeoutMs} ms`)), timeoutMs);
      const operation = {
        error: null,
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
        onMessage: (type, body) => {
          if (type === 'T') {
            const reader = new Reader(body);
            for (let count = reader.int16(); count > 0; count--) {
              const name = reader.cstring();
              reader.bytes(6); // table oid, column number
              const typeId = reader.int32();
              reader.bytes(8); // type size, type modifier, format code
              fields.push({ name, typeId, parse: TYPE_PARSERS[typeId] ?? String });
            }
          } else if (type === 'D') {
            const reader = new Reader(body);
            const row = {};
            for (let index = 0, count = reader.int16(); index < count; index++) {
              const length = reader.int32();
              const field = fields[index];
              row[field.name] = length < 0 ? null : field.parse(reader.bytes(length).toString('utf8'));
            }
            rows.push(row);
          } else if (type === 'C') {
            command = new Reader(body).cstring();
          } else if (type === 'E') {
            // The server skips the rest until Sync; settle on ReadyForQuery so the session stays in step.
            operation.error = new PgError(parseErrorFields(body));
          } else if (type === 'Z') {
            clearTimeout(timer);
            this.#pending = null;
            if (operation.error) reject(operation.error);
            else resolve({ rows, rowCount: Number(command.split(' ').pop()) || rows.length, command, fields });
          }
          // ParseComplete, BindComplete, NoData, EmptyQueryResponse: nothing to do
        },
      };
      this.#pending = operation;
      this.#socket.write(extendedQuery(text, params));
    });
  }

  /** Sends Terminate and closes the socket; resolves once it is closed. */
  end() {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.onClose(resolve);
      this.#socket.end(frame('X'));
      setTimeout(() => this.#socket.destroy(), 1_000).unref(); // a server that never closes its side
    });
  }

  onClose(listener) {
    if (this.closed) listener();
    else this.#closeListeners.push(listener);
  }

  #onData(chunk) {
    this.#incoming = this.#incoming.length ? Buffer.concat([this.#incoming, chunk]) : chunk;
    while (this.#incoming.length >= 5) {
      const length = this.#incoming.readInt32BE(1);
      if (this.#incoming.length < length + 1) break;
      const type = String.fromCharCode(this.#incoming[0]);
      const body = this.#incoming.subarray(5, length + 1);
      this.#incoming = this.#incoming.subarray(length + 1);
      this.#dispatch(type, body);
    }
    if (this.#incoming.length === 0) this.#incoming = EMPTY;
  }

  #dispatch(type, body) {
    if (type === 'S') {
      const reader = new Reader(body);
      this.parameters[reader.cstring()] = reader.cstring();
    } else if (type === 'N' || type === 'A') {
      // NoticeResponse, NotificationResponse: asynchronous, nothing to do with the current operation
    } else if (this.#pending) {
      this.#pending.onMessage(type, body);
    } else if (type === 'E') {
      // An error outside any operation is FATAL (the database is shutting down, the session was killed).
      this.#fail(new PgError(parseErrorFields(body)));
    }
  }

  #fail(error) {
    if (this.closed) return;
    this.closed = true;
    if (!(error instanceof PgError)) error.connectionFailure = true;
    this.#socket.destroy();
    const pending = this.#pending;
    this.#pending = null;
    // A FATAL ErrorResponse that arrived just before the socket closed says more than "connection closed".
    pending?.reject(pending.error ?? error);
    for (const listener of this.#closeListeners.splice(0)) listener(error);
  }
}

/**
 * Up to `max` connections, opened on demand and closed after `idleTimeoutMs` unused. A broken connection leaves the
 * pool as soon as its socket closes, so the next query connects again: that is the whole reconnect strategy.
 */
export class Pool {
  #config;
  #options;
  #idle = []; // [{ connection, timer }]
  #size = 0; // connections open or opening
  #waiters = [];
  #ended = null;
  #onEmpty = null;

  constructor(config, { max = 5, idleTimeoutMs = 30_000, connectTimeoutMs = 5_000, applicationName } = {}) {
    this.#config = config;
    this.#options = { max, idleTimeoutMs, connectTimeoutMs, applicationName };
  }

  get size() {
    return this.#size;
  }

  async query(text, params = [], options = {}) {
    const connection = await this.#acquire();
    try {
      return await connection.query(text, params, options);
    } finally {
      this.#release(connection);
    }
  }

  /** Refuses new queries, lets running ones finish, then closes every connection. */
  end() {
    if (this.#ended) return this.#ended;
    this.#ended = new Promise((resolve) => {
      this.#onEmpty = resolve;
    });
    const closed = Object.assign(new Error('the pool is closed'), { connectionFailure: true });
    for (const waiter of this.#waiters.splice(0)) waiter.reject(closed);
    for (const { connection, timer } of this.#idle.splice(0)) {
      clearTimeout(timer);
      connection.end();
    }
    if (this.#size === 0) this.#onEmpty();
    return this.#ended;
  }

  #acquire() {
    if (this.#ended) return Promise.reject(Object.assign(new Error('the pool is closed'), { connectionFailure: true }));
    while (this.#idle.length > 0) {
      const { connection, timer } = this.#idle.pop();
      clearTimeout(timer);
      if (!connection.closed) return Promise.resolve(connection);
    }
    if (this.#size < this.#options.max) return this.#open();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #open() {
    this.#size++;
    return Connection.connect(this.#config, this.#options).then(
      (connection) => {
        connection.onClose(() => this.#forget(connection));
        return connection;
      },
      (error) => {
        this.#size--;
        this.#afterShrink();
        throw error;
      },
    );
  }

  #release(connection) {
    if (connection.closed) return; // #forget already ran
    const waiter = this.#waiters.shift();
    if (waiter) return waiter.resolve(connection);
    if (this.#ended) return void connection.end();
    const timer = setTimeout(() => connection.end(), this.#options.idleTimeoutMs);
    timer.unref(); // an idle pool must not keep the process alive
    this.#idle.push({ connection, timer });
  }

  #forget(connection) {
    this.#size--;
    this.#idle = this.#idle.filter((entry) => {
      if (entry.connection !== connection) return true;
      clearTimeout(entry.timer);
      return false;
    });
    this.#afterShrink();
  }

  #afterShrink() {
    // Waiters queued behind a connection that died get a fresh one (or its connect error) instead of waiting forever.
    while (this.#waiters.length > 0 && this.#size < this.#options.max && !this.#ended) {
      const waiter = this.#waiters.shift();
      this.#open().then(waiter.resolve, waiter.reject);
    }
    if (this.#ended && this.#size === 0) this.#onEmpty();
  }
}

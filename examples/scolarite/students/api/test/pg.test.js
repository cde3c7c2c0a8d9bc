// Unit tests of the PostgreSQL client's pure parts: SCRAM against the RFC 7677 vector, md5, URL parsing, framing.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import {
  PgError,
  extendedQuery,
  isUnavailableError,
  md5Password,
  parseDatabaseUrl,
  scramClientFinal,
  scramClientFirst,
  scramVerifyServerFinal,
} from '../src/pg.js';

test('SCRAM-SHA-256 reproduces the RFC 7677 section 3 exchange', async () => {
  const first = scramClientFirst('rOprNGfwEbeRWgbNEkqO', 'user');
  assert.equal(first.message, 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
  const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
  const final = await scramClientFinal({
    password: 'pencil',
    nonce: first.nonce,
    clientFirstBare: first.bare,
    serverFirst,
  });
  assert.equal(
    final.message,
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  );
  assert.doesNotThrow(() =>
    scramVerifyServerFinal('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=', final.serverSignature),
  );
  assert.throws(
    () => scramVerifyServerFinal('v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=', final.serverSignature),
    /signature does not match/,
  );
  assert.throws(() => scramVerifyServerFinal('e=invalid-proof', final.serverSignature), /server error invalid-proof/);
});

test('SCRAM refuses a server nonce that does not extend the client nonce', async () => {
  await assert.rejects(
    scramClientFinal({ password: 'x', nonce: 'abc', clientFirstBare: 'n=,r=abc', serverFirst: 'r=xyz,s=AAAA,i=4096' }),
    /does not extend/,
  );
});

test('md5 answers md5(md5(password + user) + salt)', () => {
  const salt = Buffer.from([1, 2, 3, 4]);
  const inner = crypto.createHash('md5').update('secretalice').digest('hex');
  const expected = crypto
    .createHash('md5')
    .update(Buffer.concat([Buffer.from(inner), salt]))
    .digest('hex');
  assert.equal(md5Password('alice', 'secret', salt), `md5${expected}`);
});

test('a postgres URL becomes connection settings, %-decoded', () => {
  assert.deepEqual(parseDatabaseUrl('postgres://scolarite:p%40ss%2Fw@students-db:5433/students'), {
    host: 'students-db',
    port: 5433,
    user: 'scolarite',
    password: 'p@ss/w',
    database: 'students',
  });
  assert.equal(parseDatabaseUrl('postgresql://u@h').port, 5432);
  assert.equal(parseDatabaseUrl('postgresql://u@h').database, 'u');
  assert.throws(() => parseDatabaseUrl('mysql://u@h/db'), /postgres:\/\//);
  assert.throws(() => parseDatabaseUrl(undefined), /missing/);
});

test('a query travels as Parse, Bind, Describe, Execute, Sync with text parameters', () => {
  const bytes = extendedQuery('SELECT $1::text, $2::int', ["Robert'); DROP TABLE students;--", null]);
  const types = [];
  for (let offset = 0; offset < bytes.length; offset += 1 + bytes.readInt32BE(offset + 1)) {
    types.push(String.fromCharCode(bytes[offset]));
  }
  assert.deepEqual(types, ['P', 'B', 'D', 'E', 'S']);
  // The value is a parameter, never part of the SQL text sent in Parse.
  const parse = bytes.subarray(5, 1 + bytes.readInt32BE(1)).toString('utf8');
  assert.ok(!parse.includes('DROP TABLE'));
  assert.ok(bytes.includes(Buffer.from("Robert'); DROP TABLE students;--")));
  assert.ok(bytes.includes(Buffer.from([0xff, 0xff, 0xff, 0xff]))); // NULL has length -1
});

test('connection problems count as "unavailable", statement errors do not', () => {
  assert.equal(isUnavailableError(new PgError({ code: '57P01', message: 'terminating connection' })), true);
  assert.equal(isUnavailableError(new PgError({ code: '08006', message: 'connection failure' })), true);
  assert.equal(isUnavailableError(new PgError({ code: '23505', message: 'duplicate key' })), false);
  assert.equal(isUnavailableError(Object.assign(new Error('refused'), { connectionFailure: true })), true);
  assert.equal(isUnavailableError(new TypeError('bug')), false);
});

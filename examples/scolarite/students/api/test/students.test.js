// Unit tests of the students resource's input rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRouter } from '../src/http-kit.js';
import { parseId, validateStudent } from '../src/students.js';

const TODAY = '2025-06-01';

test('a valid student is trimmed and normalised', () => {
  assert.deepEqual(
    validateStudent(
      { firstName: '  Léa ', lastName: 'Dubois   Martin', birthDate: '2005-07-21', email: 'Lea@Example.FR' },
      TODAY,
    ),
    { firstName: 'Léa', lastName: 'Dubois Martin', birthDate: '2005-07-21', email: 'lea@example.fr' },
  );
  assert.deepEqual(validateStudent({ firstName: 'Hugo', lastName: 'Lefèvre' }, TODAY), {
    firstName: 'Hugo',
    lastName: 'Lefèvre',
    birthDate: null,
    email: null,
  });
});

test('every bad field is named in one 400', () => {
  assert.throws(
    () => validateStudent({ firstName: '', lastName: 42, birthDate: '2024-02-30' }, TODAY),
    (error) => {
      assert.equal(error.status, 400);
      assert.deepEqual(Object.keys(error.extra.fields), ['firstName', 'lastName', 'birthDate']);
      assert.match(error.message, /firstName: required/);
      return true;
    },
  );
  assert.throws(() => validateStudent({ firstName: 'A', lastName: 'B', birthDate: '2030-01-01' }, TODAY), /between/);
  assert.throws(() => validateStudent({ firstName: 'A', lastName: 'B', email: 'nope' }, TODAY), /e-mail/);
  assert.throws(() => validateStudent({ firstName: 'A'.repeat(101), lastName: 'B' }, TODAY), /at most 100/);
  assert.throws(() => validateStudent([], TODAY), /JSON object/);
  assert.throws(() => validateStudent(null, TODAY), /JSON object/);
});

test('ids are positive int4 values', () => {
  assert.equal(parseId('42'), 42);
  for (const bad of ['0', '-1', '1.5', 'abc', '2147483648', '007']) assert.throws(() => parseId(bad), /positive/);
});

test('the router matches paths, tells 405 from 404, and answers HEAD with GET', () => {
  const route = createRouter([
    { method: 'GET', path: '/api/students/:id', handler: 'get' },
    { method: 'POST', path: '/api/students', handler: 'post' },
  ]);
  assert.deepEqual(route('GET', '/api/students/7'), { handler: 'get', params: { id: '7' } });
  assert.deepEqual(route('HEAD', '/api/students/7'), { handler: 'get', params: { id: '7' } });
  assert.deepEqual(route('DELETE', '/api/students'), { allowed: ['POST'] });
  assert.equal(route('GET', '/api/teachers'), null);
});

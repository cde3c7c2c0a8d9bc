// Unit tests of the grades resource's input rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateGrade } from '../src/grades.js';

test('a valid grade is kept, the course trimmed', () => {
  assert.deepEqual(validateGrade({ studentId: 3, course: ' Mathématiques ', score: 18.25 }), {
    studentId: 3,
    course: 'Mathématiques',
    score: 18.25,
  });
  assert.equal(validateGrade({ studentId: 1, course: 'SVT', score: 0 }).score, 0);
  assert.equal(validateGrade({ studentId: 1, course: 'SVT', score: 20 }).score, 20);
});

test('scores outside 0-20, with more than two decimals, or not numbers are refused', () => {
  for (const score of [-1, 20.5, 12.345, '15', null, Number.NaN]) {
    assert.throws(() => validateGrade({ studentId: 1, course: 'SVT', score }), /score/);
  }
});

test('every bad field is named in one 400', () => {
  assert.throws(
    () => validateGrade({ studentId: '1', course: '', score: 30 }),
    (error) => {
      assert.equal(error.status, 400);
      assert.deepEqual(Object.keys(error.extra.fields), ['studentId', 'course', 'score']);
      return true;
    },
  );
  assert.throws(() => validateGrade('x'), /JSON object/);
});

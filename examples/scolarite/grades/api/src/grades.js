// The grades resource: validation of what clients send, and the routes that read and write the grades table.
import { HttpError } from './http-kit.js';

const COURSE_MAX = 100;

// score is numeric(4,2) in the table: float8 is exact enough for 0-20 with two decimals and gives a JSON number.
const COLUMNS = `id, student_id AS "studentId", course, score::float8 AS score, created_at AS "createdAt"`;

/** A path or query id: a positive int4, since that is the column type. */
export function parseId(raw, what = 'id') {
  if (typeof raw !== 'string' || !/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > 2_147_483_647) {
    throw new HttpError(400, `${what} must be a positive integer`);
  }
  return Number(raw);
}

/** The grade a POST body describes, or a 400 that names every bad field. French grades go from 0 to 20. */
export function validateGrade(body) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'expected a JSON object {studentId, course, score}');
  }
  const problems = {};
  const { studentId, course, score } = body;
  if (!Number.isInteger(studentId) || studentId < 1 || studentId > 2_147_483_647) {
    problems.studentId = 'expected a positive integer';
  }
  const name = typeof course === 'string' ? course.trim().replace(/\s+/g, ' ') : '';
  if (name === '') problems.course = 'required, a non-empty string';
  else if (name.length > COURSE_MAX) problems.course = `at most ${COURSE_MAX} characters`;
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 20) {
    problems.score = 'expected a number from 0 to 20';
  } else if (Math.round(score * 100) !== Number((score * 100).toFixed(6))) {
    problems.score = 'at most two decimals';
  }
  const fields = Object.keys(problems);
  if (fields.length > 0) {
    const message = fields.map((field) => `${field}: ${problems[field]}`).join('; ');
    throw new HttpError(400, `invalid grade: ${message}`, { fields: problems });
  }
  return { studentId, course: name, score };
}

/** `students.exists(id)` answers whether students/api knows the student; it throws an HttpError when it cannot say. */
export function gradeRoutes(pool, students) {
  return [
    {
      method: 'GET',
      path: '/api/grades',
      handler: async ({ url }) => {
        const student = url.searchParams.get('student');
        // Without ?student= the latest grades, bounded: a list endpoint must not return a whole table.
        const { rows } =
          student === null
            ? await pool.query(`SELECT ${COLUMNS} FROM grades ORDER BY id DESC LIMIT 100`)
            : await pool.query(`SELECT ${COLUMNS} FROM grades WHERE student_id = $1 ORDER BY created_at, id`, [
                parseId(student, 'student'),
              ]);
        return { status: 200, body: rows };
      },
    },
    {
      method: 'GET',
      path: '/api/grades/:id',
      handler: async ({ params }) => {
        const id = parseId(params.id);
        const { rows } = await pool.query(`SELECT ${COLUMNS} FROM grades WHERE id = $1`, [id]);
        if (rows.length === 0) throw new HttpError(404, `grade ${id} not found`);
        return { status: 200, body: rows[0] };
      },
    },
    {
      method: 'POST',
      path: '/api/grades',
      handler: async ({ body }) => {
        const grade = validateGrade(await body());
        // Students live in another module's database: no foreign key can hold across the two, so ask the owner.
        if (!(await students.exists(grade.studentId))) {
          throw new HttpError(422, `student ${grade.studentId} does not exist`);
        }
        const { rows } = await pool.query(
          `INSERT INTO grades (student_id, course, score) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
          [grade.studentId, grade.course, grade.score],
        );
        return { status: 201, body: rows[0], headers: { location: `/api/grades/${rows[0].id}` } };
      },
    },
  ];
}

// The students resource: validation of what clients send, and the routes that read and write the students table.
import { HttpError } from './http-kit.js';

const NAME_MAX = 100;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// A few control characters in a name are almost always a client bug, never a real name.
const CONTROL = /\p{Cc}/u;

// Aliases give the API its camelCase shape straight from SQL, with no mapping layer to keep in step.
const COLUMNS = `id, first_name AS "firstName", last_name AS "lastName", birth_date AS "birthDate", email,
  created_at AS "createdAt"`;

function checkName(value, field, problems) {
  if (typeof value !== 'string' || value.trim() === '') return void (problems[field] = 'required, a non-empty string');
  const name = value.trim().replace(/\s+/g, ' ');
  if (name.length > NAME_MAX) problems[field] = `at most ${NAME_MAX} characters`;
  else if (CONTROL.test(name)) problems[field] = 'must not contain control characters';
  return name;
}

/** `YYYY-MM-DD` that exists in the calendar, between 1900-01-01 and `today`; empty means unknown. */
function checkBirthDate(value, today, problems) {
  if (value === undefined || value === null || value === '') return null;
  const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  // Date.UTC rolls 2024-02-30 over to March: a round trip tells a real date from an overflowed one.
  if (!date || date.toISOString().slice(0, 10) !== value) {
    problems.birthDate = 'expected a date as YYYY-MM-DD';
    return null;
  }
  if (value < '1900-01-01' || value > today) problems.birthDate = `expected a date between 1900-01-01 and ${today}`;
  return value;
}

function checkEmail(value, problems) {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > 254 || !EMAIL.test(value.trim())) {
    problems.email = 'expected an e-mail address';
    return null;
  }
  return value.trim().toLowerCase();
}

/** The student a POST body describes, or a 400 that names every bad field. */
export function validateStudent(body, today = new Date().toISOString().slice(0, 10)) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'expected a JSON object {firstName, lastName, birthDate?, email?}');
  }
  const problems = {};
  const student = {
    firstName: checkName(body.firstName, 'firstName', problems),
    lastName: checkName(body.lastName, 'lastName', problems),
    birthDate: checkBirthDate(body.birthDate, today, problems),
    email: checkEmail(body.email, problems),
  };
  const fields = Object.keys(problems);
  if (fields.length > 0) {
    const message = fields.map((field) => `${field}: ${problems[field]}`).join('; ');
    throw new HttpError(400, `invalid student: ${message}`, { fields: problems });
  }
  return student;
}

/** A path or query id: a positive int4, since that is the column type. */
export function parseId(raw, what = 'id') {
  if (typeof raw !== 'string' || !/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > 2_147_483_647) {
    throw new HttpError(400, `${what} must be a positive integer`);
  }
  return Number(raw);
}

function parseLimit(raw) {
  if (raw === null) return 100;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'limit must be 1-500');
  return limit;
}

export function studentRoutes(pool) {
  return [
    {
      method: 'GET',
      path: '/api/students',
      // Newest first, so a student just added shows at the top of the list.
      handler: async ({ url }) => {
        const limit = parseLimit(url.searchParams.get('limit'));
        const { rows } = await pool.query(`SELECT ${COLUMNS} FROM students ORDER BY id DESC LIMIT $1`, [limit]);
        return { status: 200, body: rows };
      },
    },
    {
      method: 'GET',
      path: '/api/students/:id',
      handler: async ({ params }) => {
        const id = parseId(params.id);
        const { rows } = await pool.query(`SELECT ${COLUMNS} FROM students WHERE id = $1`, [id]);
        if (rows.length === 0) throw new HttpError(404, `student ${id} not found`);
        return { status: 200, body: rows[0] };
      },
    },
    {
      method: 'POST',
      path: '/api/students',
      handler: async ({ body }) => {
        const student = validateStudent(await body());
        const { rows } = await pool.query(
          `INSERT INTO students (first_name, last_name, birth_date, email) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
          [student.firstName, student.lastName, student.birthDate, student.email],
        );
        const created = rows[0];
        return { status: 201, body: created, headers: { location: `/api/students/${created.id}` } };
      },
    },
  ];
}

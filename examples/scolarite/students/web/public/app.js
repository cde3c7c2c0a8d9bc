// The students page: lists students from GET /api/students and adds one with POST /api/students.
// Text goes into the page through textContent only, so a name can never become markup.
/* global document, fetch, FormData */

const form = document.querySelector('#add-student');
const formMessage = document.querySelector('#form-message');
const listMessage = document.querySelector('#list-message');
const table = document.querySelector('#students');

async function api(path, options = {}) {
  const response = await fetch(path, { headers: { accept: 'application/json' }, ...options });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

function formatDate(value) {
  if (!value) return '—';
  const [year, month, day] = value.split('-');
  return `${day}/${month}/${year}`;
}

function show(element, text, kind = '') {
  element.textContent = text;
  element.className = `message ${kind}`;
}

function render(students) {
  const rows = students.map((student) => {
    const row = document.createElement('tr');
    for (const text of [
      student.id,
      student.lastName,
      student.firstName,
      formatDate(student.birthDate),
      student.email ?? '—',
    ]) {
      const cell = document.createElement('td');
      cell.textContent = String(text);
      row.append(cell);
    }
    return row;
  });
  table.tBodies[0].replaceChildren(...rows);
  table.hidden = students.length === 0;
  show(listMessage, students.length === 0 ? 'Aucun étudiant pour le moment.' : '');
}

async function load() {
  try {
    render(await api('/api/students'));
  } catch (error) {
    show(listMessage, `Impossible de charger les étudiants : ${error.message}`, 'error');
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = Object.fromEntries(new FormData(form));
  for (const key of ['birthDate', 'email']) if (data[key] === '') delete data[key];
  form.querySelector('button').disabled = true;
  try {
    const student = await api('/api/students', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(data),
    });
    form.reset();
    show(formMessage, `${student.firstName} ${student.lastName} ajouté(e), n° ${student.id}.`, 'success');
    await load();
  } catch (error) {
    show(formMessage, error.message, 'error');
  } finally {
    form.querySelector('button').disabled = false;
  }
});

async function showVersions() {
  const [web, back] = await Promise.allSettled([api('/version'), api('/api/version')]);
  if (web.status === 'fulfilled') document.querySelector('#web-version').textContent = web.value.version;
  if (back.status === 'fulfilled') document.querySelector('#api-version').textContent = back.value.version;
}

load();
showVersions();

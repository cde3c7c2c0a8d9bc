// The grades page: pick a student by number, list their grades (GET /api/grades?student=) and add one
// (POST /api/grades, which answers 422 when students/api does not know the student).
// Text goes into the page through textContent only, so a course name can never become markup.
/* global document, fetch, FormData, history, location, URLSearchParams */

const pickForm = document.querySelector('#pick-student');
const addForm = document.querySelector('#add-grade');
const section = document.querySelector('#student-grades');
const table = document.querySelector('#grades');
const listMessage = document.querySelector('#list-message');
const formMessage = document.querySelector('#form-message');
const average = document.querySelector('#average');
const scoreFormat = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });
const dateFormat = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short' });
let studentId = null;

async function api(path, options = {}) {
  const response = await fetch(path, { headers: { accept: 'application/json' }, ...options });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

function show(element, text, kind = '') {
  element.textContent = text;
  element.className = `message ${kind}`;
}

function render(grades) {
  const rows = grades.map((grade) => {
    const row = document.createElement('tr');
    for (const [text, className] of [
      [grade.course, ''],
      [`${scoreFormat.format(grade.score)} / 20`, 'number'],
      [dateFormat.format(new Date(grade.createdAt)), ''],
    ]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      if (className) cell.className = className;
      row.append(cell);
    }
    return row;
  });
  table.tBodies[0].replaceChildren(...rows);
  table.hidden = grades.length === 0;
  show(listMessage, grades.length === 0 ? 'Aucune note pour cet étudiant.' : '');
  const mean = grades.reduce((sum, grade) => sum + grade.score, 0) / grades.length;
  average.textContent = grades.length > 0 ? `Moyenne : ${scoreFormat.format(mean)} / 20` : '';
}

async function load() {
  document.querySelector('#student-id').textContent = String(studentId);
  section.hidden = false;
  try {
    render(await api(`/api/grades?student=${encodeURIComponent(studentId)}`));
  } catch (error) {
    show(listMessage, `Impossible de charger les notes : ${error.message}`, 'error');
  }
}

pickForm.addEventListener('submit', (event) => {
  event.preventDefault();
  studentId = Number(new FormData(pickForm).get('student'));
  history.replaceState(null, '', `?student=${studentId}`); // a link to this page shows the same student
  show(formMessage, '');
  load();
});

addForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(addForm);
  addForm.querySelector('button').disabled = true;
  try {
    await api('/api/grades', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      // An empty score goes as null, so the api explains the problem instead of recording a 0.
      body: JSON.stringify({
        studentId,
        course: data.get('course'),
        score: data.get('score') ? Number(data.get('score')) : null,
      }),
    });
    addForm.reset();
    show(formMessage, 'Note ajoutée.', 'success');
    await load();
  } catch (error) {
    show(formMessage, error.message, 'error');
  } finally {
    addForm.querySelector('button').disabled = false;
  }
});

async function showVersions() {
  const [web, back] = await Promise.allSettled([api('/version'), api('/api/version')]);
  if (web.status === 'fulfilled') document.querySelector('#web-version').textContent = web.value.version;
  if (back.status === 'fulfilled') document.querySelector('#api-version').textContent = back.value.version;
}

const initial = new URLSearchParams(location.search).get('student');
if (initial && /^[1-9]\d*$/.test(initial)) {
  pickForm.elements.student.value = initial;
  studentId = Number(initial);
  load();
}
showVersions();

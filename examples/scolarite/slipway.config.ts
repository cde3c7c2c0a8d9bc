// The scolarite example: two modules (students, grades), each a front, a back and a PostgreSQL storage.
import { defineConfig } from 'slipway';

export default defineConfig({
  project: 'scolarite',
  registry: { url: '127.0.0.1:5000' },
  modules: {
    students: {
      components: {
        web: { kind: 'front', context: 'students/web', port: 8080, health: '/healthz', dependsOn: ['api'] },
        api: {
          kind: 'back',
          context: 'students/api',
          port: 8080,
          health: '/healthz',
          dependsOn: ['db'],
          env: { DELAY_MS: '0' },
        },
        db: {
          kind: 'storage',
          context: 'students/db',
          port: 5432,
          env: { POSTGRES_DB: 'students', POSTGRES_USER: 'scolarite', POSTGRES_PASSWORD: 'scolarite-dev' },
          data: { migrations: 'migrations', seed: 'seed' },
        },
      },
    },
    grades: {
      components: {
        web: { kind: 'front', context: 'grades/web', port: 8080, health: '/healthz', dependsOn: ['api'] },
        api: {
          kind: 'back',
          context: 'grades/api',
          port: 8080,
          health: '/healthz',
          // students/api: POST /api/grades checks the student exists there (STUDENTS_API_URL).
          dependsOn: ['db', 'students/api'],
          env: { DELAY_MS: '0' },
        },
        db: {
          kind: 'storage',
          context: 'grades/db',
          port: 5432,
          env: { POSTGRES_DB: 'grades', POSTGRES_USER: 'scolarite', POSTGRES_PASSWORD: 'scolarite-dev' },
          data: { migrations: 'migrations', seed: 'seed' },
        },
      },
    },
  },
});

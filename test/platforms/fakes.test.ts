// The fakes themselves: they refuse a wrong token as the forges do, record any request they were not built for
// (so a test fails on it), refuse undocumented parameters, and keep GitHub's 50-annotation limit.
import { afterEach, describe, expect, it } from 'vitest';
import { GithubFake } from '../fakes/github.js';
import { GitlabFake } from '../fakes/gitlab.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function gitlab(): Promise<GitlabFake> {
  const fake = new GitlabFake({ token: 'right' });
  await fake.start();
  stops.push(() => fake.stop());
  fake.addMergeRequest(1, 'a');
  return fake;
}

describe('the forge fakes', () => {
  it('GitLab: 401 without the right PRIVATE-TOKEN, and unexpected routes or parameters are recorded', async () => {
    const fake = await gitlab();
    const notes = `${fake.apiUrl}/projects/42/merge_requests/1/notes`;
    expect((await fetch(notes, { headers: { 'private-token': 'wrong' } })).status).toBe(401);
    expect((await fetch(notes, { headers: { authorization: 'Bearer right' } })).status).toBe(401);
    const ok = await fetch(notes, { headers: { 'private-token': 'right' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-total-pages')).toBe('1');
    expect((await fetch(`${fake.apiUrl}/projects/42/issues`, { headers: { 'private-token': 'right' } })).status).toBe(
      404,
    );
    expect((await fetch(`${notes}?perPage=5`, { headers: { 'private-token': 'right' } })).status).toBe(400);
    expect(fake.forge.unexpected).toEqual([
      'GET /api/v4/projects/42/issues: no such route in the fake',
      'GET /api/v4/projects/42/merge_requests/1/notes: undocumented query perPage',
    ]);
    fake.forge.unexpected.length = 0;
  });

  it('GitHub: 401 without the right Authorization, 422 for more than 50 annotations in one request', async () => {
    const fake = new GithubFake({ token: 'right' });
    await fake.start();
    stops.push(() => fake.stop());
    const url = `${fake.url}/repos/school/scolarite/check-runs`;
    const post = (auth: string, annotations: number) =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'x',
          head_sha: 'a'.repeat(40),
          output: {
            title: 't',
            summary: 's',
            annotations: Array.from({ length: annotations }, () => ({
              path: 'a.ts',
              start_line: 1,
              end_line: 1,
              annotation_level: 'failure',
              message: 'm',
            })),
          },
        }),
      });
    expect((await post('token wrong', 1)).status).toBe(401);
    expect((await post('Bearer right', 51)).status).toBe(422);
    expect((await post('token right', 50)).status).toBe(201);
    expect(fake.checkRuns.map((c) => c.batches)).toEqual([[50]]);
    expect(fake.forge.unexpected).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { SlipwayError } from '../../core/errors.js';
import { parseCommit, type Commit } from './commits.js';
import { latestRelease, planRelease, type ModuleScope, type TagRef } from './plan.js';

interface Spec {
  message: string;
  files?: string[];
}

/** A linear history from oldest to newest; returned newest first with parents chained, as `git log` lists it. */
function history(specs: (string | Spec)[]): Commit[] {
  const commits = specs.map((spec, i) => {
    const { message, files = ['src/index.ts'] } = typeof spec === 'string' ? { message: spec } : spec;
    const hash = `${String(i + 1).padStart(2, '0')}`.repeat(20);
    const parents = i === 0 ? [] : [`${String(i).padStart(2, '0')}`.repeat(20)];
    return parseCommit({ hash, parents, message, files });
  });
  return commits.reverse();
}

function hashOf(n: number): string {
  return `${String(n).padStart(2, '0')}`.repeat(20);
}

const modules: ModuleScope[] = [
  { name: 'students', paths: ['students/api', 'students/web'] },
  { name: 'grades', paths: ['grades/api'] },
];

describe('planRelease: the app version', () => {
  it.each([
    ['feat → minor', ['fix: a', 'feat: b'], '1.2.3', 'minor', '1.3.0'],
    ['fix → patch', ['fix: a'], '1.2.3', 'patch', '1.2.4'],
    ['perf → patch', ['perf: faster'], '1.2.3', 'patch', '1.2.4'],
    ['`!` → major', ['fix: a', 'feat(api)!: drop v1'], '1.2.3', 'major', '2.0.0'],
    ['BREAKING CHANGE footer → major', ['fix: a\n\nBREAKING CHANGE: b'], '1.2.3', 'major', '2.0.0'],
    ['BREAKING-CHANGE on a chore → major', ['chore: a\n\nBREAKING-CHANGE: b'], '1.2.3', 'major', '2.0.0'],
    ['docs, chore, refactor, test → nothing', ['docs: a', 'chore: b', 'refactor: c', 'test: d'], '1.2.3', null, null],
    ['non-conventional → nothing', ['Update README', 'wip'], '1.2.3', null, null],
    ['`feature` is not a release rule', ['feature: a'], '1.2.3', null, null],
    ['first release → 1.0.0', ['chore: init', 'fix: a'], null, 'patch', '1.0.0'],
    ['first release, breaking → 1.0.0', ['feat!: a'], null, 'major', '1.0.0'],
    ['0.x feat → minor', ['feat: a'], '0.4.2', 'minor', '0.5.0'],
    ['0.x fix → patch', ['fix: a'], '0.4.2', 'patch', '0.4.3'],
    ['0.x breaking → 1.0.0', ['feat!: a'], '0.4.2', 'major', '1.0.0'],
  ] as const)(
    'given %s, when planned, then the bump and the next version follow',
    (_name, messages, current, bump, next) => {
      const commits = history(['chore: released', ...messages]);
      const tags: TagRef[] = current ? [{ name: `v${current}`, commit: hashOf(1) }] : [];
      const plan = planRelease(commits, tags, []);
      expect({ current: plan.current, bump: plan.bump, next: plan.next }).toEqual({ current, bump, next });
      expect(plan.tag).toBe(next ? `v${next}` : null);
      expect(plan.tags.map((t) => t.name)).toEqual(next ? [`v${next}`] : []);
    },
  );

  it.each([
    [
      'a revert cancels the reverted feat when both are new',
      ['feat: a', 'revert: feat: a\n\nThis reverts commit 0202020202.'],
      null,
    ],
    [
      'git\'s own "Revert" format cancels too',
      ['feat: a', 'Revert "feat: a"\n\nThis reverts commit 0202020202.'],
      null,
    ],
    ['a revert of an already released commit → patch', ['revert: feat: x\n\nThis reverts commit 0101010101.'], 'patch'],
    [
      'a revert of a revert brings the feat back',
      [
        'feat: a',
        'Revert "feat: a"\n\nThis reverts commit 0202020202.',
        'Revert "Revert "feat: a""\n\nThis reverts commit 0303030303.',
      ],
      'minor',
    ],
    [
      'a cancelled pair leaves the other commits',
      ['fix: a', 'feat: b', 'revert: feat: b\n\nThis reverts commit 0303030303.'],
      'patch',
    ],
  ] as const)('given %s, when planned, then the bump is %s', (_name, messages, bump) => {
    const plan = planRelease(history(['chore: released', ...messages]), [{ name: 'v1.0.0', commit: hashOf(1) }], []);
    expect(plan.bump).toBe(bump);
  });

  it('given several release tags, when planned, then the highest counts and pre-releases and other forms are ignored', () => {
    const tags: TagRef[] = [
      { name: 'v1.2.0', commit: hashOf(1) },
      { name: 'v1.10.0', commit: hashOf(2) },
      { name: 'v2.0.0-rc.1', commit: hashOf(3) },
      { name: 'release-3', commit: hashOf(3) },
      { name: 'students-v9.0.0', commit: hashOf(3) },
    ];
    expect(latestRelease(tags, '')).toEqual({ version: '1.10.0', commit: hashOf(2) });
    const plan = planRelease(history(['feat: a', 'fix: b', 'feat: c', 'fix: d']), tags, []);
    expect(plan.current).toBe('1.10.0');
    expect(plan.next).toBe('1.11.0');
  });

  it('given the commits since the tag are only merges of released work, when planned, then nothing releases', () => {
    const commits = [
      parseCommit({ hash: hashOf(3), parents: [hashOf(1), hashOf(2)], message: "Merge branch 'x'", files: [] }),
      parseCommit({ hash: hashOf(2), parents: [hashOf(1)], message: 'feat: x', files: ['a'] }),
      parseCommit({ hash: hashOf(1), parents: [], message: 'chore: init', files: ['a'] }),
    ];
    const plan = planRelease(commits, [{ name: 'v1.1.0', commit: hashOf(2) }], []);
    expect(plan.bump).toBeNull();
    expect(plan.changelog).toBe('');
  });
});

describe('planRelease: modules', () => {
  const released: TagRef[] = [
    { name: 'v1.4.0', commit: hashOf(1) },
    { name: 'students-v1.1.0', commit: hashOf(1) },
    { name: 'grades-v2.0.0', commit: hashOf(1) },
  ];

  it('given a change in one module only, when planned, then only that module and the app are bumped', () => {
    const plan = planRelease(
      history(['chore: released', { message: 'fix(students): trim names', files: ['students/api/src/a.js'] }]),
      released,
      modules,
    );
    expect(plan.next).toBe('1.4.1');
    expect(plan.modules.students).toMatchObject({
      current: '1.1.0',
      next: '1.1.1',
      bump: 'patch',
      tag: 'students-v1.1.1',
    });
    expect(plan.modules.grades).toEqual({ current: '2.0.0', next: null, bump: null, tag: null, changelog: '' });
    expect(plan.tags.map((t) => [t.name, t.module])).toEqual([
      ['v1.4.1', null],
      ['students-v1.1.1', 'students'],
    ]);
  });

  it('given a commit touching two modules, when planned, then it counts for both', () => {
    const plan = planRelease(
      history(['chore: released', { message: 'feat: shared ids', files: ['students/web/x.js', 'grades/api/y.js'] }]),
      released,
      modules,
    );
    expect([plan.modules.students!.next, plan.modules.grades!.next]).toEqual(['1.2.0', '2.1.0']);
  });

  it('given a change outside every module, when planned, then only the app is bumped', () => {
    const plan = planRelease(
      history(['chore: released', { message: 'feat: docs site', files: ['site/index.html', 'students-notes.md'] }]),
      released,
      modules,
    );
    expect(plan.next).toBe('1.5.0');
    expect(plan.tags.map((t) => t.name)).toEqual(['v1.5.0']);
  });

  it('given a module without a tag yet, when planned, then its first release is 1.0.0 with all its history', () => {
    const plan = planRelease(
      history([{ message: 'feat: grades', files: ['grades/api/a.js'] }, 'chore: released']),
      [{ name: 'v1.0.0', commit: hashOf(2) }],
      modules,
    );
    expect(plan.bump).toBeNull();
    expect(plan.modules.grades).toMatchObject({ current: null, next: '1.0.0', bump: 'minor' });
    expect(plan.tags.map((t) => t.name)).toEqual(['grades-v1.0.0']);
  });

  it('given a module whose own tag is older than the app tag, when planned, then its range starts at its own tag', () => {
    const plan = planRelease(
      history([
        'chore: init',
        { message: 'fix(grades): a', files: ['grades/api/a.js'] },
        { message: 'feat(students): b', files: ['students/api/b.js'] },
      ]),
      [
        { name: 'grades-v1.0.0', commit: hashOf(1) },
        { name: 'v1.1.0', commit: hashOf(2) },
      ],
      modules,
    );
    expect(plan.next).toBe('1.2.0');
    expect(plan.modules.grades!.next).toBe('1.0.1');
  });

  it('given the whole repository as a module folder, when planned, then every commit counts for it', () => {
    const plan = planRelease(history(['fix: a']), [], [{ name: 'app', paths: [''] }]);
    expect(plan.modules.app!.next).toBe('1.0.0');
  });

  it('given module releases, when planned, then the app notes list them and each module has its own notes', () => {
    const plan = planRelease(
      history(['chore: released', { message: 'feat(students): search', files: ['students/api/a.js'] }]),
      released,
      modules,
      { date: '2024-05-01' },
    );
    expect(plan.changelog).toContain('### Modules\n\n* **students:** 1.1.0 → 1.2.0 (minor), tag students-v1.2.0');
    expect(plan.modules.students!.changelog).toMatch(
      /^## students 1\.2\.0 \(2024-05-01\)\n\n### Features\n\n\* \*\*students:\*\* search/,
    );
  });
});

describe('planRelease: shallow clones', () => {
  it('given a shallow boundary inside the range, when planned, then it fails saying how to fetch the history', () => {
    let thrown: SlipwayError | undefined;
    try {
      planRelease(history(['feat: a', 'fix: b']), [], [], { shallow: [hashOf(1)] });
    } catch (error) {
      thrown = error as SlipwayError;
    }
    expect(thrown?.code).toBe('HISTORY_INCOMPLETE');
    expect(thrown?.fix).toContain('git fetch --unshallow --tags');
  });

  it('given a shallow boundary older than the last release, when planned, then the plan is complete', () => {
    const plan = planRelease(history(['feat: a', 'chore: b', 'fix: c']), [{ name: 'v1.0.0', commit: hashOf(2) }], [], {
      shallow: [hashOf(1)],
    });
    expect(plan.next).toBe('1.0.1');
  });
});

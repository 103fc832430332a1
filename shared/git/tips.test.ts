import { describe, expect, it } from 'vitest';
import { classifyTip, decidePlacement, type PlacementFacts, type TipRelation } from './tips';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

describe('classifyTip', () => {
  const cases: [string, { incoming: string; destination: string; mergeBase: string | null }, TipRelation][] = [
    ['identical tips', { incoming: A, destination: A, mergeBase: A }, 'same'],
    ['destination is an ancestor of incoming', { incoming: B, destination: A, mergeBase: A }, 'fast-forward'],
    ['incoming is an ancestor of destination', { incoming: A, destination: B, mergeBase: A }, 'destination-ahead'],
    ['both moved on from a common base', { incoming: B, destination: C, mergeBase: A }, 'diverged'],
    ['no shared history', { incoming: B, destination: C, mergeBase: null }, 'unrelated'],
  ];
  it.each(cases)('%s', (_name, facts, expected) => expect(classifyTip(facts)).toBe(expected));
});

describe('decidePlacement', () => {
  const base: PlacementFacts = {
    branch: 'refs/heads/feature',
    incoming: B,
    local: null,
    remote: null,
    checkedOutElsewhere: null,
    allowMoveBranch: false,
  };
  const cases: [string, Partial<PlacementFacts>, Record<string, unknown>][] = [
    ['source detached', { branch: null }, { kind: 'detached', reason: 'source-detached' }],
    ['branch absent everywhere', {}, { kind: 'branch', update: 'create', upstream: null }],
    [
      'remote-only branch',
      { remote: { ref: 'refs/remotes/origin/feature', tip: A, relation: 'fast-forward' } },
      { kind: 'branch', update: 'create', upstream: 'refs/remotes/origin/feature' },
    ],
    [
      'remote-only branch that diverged still creates the local branch (nothing overwritten)',
      { remote: { ref: 'refs/remotes/origin/feature', tip: C, relation: 'diverged' } },
      { kind: 'branch', update: 'create' },
    ],
    [
      'remote-only branch with no shared history: created, not tracking',
      { remote: { ref: 'refs/remotes/origin/feature', tip: C, relation: 'unrelated' } },
      { kind: 'branch', update: 'create', upstream: null },
    ],
    ['local same', { local: { tip: B, relation: 'same' } }, { kind: 'branch', update: 'none', detachOther: null }],
    ['local behind: fast-forward', { local: { tip: A, relation: 'fast-forward' } }, { kind: 'branch', update: 'fast-forward' }],
    ['local ahead', { local: { tip: C, relation: 'destination-ahead' } }, { kind: 'detached', reason: 'destination-ahead' }],
    ['diverged', { local: { tip: C, relation: 'diverged' } }, { kind: 'stop', relation: 'diverged', destinationTip: C }],
    ['unrelated', { local: { tip: C, relation: 'unrelated' } }, { kind: 'stop', relation: 'unrelated', destinationTip: C }],
    [
      'checked out elsewhere, not allowed to move',
      { local: { tip: A, relation: 'fast-forward' }, checkedOutElsewhere: { path: '/main', clean: true } },
      { kind: 'detached', reason: 'checked-out-elsewhere' },
    ],
    [
      'checked out elsewhere, allowed but dirty',
      { local: { tip: A, relation: 'fast-forward' }, checkedOutElsewhere: { path: '/main', clean: false }, allowMoveBranch: true },
      { kind: 'detached', reason: 'checked-out-elsewhere' },
    ],
    [
      'checked out elsewhere, allowed and clean',
      { local: { tip: A, relation: 'fast-forward' }, checkedOutElsewhere: { path: '/main', clean: true }, allowMoveBranch: true },
      { kind: 'branch', update: 'fast-forward', detachOther: '/main' },
    ],
    [
      'diverged beats checked out elsewhere',
      { local: { tip: C, relation: 'diverged' }, checkedOutElsewhere: { path: '/main', clean: true }, allowMoveBranch: true },
      { kind: 'stop', relation: 'diverged' },
    ],
  ];
  it.each(cases)('%s', (_name, facts, expected) => {
    expect(decidePlacement({ ...base, ...facts })).toMatchObject(expected);
  });

  it('names both tips and the other checkout in its notes', () => {
    const p = decidePlacement({ ...base, local: { tip: C, relation: 'destination-ahead' } });
    expect(p.kind === 'detached' && p.note).toContain(C.slice(0, 12));
    const q = decidePlacement({ ...base, local: { tip: B, relation: 'same' }, checkedOutElsewhere: { path: '/home/u/repo', clean: false } });
    expect(q.kind === 'detached' && q.note).toContain('/home/u/repo');
  });
});

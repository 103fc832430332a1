import { describe, expect, it } from 'vitest';
import { preparedCleanup, PREPARED_TTL_MS, type PreparedAction, type PreparedFacts } from './prepared';

const now = Date.UTC(2026, 10, 24, 12);
const old = now - PREPARED_TTL_MS - 1;
const fresh = now - 60_000;

// preparedAt, created, threadLiveHere, openOperation → action
const table: [number, boolean, boolean, boolean, PreparedAction][] = [
  [fresh, true, false, false, 'keep'],
  [fresh, false, false, false, 'keep'],
  [old, true, false, false, 'remove-worktree'],
  [old, false, false, false, 'forget'], // the worktree of the thread's earlier stay is kept
  [old, true, false, true, 'keep'], // an operation may still use it
  [old, false, false, true, 'keep'],
  [old, true, true, false, 'forget'], // the thread lives here now: never delete its worktree
  [fresh, true, true, true, 'forget'],
];

describe('preparedCleanup', () => {
  it.each(table)('prepared %s, created %s, live %s, open op %s → %s', (preparedAt, created, threadLiveHere, openOperation, want) => {
    const f: PreparedFacts = { preparedAt, created, threadLiveHere, openOperation };
    expect(preparedCleanup(f, now)).toBe(want);
  });

  it('takes its time limit as a parameter', () => {
    expect(preparedCleanup({ preparedAt: now - 1_000, created: true, threadLiveHere: false, openOperation: false }, now, 500)).toBe('remove-worktree');
  });
});

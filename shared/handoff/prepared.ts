// What becomes of a worktree pre-staging filled for a handoff that never came (the review was
// cancelled, or closed and forgotten). It stays for reuse by the next attempt, and goes after a
// time limit — but never while the thread lives here or an operation for it is still open, and
// only a worktree pre-staging itself created is deleted (one that was there before belongs to
// the thread's earlier stay on this host and is kept for its way back).

export interface PreparedFacts {
  /** When pre-staging filled the worktree (ms since the epoch). */
  preparedAt: number;
  /** Pre-staging created the worktree (it did not exist before). */
  created: boolean;
  /** The thread is live on this host now (it arrived). */
  threadLiveHere: boolean;
  /** This host's journal has an open operation for the thread. */
  openOperation: boolean;
}

/** keep: leave all; forget: drop the record and the pre-staged ref, keep the worktree; remove-worktree: delete it too. */
export type PreparedAction = 'keep' | 'forget' | 'remove-worktree';

/** Default time limit: a day, long enough for a review left open over lunch or a night's sleep. */
export const PREPARED_TTL_MS = 24 * 3600_000;

export function preparedCleanup(f: PreparedFacts, now: number, ttlMs: number = PREPARED_TTL_MS): PreparedAction {
  // The thread arrived: the worktree is its own now, and the record is stale.
  if (f.threadLiveHere) return 'forget';
  if (f.openOperation) return 'keep';
  if (now - f.preparedAt < ttlMs) return 'keep';
  return f.created ? 'remove-worktree' : 'forget';
}

// The seam between the thread service (which owns storage, fencing and the API) and the agent
// runtime (which decides what to do in a turn and runs tools). The runtime never writes a log
// itself: every effect goes through `TurnIO`, whose writes are checked against the thread's
// ownership epoch, so a thread that has been fenced for handoff cannot be changed by a turn
// that is still unwinding.
import type { Plan, ApprovalRule, Thread, TranscriptItem } from '../../../shared/contracts/thread';

export type ApprovalAnswer = 'allow' | 'deny' | 'always';

export interface ApprovalAsk {
  tool: string;
  /** Human summary shown on the approval card, e.g. "Run `npm test`". */
  summary: string;
  /** What an "always" answer grants (ApprovalRule.pattern). */
  pattern: string;
}

export interface TurnIO {
  /** Appends an item; rejects (FencedError) once the thread's epoch moved on. */
  addItem(item: TranscriptItem): Promise<void>;
  /** Streams more text into an item's `output` (commands) or `text` (messages). */
  appendToItem(itemId: string, field: 'output' | 'text', chunk: string): Promise<void>;
  updateItem(item: TranscriptItem): Promise<void>;
  updatePlan(plan: Plan): Promise<void>;
  /**
   * Records an approval_request item, sets status `waiting-approval` and resolves with the
   * user's answer (`approval/respond`). An `always` answer has already been stored as an
   * ApprovalRule when this resolves. Rejects with an AbortError when the turn is interrupted.
   */
  requestApproval(ask: ApprovalAsk): Promise<ApprovalAnswer>;
  /** Throws FencedError if the thread may no longer be written by this turn (checked before every tool call). */
  assertOwner(): void;
}

export interface TurnContext {
  /** The thread as it was when the turn started (transcript included, for model context). */
  thread: Thread;
  turnId: string;
  /** What the user sent. */
  input: string;
  /** Absolute path of the worktree on this host: the cwd of every tool. */
  worktree: string;
  /** Aborted by `turn/interrupt` (and by handoff's freeze): kill processes, cancel requests, stop. */
  signal: AbortSignal;
  io: TurnIO;
  /** Standing approval rules of the thread, for the policy check. */
  approvalRules: readonly ApprovalRule[];
  newId(): string;
  now(): string;
}

export interface Agent {
  /**
   * Runs one turn to its end. Resolves when the turn is done (or was interrupted: then it must
   * resolve promptly after `signal` aborts, with every child process gone). Rejects only on
   * failures the thread service should record as a failed turn.
   */
  runTurn(ctx: TurnContext): Promise<void>;
}

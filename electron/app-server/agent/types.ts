// The seam between the thread service (which owns storage, fencing and the API) and the agent
// runtime (which decides what to do in a turn and runs tools). The runtime never writes a log
// itself: every effect goes through `TurnIO`, whose writes are checked against the thread's
// ownership epoch, so a thread that has been fenced for handoff cannot be changed by a turn
// that is still unwinding.
import type { Plan, ApprovalRule, Thread, TranscriptItem } from '../../../shared/contracts/thread';
import type { HostTool } from './hostTools';

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
  /** Streams more text into an item's `output` (commands) or `text` (messages). The runtime awaits each call in order. */
  appendToItem(itemId: string, field: 'output' | 'text', chunk: string): Promise<void>;
  updateItem(item: TranscriptItem): Promise<void>;
  /**
   * Records the plan in the thread's plan history (`plan_updated`). Only that: the runtime adds
   * the matching `plan_update` transcript item itself with addItem.
   */
  updatePlan(plan: Plan): Promise<void>;
  /**
   * Records an approval_request item, sets status `waiting-approval` and resolves with the
   * user's answer (`approval/respond`), the service recording the approval_decision item and
   * setting status back to `running`. An `always` answer has already been stored as an
   * ApprovalRule ({ tool: ask.tool, pattern: ask.pattern }) when this resolves. Rejects with an
   * AbortError when the turn is interrupted. The runtime runs nothing before it resolves.
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
  /**
   * Tools the app-server lends this turn beyond the worktree ones (hostTools.ts; e.g. the
   * handoff extension's `handoff_thread`). Absent = none.
   */
  hostTools?: readonly HostTool[];
  newId(): string;
  now(): string;
}

export interface Agent {
  /**
   * Runs one turn to its end. Resolves when the turn is done (or was interrupted: then it must
   * resolve promptly after `signal` aborts, with every child process gone). Rejects only on
   * failures the thread service should record as a failed turn; the error's message is one
   * line a person can act on ("The model server at … answered HTTP 401: …").
   *
   * On interrupt the runtime marks its running item `interrupted` (best effort: a FencedError
   * is swallowed) and adds nothing else; the thread service records the `turn_interrupted`
   * marker and `turn_completed`.
   */
  runTurn(ctx: TurnContext): Promise<void>;
}

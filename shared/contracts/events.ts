// Thread events: the unit of storage (one JSON line each in the thread's log), of replication
// (`thread/read` with `afterRevision`, handoff transfer) and of live notifications.
// A thread's state is *only* the fold of its events (shared/threads/reduce.ts), so every
// host and the renderer compute the same thread from the same log.
import { z } from 'zod';
import {
  AgentSettings,
  ApprovalRule,
  HostId,
  Plan,
  ProjectRef,
  ThreadMeta,
  ThreadStatus,
  TranscriptItem,
} from './thread';

const EventBase = {
  /** Revision this event produces; the first event of a thread has rev 1. */
  rev: z.number().int().positive(),
  at: z.string(),
  /** Ownership epoch of the writer; writes with a stale epoch are refused (fencing). */
  epoch: z.number().int().nonnegative(),
};

export const ThreadEventBody = z.discriminatedUnion('kind', [
  /** First event of every log: the thread's initial metadata. */
  z.object({
    kind: z.literal('thread_created'),
    meta: ThreadMeta.omit({ revision: true, status: true, activeTurnId: true, updatedAt: true, archived: true }),
  }),
  z.object({ kind: z.literal('item_added'), item: TranscriptItem }),
  /** Streaming append to a text field of an existing item (command output, agent text). */
  z.object({ kind: z.literal('item_delta'), itemId: z.string(), field: z.enum(['output', 'text']), chunk: z.string() }),
  /** Full replacement of an existing item (e.g. a command finishing with its exit code). */
  z.object({ kind: z.literal('item_updated'), item: TranscriptItem }),
  z.object({ kind: z.literal('status_changed'), status: ThreadStatus }),
  z.object({ kind: z.literal('turn_started'), turnId: z.string() }),
  z.object({
    kind: z.literal('turn_completed'),
    turnId: z.string(),
    outcome: z.enum(['completed', 'interrupted', 'failed']),
    error: z.string().optional(),
  }),
  z.object({ kind: z.literal('plan_updated'), plan: Plan }),
  z.object({ kind: z.literal('approval_rule_added'), rule: ApprovalRule }),
  z.object({ kind: z.literal('settings_changed'), settings: AgentSettings }),
  z.object({
    kind: z.literal('meta_changed'),
    title: z.string().optional(),
    branch: z.string().nullable().optional(),
    worktreePath: z.string().optional(),
  }),
  /** Handoff: the thread now belongs to `host` under `epoch` (an incoming thread's first owner event). */
  z.object({
    kind: z.literal('ownership_changed'),
    host: HostId,
    newEpoch: z.number().int().nonnegative(),
    worktreePath: z.string(),
    /** The new owner's saved project (same identity and subdir; its own id and name there). */
    project: ProjectRef.optional(),
  }),
  /** Handoff committed on the source: the thread is a read-only tombstone pointing at `to`. */
  z.object({ kind: z.literal('moved'), to: HostId }),
  z.object({ kind: z.literal('archived'), archived: z.boolean() }),
]);
export type ThreadEventBody = z.infer<typeof ThreadEventBody>;
export type ThreadEventKind = ThreadEventBody['kind'];

export const ThreadEvent = z.intersection(z.object(EventBase), ThreadEventBody);
export type ThreadEvent = z.infer<typeof ThreadEvent>;

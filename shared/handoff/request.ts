// Whether a handoff may be asked for at all, before any host is considered. Pure.
import type { ThreadId, ThreadStatus } from '../contracts/thread';

/** Who asks: a person (UI, CLI) or an agent turn of some thread (the `handoff_thread` tool). */
export type Requester = { kind: 'user' } | { kind: 'agent'; threadId: ThreadId };

export interface RequestedThread {
  id: ThreadId;
  status: ThreadStatus;
  archived: boolean;
}

export type RequestRefusal = 'self-handoff' | 'thread-moved' | 'already-handing-off' | 'archived';

export type RequestCheck = { ok: true } | { ok: false; reason: RequestRefusal; message: string };

export function checkHandoffRequest(thread: RequestedThread, requester: Requester): RequestCheck {
  // A turn cannot move its own thread: the freeze interrupts that very turn, so the tool call
  // would kill its caller halfway and nobody would be left to see the result.
  if (requester.kind === 'agent' && requester.threadId === thread.id) {
    return {
      ok: false,
      reason: 'self-handoff',
      message: `Thread ${thread.id} cannot hand itself off: this turn would be interrupted by its own handoff. Ask from another thread (delegate) or use the Hand off button.`,
    };
  }
  if (thread.status === 'moved') {
    return { ok: false, reason: 'thread-moved', message: `Thread ${thread.id} has already moved to another host; hand it off from there.` };
  }
  if (thread.status === 'handing-off') {
    return { ok: false, reason: 'already-handing-off', message: `Thread ${thread.id} is already being handed off; wait for it or cancel it (baton handoff status).` };
  }
  if (thread.archived) {
    return { ok: false, reason: 'archived', message: `Thread ${thread.id} is archived; unarchive it before handing it off.` };
  }
  return { ok: true };
}

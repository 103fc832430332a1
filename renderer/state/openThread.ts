// How the open thread follows live events. Pure: the store feeds it pushes and acts on the
// verdict. A gap means an event was missed (a reconnect, a dropped socket): the store then
// catches up from its revision instead of guessing; an old event is a replay and is ignored.
import type { ThreadEvent } from '../../shared/contracts/events';
import type { Thread } from '../../shared/contracts/thread';
import { applyEvent } from '../../shared/threads/reduce';

export type LiveOutcome = { kind: 'applied'; thread: Thread } | { kind: 'ignored' } | { kind: 'gap'; from: number };

export function applyLive(thread: Thread, event: ThreadEvent): LiveOutcome {
  if (event.rev <= thread.revision) return { kind: 'ignored' };
  if (event.rev > thread.revision + 1) return { kind: 'gap', from: thread.revision };
  return { kind: 'applied', thread: applyEvent(thread, event) };
}

/** Applies events in order (a catch-up page, or what arrived while the thread was loading). */
export function applyAll(thread: Thread, events: readonly ThreadEvent[]): LiveOutcome {
  let t = thread;
  for (const e of [...events].sort((a, b) => a.rev - b.rev)) {
    const r = applyLive(t, e);
    if (r.kind === 'gap') return r;
    if (r.kind === 'applied') t = r.thread;
  }
  return t === thread ? { kind: 'ignored' } : { kind: 'applied', thread: t };
}

/** Items of the open thread that still wait for an answer (the composer says so). */
export function pendingApprovals(thread: Thread): string[] {
  const answered = new Set<string>();
  for (const i of thread.items) if (i.type === 'approval_decision') answered.add(i.requestId);
  return thread.items.filter((i) => i.type === 'approval_request' && !answered.has(i.requestId)).map((i) => (i as { requestId: string }).requestId);
}

// The one fold from events to thread state. Pure: used by the app-server to load a log, by
// clients to apply live events and catch up, and by handoff to verify what arrived.
import type { ThreadEvent } from '../contracts/events';
import type { Thread, TranscriptItem } from '../contracts/thread';

export class ThreadReduceError extends Error {
  constructor(message: string, readonly rev: number) {
    super(message);
    this.name = 'ThreadReduceError';
  }
}

/** Builds a thread from its complete event log (which must start with `thread_created`). */
export function reduceThread(events: readonly ThreadEvent[]): Thread {
  const first = events[0];
  if (!first || first.kind !== 'thread_created') {
    throw new ThreadReduceError('a thread log must start with a thread_created event', first?.rev ?? 0);
  }
  const thread: Thread = {
    ...first.meta,
    approvalRules: [...first.meta.approvalRules],
    revision: first.rev,
    status: 'idle',
    activeTurnId: null,
    updatedAt: first.at,
    archived: false,
    items: [],
    planHistory: [],
  };
  // In place: loading a 100k-event log must stay linear, so no copy per event here.
  for (let i = 1; i < events.length; i++) applyInPlace(thread, events[i]!);
  return thread;
}

/**
 * Applies one event to a thread without touching the one it was given (for UI stores, which
 * need a new object to re-render). Revisions must be contiguous: a gap means a lost event and
 * the caller must re-read from `thread.revision` rather than guess.
 */
export function applyEvent(thread: Thread, event: ThreadEvent): Thread {
  const t: Thread = {
    ...thread,
    items: thread.items.slice(),
    planHistory: thread.planHistory.slice(),
    approvalRules: thread.approvalRules.slice(),
  };
  applyInPlace(t, event);
  return t;
}

/** Applies one event by mutating `t`. Same rules as applyEvent. */
export function applyInPlace(t: Thread, event: ThreadEvent): Thread {
  if (event.rev !== t.revision + 1) {
    throw new ThreadReduceError(`event rev ${event.rev} does not follow revision ${t.revision}`, event.rev);
  }
  t.revision = event.rev;
  t.updatedAt = event.at;
  switch (event.kind) {
    case 'thread_created':
      throw new ThreadReduceError('thread_created may only be the first event', event.rev);
    case 'item_added':
      t.items.push(event.item);
      return t;
    case 'item_delta':
      replaceItem(t.items, event.itemId, event.rev, (item) => appendField(item, event.field, event.chunk, event.rev));
      return t;
    case 'item_updated':
      replaceItem(t.items, event.item.id, event.rev, () => event.item);
      return t;
    case 'status_changed':
      t.status = event.status;
      return t;
    case 'turn_started':
      t.activeTurnId = event.turnId;
      t.status = 'running';
      return t;
    case 'turn_completed':
      t.activeTurnId = null;
      if (t.status === 'running' || t.status === 'waiting-approval') t.status = 'idle';
      return t;
    case 'plan_updated':
      t.planHistory.push({ revision: event.rev, at: event.at, plan: event.plan });
      return t;
    case 'approval_rule_added':
      t.approvalRules.push(event.rule);
      return t;
    case 'settings_changed':
      t.settings = event.settings;
      return t;
    case 'meta_changed':
      if (event.title !== undefined) t.title = event.title;
      if (event.branch !== undefined) t.branch = event.branch;
      if (event.worktreePath !== undefined) t.worktreePath = event.worktreePath;
      return t;
    case 'ownership_changed':
      t.host = event.host;
      t.epoch = event.newEpoch;
      t.worktreePath = event.worktreePath;
      if (event.project) t.project = event.project;
      t.status = 'idle';
      t.movedTo = undefined;
      t.activeTurnId = null;
      return t;
    case 'moved':
      t.status = 'moved';
      t.movedTo = event.to;
      t.activeTurnId = null;
      return t;
    case 'archived':
      t.archived = event.archived;
      return t;
  }
}

function replaceItem(items: TranscriptItem[], id: string, rev: number, f: (item: TranscriptItem) => TranscriptItem) {
  // Updates almost always hit the newest items, so search from the end.
  for (let i = items.length - 1; i >= 0; i--) {
    if (items[i]!.id === id) {
      items[i] = f(items[i]!);
      return;
    }
  }
  throw new ThreadReduceError(`event rev ${rev} refers to unknown item ${id}`, rev);
}

function appendField(item: TranscriptItem, field: 'output' | 'text', chunk: string, rev: number): TranscriptItem {
  if (field === 'output' && item.type === 'command_execution') return { ...item, output: item.output + chunk };
  if (field === 'text' && (item.type === 'agent_message' || item.type === 'user_message')) return { ...item, text: item.text + chunk };
  throw new ThreadReduceError(`event rev ${rev} appends ${field} to a ${item.type} item`, rev);
}

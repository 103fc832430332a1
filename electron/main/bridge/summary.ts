// Keeps a listed thread's summary current from its live events without holding its transcript:
// the sidebar needs status, title and a preview, and a host that drops off must keep showing the
// last state it reported. Pure, so the table of cases sits beside it.
import type { ThreadEvent } from '../../../shared/contracts/events';
import type { ThreadSummary } from '../../../shared/contracts/rpc';

const PREVIEW_CHARS = 160;

export function summaryAfterEvent(s: ThreadSummary, event: ThreadEvent): ThreadSummary {
  // A gap or a replay: the caller re-lists the host rather than guessing.
  if (event.rev <= s.revision) return s;
  const next: ThreadSummary = { ...s, revision: event.rev, updatedAt: event.at };
  switch (event.kind) {
    case 'status_changed':
      next.status = event.status;
      break;
    case 'turn_started':
      next.status = 'running';
      next.activeTurnId = event.turnId;
      break;
    case 'turn_completed':
      next.activeTurnId = null;
      if (next.status === 'running' || next.status === 'waiting-approval') next.status = 'idle';
      break;
    case 'meta_changed':
      if (event.title !== undefined) next.title = event.title;
      if (event.branch !== undefined) next.branch = event.branch;
      if (event.worktreePath !== undefined) next.worktreePath = event.worktreePath;
      break;
    case 'ownership_changed':
      next.host = event.host;
      next.epoch = event.newEpoch;
      next.worktreePath = event.worktreePath;
      next.status = 'idle';
      next.movedTo = undefined;
      next.activeTurnId = null;
      break;
    case 'moved':
      next.status = 'moved';
      next.movedTo = event.to;
      next.activeTurnId = null;
      break;
    case 'archived':
      next.archived = event.archived;
      break;
    case 'settings_changed':
      next.settings = event.settings;
      break;
    case 'approval_rule_added':
      next.approvalRules = [...next.approvalRules, event.rule];
      break;
    case 'item_added':
      if (event.item.type === 'user_message' || event.item.type === 'agent_message') next.preview = event.item.text.slice(0, PREVIEW_CHARS);
      break;
    default:
      break;
  }
  return next;
}

// Which notifications a stored thread event produces. Pure, so the mapping is tested as a
// table and is the same for every transport.
import type { ThreadEvent } from '../../../shared/contracts/events';
import type { NotificationName, NotificationParams } from '../../../shared/contracts/rpc';
import type { Thread } from '../../../shared/contracts/thread';

export type Notification = { [N in NotificationName]: { name: N; params: NotificationParams<N> } }[NotificationName];

/**
 * Every event goes out as `thread/event` (clients fold it with shared/threads/reduce.ts); the
 * narrower notifications are conveniences for clients that do not keep the whole thread.
 * Streamed chunks (`item_delta`) only travel as `thread/event`: re-sending the whole item for
 * every chunk of a long command output would be quadratic.
 */
export function notificationsFor(threadId: string, event: ThreadEvent, thread: Thread): Notification[] {
  const revision = event.rev;
  const out: Notification[] = [{ name: 'thread/event', params: { threadId, event } }];
  const status = (): Notification => ({ name: 'thread/status', params: { threadId, status: thread.status, activeTurnId: thread.activeTurnId, revision } });
  switch (event.kind) {
    case 'item_added':
      out.push({ name: 'item/added', params: { threadId, item: event.item, revision } });
      break;
    case 'item_updated':
      out.push({ name: 'item/updated', params: { threadId, item: event.item, revision } });
      break;
    case 'plan_updated':
      out.push({ name: 'plan/updated', params: { threadId, plan: event.plan, revision } });
      break;
    case 'turn_completed':
      out.push(status());
      out.push({ name: 'turn/completed', params: { threadId, turnId: event.turnId, outcome: event.outcome, ...(event.error ? { error: event.error } : {}), revision } });
      break;
    case 'status_changed':
    case 'turn_started':
    case 'ownership_changed':
    case 'moved':
      out.push(status());
      break;
    default:
      break;
  }
  return out;
}

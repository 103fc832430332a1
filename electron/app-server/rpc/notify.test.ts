import { describe, expect, it } from 'vitest';
import type { ThreadEvent, ThreadEventBody } from '../../../shared/contracts/events';
import type { Thread } from '../../../shared/contracts/thread';
import { notificationsFor } from './notify';

const thread = { status: 'running', activeTurnId: 't1' } as Thread;
const item = { id: 'i1', type: 'agent_message' as const, text: 'hi', at: 'now' };

describe('notificationsFor', () => {
  const cases: Array<[string, ThreadEventBody, string[]]> = [
    ['item_added', { kind: 'item_added', item }, ['thread/event', 'item/added']],
    ['item_updated', { kind: 'item_updated', item }, ['thread/event', 'item/updated']],
    ['item_delta (only as thread/event)', { kind: 'item_delta', itemId: 'i1', field: 'text', chunk: '!' }, ['thread/event']],
    ['plan_updated', { kind: 'plan_updated', plan: { steps: [] } }, ['thread/event', 'plan/updated']],
    ['turn_started', { kind: 'turn_started', turnId: 't1' }, ['thread/event', 'thread/status']],
    ['turn_completed', { kind: 'turn_completed', turnId: 't1', outcome: 'interrupted' }, ['thread/event', 'thread/status', 'turn/completed']],
    ['status_changed', { kind: 'status_changed', status: 'waiting-approval' }, ['thread/event', 'thread/status']],
    ['moved', { kind: 'moved', to: 'gpu' }, ['thread/event', 'thread/status']],
    ['ownership_changed', { kind: 'ownership_changed', host: 'gpu', newEpoch: 2, worktreePath: '/w' }, ['thread/event', 'thread/status']],
    ['approval_rule_added', { kind: 'approval_rule_added', rule: { tool: 'shell', pattern: 'ls', grantedAt: 'now' } }, ['thread/event']],
    ['archived', { kind: 'archived', archived: true }, ['thread/event']],
    ['meta_changed', { kind: 'meta_changed', title: 'x' }, ['thread/event']],
  ];
  it.each(cases)('%s', (_name, body, names) => {
    const event = { ...body, rev: 9, at: 'now', epoch: 0 } as ThreadEvent;
    const out = notificationsFor('th', event, thread);
    expect(out.map((n) => n.name)).toEqual(names);
    for (const n of out) expect(n.params.threadId).toBe('th');
    for (const n of out) if ('revision' in n.params) expect(n.params.revision).toBe(9);
  });
});

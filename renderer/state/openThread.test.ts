import { describe, expect, it } from 'vitest';
import type { ThreadEvent } from '../../shared/contracts/events';
import type { Thread } from '../../shared/contracts/thread';
import { applyAll, applyLive, pendingApprovals } from './openThread';

const at = '2026-01-01T00:00:00Z';
const thread: Thread = {
  id: 't1',
  title: 't',
  project: { id: 'p', name: 'p', identity: 'x', subdir: '' },
  host: 'local',
  branch: 'main',
  worktreePath: '/w',
  status: 'idle',
  settings: { provider: 'offline', permissions: { name: 'd', approvalPolicy: 'untrusted', sandbox: 'workspace-write', writableRoots: [] }, hooks: { preToolUse: [], postToolUse: [] } },
  approvalRules: [],
  revision: 5,
  epoch: 0,
  createdAt: at,
  updatedAt: at,
  archived: false,
  activeTurnId: null,
  items: [],
  planHistory: [],
};
const msg = (rev: number, text = `m${rev}`) => ({ rev, at, epoch: 0, kind: 'item_added', item: { id: `i${rev}`, at, type: 'user_message', text } }) as ThreadEvent;

describe('applyLive', () => {
  it.each([
    ['the next event applies', msg(6), 'applied'],
    ['a replayed event is ignored', msg(5), 'ignored'],
    ['an older event is ignored', msg(2), 'ignored'],
    ['a skipped revision is a gap', msg(8), 'gap'],
  ])('%s', (_n, e, kind) => expect(applyLive(thread, e).kind).toBe(kind));

  it('does not touch the thread it was given', () => {
    const r = applyLive(thread, msg(6));
    expect(r.kind === 'applied' && r.thread.items).toHaveLength(1);
    expect(thread.items).toHaveLength(0);
  });
});

describe('applyAll', () => {
  it('applies out-of-order buffered events in revision order, skipping replays', () => {
    const r = applyAll(thread, [msg(7), msg(4), msg(6)]);
    expect(r.kind === 'applied' && r.thread.items.map((i) => i.id)).toEqual(['i6', 'i7']);
  });
  it('reports a gap where one is', () => {
    expect(applyAll(thread, [msg(6), msg(9)])).toEqual({ kind: 'gap', from: 6 });
  });
});

describe('pendingApprovals', () => {
  it('lists requests without a decision', () => {
    const t: Thread = {
      ...thread,
      items: [
        { id: 'a', at, type: 'approval_request', requestId: 'r1', tool: 'shell', summary: 's', pattern: 'p' },
        { id: 'b', at, type: 'approval_request', requestId: 'r2', tool: 'shell', summary: 's', pattern: 'p' },
        { id: 'c', at, type: 'approval_decision', requestId: 'r1', decision: 'allow' },
      ],
    };
    expect(pendingApprovals(t)).toEqual(['r2']);
  });
});

import { describe, expect, it } from 'vitest';
import type { ThreadEvent } from '../../../shared/contracts/events';
import type { ThreadSummary } from '../../../shared/contracts/rpc';
import { summaryAfterEvent } from './summary';

const base: ThreadSummary = {
  id: 't1',
  title: 'Fix build',
  project: { id: 'p1', name: 'repo', identity: 'github.com/acme/repo', subdir: '' },
  host: 'local',
  branch: 'main',
  worktreePath: '/w',
  status: 'idle',
  settings: { provider: 'offline', permissions: { name: 'default', approvalPolicy: 'untrusted', sandbox: 'workspace-write', writableRoots: [] }, hooks: { preToolUse: [], postToolUse: [] } },
  approvalRules: [],
  revision: 3,
  epoch: 0,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  archived: false,
  activeTurnId: null,
  preview: '',
};
const at = '2026-01-02T00:00:00Z';
const ev = (body: Record<string, unknown>, rev = 4) => ({ rev, at, epoch: 0, ...body }) as ThreadEvent;

describe('summaryAfterEvent', () => {
  const cases: Array<[string, ThreadEvent, Partial<ThreadSummary>]> = [
    ['turn started → running', ev({ kind: 'turn_started', turnId: 'u1' }), { status: 'running', activeTurnId: 'u1' }],
    ['status → waiting-approval', ev({ kind: 'status_changed', status: 'waiting-approval' }), { status: 'waiting-approval' }],
    ['user message → preview', ev({ kind: 'item_added', item: { id: 'i', at, type: 'user_message', text: 'hello there' } }), { preview: 'hello there' }],
    ['moved → tombstone', ev({ kind: 'moved', to: 'gpu' }), { status: 'moved', movedTo: 'gpu' }],
    ['ownership → new host', ev({ kind: 'ownership_changed', host: 'gpu', newEpoch: 1, worktreePath: '/r' }), { host: 'gpu', epoch: 1, worktreePath: '/r', status: 'idle' }],
    ['title change', ev({ kind: 'meta_changed', title: 'New' }), { title: 'New' }],
    ['archived', ev({ kind: 'archived', archived: true }), { archived: true }],
    ['stale event ignored', ev({ kind: 'status_changed', status: 'running' }, 3), { status: 'idle', revision: 3 }],
  ];
  it.each(cases)('%s', (_name, event, expected) => {
    expect(summaryAfterEvent(base, event)).toMatchObject(expected);
  });

  it('a completed turn returns a running thread to idle, and keeps the revision', () => {
    const running = summaryAfterEvent(base, ev({ kind: 'turn_started', turnId: 'u1' }));
    const done = summaryAfterEvent(running, ev({ kind: 'turn_completed', turnId: 'u1', outcome: 'completed' }, 5));
    expect(done).toMatchObject({ status: 'idle', activeTurnId: null, revision: 5, updatedAt: at });
  });
});

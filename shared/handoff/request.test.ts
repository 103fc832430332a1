import { describe, expect, it } from 'vitest';
import { checkHandoffRequest, type RequestedThread, type Requester } from './request';

const t = (s: Partial<RequestedThread> = {}): RequestedThread => ({ id: 'T', status: 'idle', archived: false, ...s });
const user: Requester = { kind: 'user' };

describe('checkHandoffRequest', () => {
  it.each([
    ['a user moving an idle thread', t(), user, null],
    ['a user moving a running thread (it is interrupted first)', t({ status: 'running' }), user, null],
    ['a thread waiting for approval', t({ status: 'waiting-approval' }), user, null],
    ['another thread delegating', t({ status: 'running' }), { kind: 'agent', threadId: 'C' }, null],
    ['a turn of T asking to move T', t({ status: 'running' }), { kind: 'agent', threadId: 'T' }, 'self-handoff'],
    ['self-handoff wins over other reasons', t({ status: 'moved' }), { kind: 'agent', threadId: 'T' }, 'self-handoff'],
    ['a tombstone', t({ status: 'moved' }), user, 'thread-moved'],
    ['a thread mid-handoff', t({ status: 'handing-off' }), user, 'already-handing-off'],
    ['an archived thread', t({ archived: true }), user, 'archived'],
  ] as const)('%s', (_n, thread, requester, reason) => {
    const r = checkHandoffRequest(thread, requester as Requester);
    if (reason === null) expect(r).toEqual({ ok: true });
    else expect(r).toMatchObject({ ok: false, reason });
  });

  it('tells an agent to delegate', () => {
    const r = checkHandoffRequest(t(), { kind: 'agent', threadId: 'T' });
    expect(!r.ok && r.message).toMatch(/another thread/);
  });
});

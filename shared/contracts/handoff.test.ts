import { describe, expect, it } from 'vitest';
import { handoffMethods, OperationId, PeerRequest, PeerResponse } from './handoff';

const op = 'op_0123456789';
const sha = 'a'.repeat(40);
const digest = 'b'.repeat(64);

describe('handoff contracts', () => {
  it('accepts each peer request and response kind', () => {
    for (const r of [
      { type: 'part', op, name: 'pack', offset: 0, length: 10 },
      { type: 'stage', op },
      { type: 'commit', op, newEpoch: 1 },
      { type: 'abort', op, reason: 'cancelled' },
      { type: 'query', op },
    ]) expect(PeerRequest.parse(r)).toEqual(r);
    for (const r of [
      { type: 'resume', op, have: [{ name: 'events', offset: 5 }] },
      { type: 'staged-ack', op, revision: 9, worktreeCommit: sha },
      { type: 'applied-ack', op, epoch: 2, worktreePath: '/w', revision: 10 },
      { type: 'phase', op, side: 'destination', phase: 'staged' },
      { type: 'error', op, error: { code: 'digest-mismatch', message: 'x' } },
    ]) expect(PeerResponse.parse(r)).toEqual(r);
  });

  it.each([
    ['an operation id that could escape a directory', { type: 'query', op: '../../etc' }],
    ['a negative offset', { type: 'part', op, name: 'pack', offset: -1, length: 1 }],
    ['an unknown part', { type: 'part', op, name: 'manifest', offset: 0, length: 1 }],
    ['an epoch of 0 on commit', { type: 'commit', op, newEpoch: 0 }],
    ['an unknown message', { type: 'steal', op }],
  ])('refuses %s', (_n, msg) => {
    expect(PeerRequest.safeParse(msg).success).toBe(false);
  });

  it('refuses a part digest that is not SHA-256 and a short operation id', () => {
    expect(OperationId.safeParse('short').success).toBe(false);
    const start = handoffMethods['handoff/start'].params;
    expect(start.safeParse({ operationId: op }).success).toBe(true);
    expect(start.safeParse({ thread: 't', to: 'gpu' }).success).toBe(true);
    expect(start.safeParse({}).success).toBe(false);
    expect(digest).toHaveLength(64);
  });
});

import { describe, expect, it } from 'vitest';
import type { ThreadEvent } from '../contracts/events';
import { ThreadEvent as ThreadEventSchema } from '../contracts/events';
import { FIXED_AT, threadCreated } from './fixtures.test-support';
import { applyEvent, reduceThread, ThreadReduceError } from './reduce';

const at = FIXED_AT;
const created: ThreadEvent = threadCreated();

function log(...bodies: Array<Record<string, unknown>>): ThreadEvent[] {
  return [created, ...bodies.map((b, i) => ThreadEventSchema.parse({ rev: i + 2, at, epoch: 0, ...b }))];
}

describe('reduceThread', () => {
  it('builds a thread from a turn with a command, its output and a plan', () => {
    const t = reduceThread(
      log(
        { kind: 'turn_started', turnId: 'u1' },
        { kind: 'item_added', item: { id: 'i1', turnId: 'u1', at, type: 'user_message', text: '$ echo hi' } },
        { kind: 'item_added', item: { id: 'i2', turnId: 'u1', at, type: 'command_execution', command: 'echo hi', cwd: '/tmp/wt', output: '', exitCode: null, status: 'running' } },
        { kind: 'item_delta', itemId: 'i2', field: 'output', chunk: 'h' },
        { kind: 'item_delta', itemId: 'i2', field: 'output', chunk: 'i\n' },
        { kind: 'plan_updated', plan: { steps: [{ step: 'say hi', status: 'completed' }] } },
        { kind: 'turn_completed', turnId: 'u1', outcome: 'completed' },
      ),
    );
    expect(t.revision).toBe(8);
    expect(t.status).toBe('idle');
    expect(t.activeTurnId).toBeNull();
    const cmd = t.items[1]!;
    expect(cmd.type === 'command_execution' && cmd.output).toBe('hi\n');
    expect(t.planHistory).toHaveLength(1);
    expect(t.planHistory[0]!.revision).toBe(7);
  });

  it.each([
    ['a gap in revisions', [{ ...created }, { rev: 3, at, epoch: 0, kind: 'archived', archived: true }], /does not follow/],
    ['a log without thread_created', [{ rev: 1, at, epoch: 0, kind: 'archived', archived: true }], /must start/],
    ['a delta for an unknown item', [created, { rev: 2, at, epoch: 0, kind: 'item_delta', itemId: 'nope', field: 'output', chunk: 'x' }], /unknown item/],
    ['a second thread_created', [created, { ...created, rev: 2 }], /only be the first/],
  ] as const)('refuses %s', (_name, events, message) => {
    expect(() => reduceThread(events as unknown as ThreadEvent[])).toThrow(ThreadReduceError);
    expect(() => reduceThread(events as unknown as ThreadEvent[])).toThrow(message);
  });

  it('applyEvent leaves its input untouched; moved and ownership_changed switch owner', () => {
    const t0 = reduceThread(log());
    const t1 = applyEvent(t0, { rev: 2, at, epoch: 0, kind: 'moved', to: 'gpu-box' });
    expect(t0.status).toBe('idle');
    expect(t1.status).toBe('moved');
    expect(t1.movedTo).toBe('gpu-box');
    const t2 = applyEvent(t1, { rev: 3, at, epoch: 1, kind: 'ownership_changed', host: 'gpu-box', newEpoch: 1, worktreePath: '/home/u/.baton/wt' });
    expect(t2.host).toBe('gpu-box');
    expect(t2.epoch).toBe(1);
    expect(t2.status).toBe('idle');
    expect(t2.movedTo).toBeUndefined();
  });
});

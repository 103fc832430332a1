import { describe, expect, it } from 'vitest';
import {
  DESTINATION_PHASES,
  liveAfter,
  resolveRecovery,
  SOURCE_PHASES,
  type DestinationAction,
  type DestinationPhase,
  type Live,
  type Side,
  type SourceAction,
  type SourcePhase,
} from './recovery';

type Row = [Side<SourcePhase>, Side<DestinationPhase>, Live, SourceAction[], DestinationAction[], { retry?: true; anomaly?: true }?];

const toDest: DestinationAction[] = ['send-applied-ack', 'resume'];
const U = 'unreachable' as const;

// Every combination of the two journals, including each side unreachable.
const table: Row[] = [
  // source has no record
  ['none', 'none', 'source', [], []],
  ['none', 'receiving', 'source', [], ['roll-back'], { anomaly: true }],
  ['none', 'staged', 'source', [], ['roll-back'], { anomaly: true }],
  ['none', 'committed', 'destination', ['record-commit', 'write-tombstone'], ['apply', ...toDest], { anomaly: true }],
  ['none', 'applied', 'destination', ['record-commit', 'write-tombstone'], toDest, { anomaly: true }],
  ['none', 'aborted', 'source', [], []],
  ['none', U, 'source', [], []],
  // prepared: review open, nothing locked
  ['prepared', 'none', 'source', ['record-abort'], []],
  ['prepared', 'receiving', 'source', ['record-abort'], ['roll-back']],
  ['prepared', 'staged', 'source', ['record-abort'], ['roll-back']],
  ['prepared', 'committed', 'destination', ['record-commit', 'write-tombstone'], ['apply', ...toDest], { anomaly: true }],
  ['prepared', 'applied', 'destination', ['record-commit', 'write-tombstone'], toDest, { anomaly: true }],
  ['prepared', 'aborted', 'source', ['record-abort'], []],
  ['prepared', U, 'source', ['record-abort'], [], { retry: true }],
  // frozen: fenced, transfer possibly under way, no decision → presumed abort
  ['frozen', 'none', 'source', ['record-abort', 'unfreeze'], []],
  ['frozen', 'receiving', 'source', ['record-abort', 'unfreeze'], ['roll-back']],
  ['frozen', 'staged', 'source', ['record-abort', 'unfreeze'], ['roll-back']],
  ['frozen', 'committed', 'destination', ['record-commit', 'write-tombstone'], ['apply', ...toDest], { anomaly: true }],
  ['frozen', 'applied', 'destination', ['record-commit', 'write-tombstone'], toDest, { anomaly: true }],
  ['frozen', 'aborted', 'source', ['record-abort', 'unfreeze'], []],
  ['frozen', U, 'source', ['record-abort', 'unfreeze'], [], { retry: true }],
  // committed: the decision is final
  ['committed', 'none', 'destination', ['resend-transfer', 'send-commit', 'write-tombstone'], ['restage', 'apply', ...toDest], { anomaly: true }],
  ['committed', 'receiving', 'destination', ['resend-transfer', 'send-commit', 'write-tombstone'], ['restage', 'apply', ...toDest], { anomaly: true }],
  ['committed', 'staged', 'destination', ['send-commit', 'write-tombstone'], ['apply', ...toDest]],
  ['committed', 'committed', 'destination', ['write-tombstone'], ['apply', ...toDest]],
  ['committed', 'applied', 'destination', ['write-tombstone'], toDest],
  ['committed', 'aborted', 'destination', ['resend-transfer', 'send-commit', 'write-tombstone'], ['restage', 'apply', ...toDest], { anomaly: true }],
  ['committed', U, 'destination', [], [], { retry: true }],
  // moved: tombstoned after the applied-ack
  ['moved', 'none', 'destination', ['resend-transfer', 'send-commit'], ['restage', 'apply', ...toDest], { anomaly: true }],
  ['moved', 'receiving', 'destination', ['resend-transfer', 'send-commit'], ['restage', 'apply', ...toDest], { anomaly: true }],
  ['moved', 'staged', 'destination', ['send-commit'], ['apply', ...toDest], { anomaly: true }],
  ['moved', 'committed', 'destination', [], ['apply', ...toDest], { anomaly: true }],
  ['moved', 'applied', 'destination', [], toDest],
  ['moved', 'aborted', 'destination', ['resend-transfer', 'send-commit'], ['restage', 'apply', ...toDest], { anomaly: true }],
  ['moved', U, 'destination', [], []],
  // aborted: the decision is final
  ['aborted', 'none', 'source', ['unfreeze'], []],
  ['aborted', 'receiving', 'source', ['unfreeze'], ['roll-back']],
  ['aborted', 'staged', 'source', ['unfreeze'], ['roll-back']],
  ['aborted', 'committed', 'source', ['unfreeze'], ['roll-back'], { anomaly: true }],
  ['aborted', 'applied', 'source', ['unfreeze'], ['roll-back'], { anomaly: true }],
  ['aborted', 'aborted', 'source', ['unfreeze'], []],
  ['aborted', U, 'source', ['unfreeze'], [], { retry: true }],
  // the source unreachable: the destination decides nothing it cannot prove
  [U, 'none', 'source', [], []],
  [U, 'receiving', 'in-doubt', [], ['wait-for-source'], { retry: true }],
  [U, 'staged', 'in-doubt', [], ['wait-for-source'], { retry: true }],
  [U, 'committed', 'destination', [], ['apply', 'resume'], { retry: true }],
  [U, 'applied', 'destination', [], ['resume'], { retry: true }],
  [U, 'aborted', 'source', [], []],
];

describe('resolveRecovery', () => {
  it('the table covers every combination exactly once', () => {
    const all = [...SOURCE_PHASES, U].flatMap((s) => [...DESTINATION_PHASES, U].map((d) => `${s}/${d}`)).filter((k) => k !== `${U}/${U}`);
    expect(table.map(([s, d]) => `${s}/${d}`).sort()).toEqual(all.sort());
  });

  it.each(table)('source %s, destination %s → live on %s', (s, d, live, src, dst, flags = {}) => {
    const r = resolveRecovery(s, d);
    expect(r.live).toBe(live);
    expect(r.source).toEqual(src);
    expect(r.destination).toEqual(dst);
    expect(r.retry).toBe(flags.retry ?? false);
    expect(r.anomaly !== undefined).toBe(flags.anomaly ?? false);
  });

  it('with both sides reachable, exactly one side is live afterwards', () => {
    for (const s of SOURCE_PHASES) {
      for (const d of DESTINATION_PHASES) {
        const r = resolveRecovery(s, d);
        const src = liveAfter('source', s, r);
        const dst = liveAfter('destination', d, r);
        expect([s, d, src !== dst]).toEqual([s, d, true]);
        expect([s, d, r.live]).toEqual([s, d, src ? 'source' : 'destination']);
      }
    }
  });

  // Pairs the protocol can produce (each side's journal after any crash point).
  const reachable: Array<[SourcePhase, DestinationPhase]> = [
    ['none', 'none'],
    ['prepared', 'none'], ['prepared', 'receiving'],
    ['frozen', 'none'], ['frozen', 'receiving'], ['frozen', 'staged'],
    ['committed', 'staged'], ['committed', 'committed'], ['committed', 'applied'],
    ['moved', 'applied'],
    ['aborted', 'none'], ['aborted', 'receiving'], ['aborted', 'staged'], ['aborted', 'aborted'],
  ];

  it('sides recovering alone, each unable to reach the other, are never both live', () => {
    for (const [s, d] of reachable) {
      const alone = [liveAfter('source', s, resolveRecovery(s, U)), liveAfter('destination', d, resolveRecovery(U, d))];
      expect([s, d, alone]).not.toEqual([s, d, [true, true]]);
      // …and what one side concludes alone never contradicts the joint conclusion.
      const joint = resolveRecovery(s, d).live;
      for (const solo of [resolveRecovery(s, U).live, resolveRecovery(U, d).live]) {
        if (solo !== 'in-doubt') expect([s, d, solo]).toEqual([s, d, joint]);
      }
      expect(resolveRecovery(s, d).anomaly).toBeUndefined();
    }
  });

  it('refuses to run with neither side', () => {
    expect(() => resolveRecovery(U, U)).toThrow(/at least one side/);
  });
});

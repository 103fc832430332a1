import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ThreadEvent } from '../../../shared/contracts/events';
import { FIXED_AT, threadCreated } from '../../../shared/threads/fixtures.test-support';
import { decodeEventsPart, encodeEventsPart, eventsStart, joinEvents, logSha256 } from './eventsPart';

const at = FIXED_AT;
const created = threadCreated();

function log(n: number): ThreadEvent[] {
  const items = Array.from({ length: n - 1 }, (_, i) =>
    ThreadEvent.parse({ rev: i + 2, at, epoch: 0, kind: 'item_added', item: { id: `u${i}`, type: 'user_message', text: `message ${i} `.repeat(20), at } }),
  );
  return [created, ...items];
}

describe('the events part', () => {
  it('round-trips gzipped, much smaller than the JSON lines', () => {
    const events = log(500);
    const part = encodeEventsPart(events, 1);
    expect(decodeEventsPart(part, 1 << 30, 't1')).toEqual(events);
    expect(part.length).toBeLessThan(events.map((e) => JSON.stringify(e)).join('\n').length / 10);
  });

  it('starts after the destination\'s copy only when that copy is our log\'s beginning (times aside)', () => {
    const events = log(50);
    // The destination stamped its own times on its copy: the digest does not see them.
    const theirs = events.slice(0, 20).map((e) => ({ ...e, at: '2030-01-01T00:00:00.000Z' }));
    expect(eventsStart(events, { revision: 20, logSha256: logSha256(theirs) })).toEqual({ eventsFrom: 21, prefixSha256: logSha256(theirs) });
    const changed = theirs.map((e, i) => (i === 5 ? { ...e, epoch: 3 } : e));
    expect(eventsStart(events, { revision: 20, logSha256: logSha256(changed) })).toEqual({ eventsFrom: 1 });
    expect(eventsStart(events, null)).toEqual({ eventsFrom: 1 });
    expect(eventsStart(events, { revision: 50, logSha256: logSha256(events) })).toEqual({ eventsFrom: 1 }); // nothing after it: send all, let the destination refuse
  });

  it('joins this host\'s beginning and the part, and refuses a beginning that is not the one the source has', () => {
    const events = log(30);
    const from = eventsStart(events, { revision: 10, logSha256: logSha256(events.slice(0, 10)) });
    const part = decodeEventsPart(encodeEventsPart(events, from.eventsFrom), 1 << 30, 't1');
    expect(part[0]!.rev).toBe(11);
    expect(joinEvents('t1', part, from, events.slice(0, 10))).toEqual(events);
    expect(() => joinEvents('t1', part, from, events.slice(0, 9))).toThrow(/this host's copy/);
    expect(() => joinEvents('t1', part, from, null)).toThrow(/this host's copy/);
    expect(() => joinEvents('t1', part.slice(1), from, events.slice(0, 10))).toThrow(/starts at revision 12/);
  });

  it('refuses a part that unpacks past the limit, or holds an invalid event', () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    expect(() => decodeEventsPart(bomb, 1024 * 1024, 't1')).toThrow(/does not unpack/);
    expect(() => decodeEventsPart(Buffer.from('not gzip'), 1 << 20, 't1')).toThrow(/does not unpack/);
    expect(() => decodeEventsPart(gzipSync('{"rev":1}\n'), 1 << 20, 't1')).toThrow(/not valid/);
  });
});

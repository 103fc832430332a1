// The `events` part of a handoff: the thread log from revision `eventsFrom` on, one JSON line per
// event, gzipped. A destination that already holds the log's beginning (the tombstone a thread
// left there on an earlier move) gets only what follows it; both sides agree on that beginning
// through `logSha256`, which leaves out write times because each host stamps its own appends
// (threadAccess.ts `sameEvent`).
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ThreadEvent } from '../../../shared/contracts/events';
import { HandoffFailure } from './peer';

/** SHA-256 of a log as both hosts can compute it: rev, epoch and body of each event, without its time. */
export function logSha256(events: readonly ThreadEvent[]): string {
  const h = createHash('sha256');
  for (const e of events) {
    const { at: _at, ...rest } = e;
    h.update(JSON.stringify(rest));
    h.update('\n');
  }
  return h.digest('hex');
}

/** Where the part starts: after the destination's copy when it is exactly our log's beginning. */
export function eventsStart(events: readonly ThreadEvent[], known: { revision: number; logSha256: string } | null): { eventsFrom: number; prefixSha256?: string } {
  if (!known || known.revision < 1 || known.revision >= events.length) return { eventsFrom: 1 };
  if (logSha256(events.slice(0, known.revision)) !== known.logSha256) return { eventsFrom: 1 };
  return { eventsFrom: known.revision + 1, prefixSha256: known.logSha256 };
}

export function encodeEventsPart(events: readonly ThreadEvent[], eventsFrom: number): Buffer {
  const lines = events.slice(eventsFrom - 1).map((e) => JSON.stringify(e) + '\n');
  return gzipSync(Buffer.from(lines.join(''), 'utf8'), { level: 6 });
}

/**
 * The events of a received part, each validated; `maxBytes` bounds the unpacked size (a small
 * gzip can claim gigabytes).
 */
export function decodeEventsPart(bytes: Buffer, maxBytes: number, thread: string): ThreadEvent[] {
  let text: string;
  try {
    text = gunzipSync(bytes, { maxOutputLength: maxBytes }).toString('utf8');
  } catch (e) {
    throw new HandoffFailure('verify-failed', `The thread log of the handoff of ${thread} does not unpack: ${e instanceof Error ? e.message : e}.`, `Send it again; a log over ${maxBytes} bytes needs a higher limit on the destination.`);
  }
  try {
    return text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => ThreadEvent.parse(JSON.parse(l)));
  } catch (e) {
    throw new HandoffFailure('verify-failed', `The thread log of the handoff of ${thread} is not valid: ${e instanceof Error ? e.message.slice(0, 200) : e}.`);
  }
}

/**
 * The whole incoming log: this host's own copy of the beginning (checked against the digest the
 * source sent), then the part. Throws when the beginning is not what the source assumed.
 */
export function joinEvents(thread: string, part: ThreadEvent[], from: { eventsFrom: number; prefixSha256?: string }, own: readonly ThreadEvent[] | null): ThreadEvent[] {
  if (from.eventsFrom === 1) return part;
  const prefix = (own ?? []).slice(0, from.eventsFrom - 1);
  if (prefix.length !== from.eventsFrom - 1 || logSha256(prefix) !== from.prefixSha256) {
    throw new HandoffFailure(
      'verify-failed',
      `The handoff of ${thread} sent its log from revision ${from.eventsFrom}, but this host's copy of the revisions before it is not the one the source has.`,
      'Hand the thread off again: the source then sends the whole log.',
    );
  }
  if (part[0] && part[0].rev !== from.eventsFrom) {
    throw new HandoffFailure('verify-failed', `The thread log of the handoff of ${thread} starts at revision ${part[0].rev}, not ${from.eventsFrom}.`);
  }
  return [...prefix, ...part];
}

// One thread's append-only JSONL log: reading it back (validated, torn-tail tolerant) and
// appending to it durably. Knows nothing of locks or caching — see threadStore.ts.
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, writeSync, ftruncateSync } from 'node:fs';
import { ThreadEvent } from '../../../shared/contracts/events';
import { StorageCorruptError } from './errors';

export interface LogContents {
  events: ThreadEvent[];
  /** Bytes of the file that hold whole, valid lines; anything past it is a torn tail. */
  validBytes: number;
  /** Set when the last line was half-written (a crash mid-append): it is ignored. */
  tornTail: { line: number; bytes: number } | null;
}

/**
 * Reads and validates a whole log. A last line with no newline, or a last line that does not
 * parse, is what a crash during an append leaves: it is reported as `tornTail` and ignored,
 * because the append it belonged to was never acknowledged. A bad line anywhere else is real
 * corruption and throws StorageCorruptError naming the file and line: we never skip data
 * silently.
 */
export function readLog(file: string): LogContents {
  const buf = readFileSync(file);
  const events: ThreadEvent[] = [];
  let offset = 0;
  let line = 0;
  while (offset < buf.length) {
    line += 1;
    const nl = buf.indexOf(0x0a, offset);
    const isLast = nl < 0 || nl === buf.length - 1;
    if (nl < 0) return { events, validBytes: offset, tornTail: { line, bytes: buf.length - offset } };
    const text = buf.toString('utf8', offset, nl);
    const parsed = parseLine(text, events.length + 1);
    if (!parsed.ok) {
      if (isLast) return { events, validBytes: offset, tornTail: { line, bytes: buf.length - offset } };
      throw new StorageCorruptError(file, line, parsed.reason);
    }
    events.push(parsed.event);
    offset = nl + 1;
  }
  return { events, validBytes: offset, tornTail: null };
}

function parseLine(text: string, expectedRev: number): { ok: true; event: ThreadEvent } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  const r = ThreadEvent.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, reason: `not a thread event: ${issue ? `${issue.path.join('.') || '(event)'}: ${issue.message}` : 'invalid'}` };
  }
  if (r.data.rev !== expectedRev) return { ok: false, reason: `revision ${r.data.rev} where ${expectedRev} was expected` };
  return { ok: true, event: r.data };
}

/** An open log for appending. Every append is one write of whole lines followed by fsync. */
export class LogAppender {
  private fd: number;
  /** Size of the file up to its last whole, acknowledged line. */
  private size: number;
  constructor(readonly file: string, validBytes: number | null) {
    // 'a' never overwrites: even a bug in our revision bookkeeping cannot destroy history.
    this.fd = openSync(file, 'a', 0o600);
    // Drop a torn tail before the first append, or the next line would be glued to it.
    if (validBytes !== null) ftruncateSync(this.fd, validBytes);
    this.size = fstatSync(this.fd).size;
  }

  append(events: readonly ThreadEvent[]): void {
    if (!events.length) return;
    const data = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n', 'utf8');
    try {
      let written = 0;
      while (written < data.length) written += writeSync(this.fd, data, written, data.length - written);
      fsyncSync(this.fd);
    } catch (e) {
      // A failed append (disk full) must not leave half a line for the next one to glue onto.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // The torn tail stays; readers drop it and the next open truncates it.
      }
      throw e;
    }
    this.size += data.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}

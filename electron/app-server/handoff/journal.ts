// The handoff journal of one host: BATON_HOME/handoff/journal.jsonl, one JSON line per step of
// an operation, appended and fsync'd *before* the step is acknowledged to anyone. Recovery reads
// the last phase of every operation from here (shared/handoff/recovery.ts), so a line must never
// be lost once the other side has acted on it, and a half-written last line (a crash mid-append)
// must never stop the host from starting: it is dropped, because nobody was told about it.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, ftruncateSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OperationId } from '../../../shared/contracts/handoff';
import type { DestinationPhase, SourcePhase } from '../../../shared/handoff/recovery';

export type JournalSide = 'source' | 'destination';
export type Phase<S extends JournalSide> = S extends 'source' ? SourcePhase : DestinationPhase;

const JournalLine = z.object({
  op: OperationId,
  seq: z.number().int().positive(),
  at: z.string(),
  side: z.enum(['source', 'destination']),
  phase: z.enum(['prepared', 'frozen', 'committed', 'moved', 'aborted', 'receiving', 'staged', 'applied', 'closed']),
  /** Facts the later steps and recovery need (thread, hosts, epoch, digests…), merged per operation. */
  data: z.record(z.string(), z.unknown()).optional(),
});
type JournalLine = z.infer<typeof JournalLine>;

export interface JournalEntry {
  op: string;
  side: JournalSide;
  phase: SourcePhase | DestinationPhase;
  /** Set once nothing more is owed to anyone for this operation; recovery skips it. */
  closed: boolean;
  data: Record<string, unknown>;
  lastAt: string;
}

// Which phase may follow which. The journal refuses anything else, so a bug can never write
// `aborted` after `committed` (or the reverse): the decision point stays single.
const next: Record<JournalSide, Record<string, readonly string[]>> = {
  source: {
    none: ['prepared'],
    // prepared → committed only when recovery adopts a commit the destination proves (a lost journal tail).
    prepared: ['prepared', 'frozen', 'committed', 'aborted'],
    frozen: ['frozen', 'committed', 'aborted'],
    committed: ['committed', 'moved'],
    moved: ['moved'],
    aborted: ['aborted'],
  },
  destination: {
    // A destination may learn of an operation from any message, including a late commit after it lost its journal.
    none: ['receiving', 'staged', 'committed', 'aborted'],
    receiving: ['receiving', 'staged', 'aborted'],
    // A new offer before any decision (the source rebuilt its pack after a cut) replaces the vote.
    staged: ['staged', 'receiving', 'committed', 'aborted'],
    committed: ['committed', 'applied'],
    applied: ['applied'],
    aborted: ['aborted', 'receiving'],
  },
};

export class JournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalError';
  }
}

export class Journal {
  readonly file: string;
  private fd: number;
  private seq = 0;
  private entries = new Map<string, JournalEntry>();

  /** Opens (creating if needed) the journal under `home`, dropping a torn last line. */
  constructor(home: string) {
    const dir = path.join(home, 'handoff');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'journal.jsonl');
    const validBytes = existsSync(this.file) ? this.load() : 0;
    this.fd = openSync(this.file, 'a', 0o600);
    // Drop a torn tail before appending, or the next line would be glued to it.
    ftruncateSync(this.fd, validBytes);
  }

  get(op: string): JournalEntry | undefined {
    const e = this.entries.get(op);
    return e && { ...e, data: { ...e.data } };
  }

  /** The phase of `op` on this host as `side`, 'none' when it never recorded one. */
  phase<S extends JournalSide>(op: string, side: S): Phase<S> {
    const e = this.entries.get(op);
    return (e && e.side === side ? e.phase : 'none') as Phase<S>;
  }

  /** Operations not closed yet: what recovery has to look at. */
  open(): JournalEntry[] {
    return [...this.entries.values()].filter((e) => !e.closed).map((e) => ({ ...e, data: { ...e.data } }));
  }

  all(): JournalEntry[] {
    return [...this.entries.values()].map((e) => ({ ...e, data: { ...e.data } }));
  }

  /**
   * Durably records that `op` reached `phase` on this host. Returns when the line is on disk.
   * Recording the phase it is already in is allowed (retries are idempotent) and merges `data`.
   */
  record<S extends JournalSide>(op: string, side: S, phase: Phase<S>, data?: Record<string, unknown>): JournalEntry {
    const cur = this.entries.get(op);
    if (cur && cur.side !== side) throw new JournalError(`Handoff ${op} is journaled here as ${cur.side}; it cannot also be ${side}.`);
    const from = cur?.phase ?? 'none';
    if (!next[side][from]?.includes(phase)) {
      throw new JournalError(`Handoff ${op}: the ${side} cannot go from "${from}" to "${phase}". This is a bug; the journal was not changed.`);
    }
    return this.append({ op, side, phase: phase as JournalLine['phase'], data });
  }

  /** Marks `op` as finished: nothing is owed to the other host any more. */
  close(op: string): void {
    const cur = this.entries.get(op);
    if (!cur || cur.closed) return;
    this.append({ op, side: cur.side, phase: 'closed' });
  }

  dispose(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  private append(l: { op: string; side: JournalSide; phase: JournalLine['phase']; data?: Record<string, unknown> }): JournalEntry {
    const line: JournalLine = JournalLine.parse({ ...l, seq: this.seq + 1, at: new Date().toISOString() });
    const bytes = Buffer.from(JSON.stringify(line) + '\n', 'utf8');
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    fsyncSync(this.fd);
    this.seq = line.seq;
    this.apply(line);
    return this.get(l.op)!;
  }

  private apply(line: JournalLine) {
    const cur = this.entries.get(line.op);
    if (line.phase === 'closed') {
      if (cur) cur.closed = true;
      return;
    }
    this.entries.set(line.op, {
      op: line.op,
      side: line.side,
      phase: line.phase as SourcePhase | DestinationPhase,
      closed: false,
      data: { ...cur?.data, ...line.data },
      lastAt: line.at,
    });
  }

  /** Reads the file; returns how many bytes hold whole, valid lines. */
  private load(): number {
    const buf = readFileSync(this.file);
    let offset = 0;
    let lineNo = 0;
    while (offset < buf.length) {
      lineNo += 1;
      const nl = buf.indexOf(0x0a, offset);
      if (nl < 0) return offset; // torn: the append it belonged to was never acknowledged
      const parsed = parse(buf.toString('utf8', offset, nl));
      if (!parsed) {
        if (nl === buf.length - 1) return offset; // a garbled last line is a torn append too
        throw new JournalError(
          `${this.file}:${lineNo} is corrupt. Baton did not change the file; handoffs stay paused on this host. Move the file aside only after checking the threads it names.`,
        );
      }
      this.seq = Math.max(this.seq, parsed.seq);
      this.apply(parsed);
      offset = nl + 1;
    }
    return offset;
  }
}

function parse(text: string): JournalLine | null {
  try {
    const r = JournalLine.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

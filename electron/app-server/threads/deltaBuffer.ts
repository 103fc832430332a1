// Streamed output is coalesced before it reaches the log. A command printing thousands of
// lines would otherwise cost one fsync'd append per chunk, and since the runtime awaits each
// chunk, the child process would be slowed to the disk's fsync rate. Chunks of one item are
// joined for up to `delayMs` or `maxBytes`, whichever comes first; any other write of the turn
// flushes them first, so the log keeps the order the runtime wrote in. A crash loses at most
// `delayMs` of output that was never acknowledged as durable anyway.
import type { ThreadEventBody } from '../../../shared/contracts/events';

type Delta = Extract<ThreadEventBody, { kind: 'item_delta' }>;

export class DeltaBuffer {
  private pending: { itemId: string; field: Delta['field']; chunks: string[]; bytes: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failure: unknown = null;

  constructor(
    private readonly write: (delta: Delta) => Promise<void>,
    private readonly delayMs = 50,
    private readonly maxBytes = 64 * 1024,
  ) {}

  async add(itemId: string, field: Delta['field'], chunk: string): Promise<void> {
    this.rethrow();
    if (this.pending && (this.pending.itemId !== itemId || this.pending.field !== field)) await this.flush();
    const p = (this.pending ??= { itemId, field, chunks: [], bytes: 0 });
    p.chunks.push(chunk);
    p.bytes += chunk.length;
    if (p.bytes >= this.maxBytes) {
      await this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        // Nobody awaits a timed flush: its failure (say, fenced) surfaces on the next call.
        this.flush().catch((e) => (this.failure ??= e));
      }, this.delayMs);
    }
  }

  /** Writes what is buffered now. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const p = this.pending;
    this.pending = null;
    if (p) await this.write({ kind: 'item_delta', itemId: p.itemId, field: p.field, chunk: p.chunks.join('') });
    this.rethrow();
  }

  private rethrow() {
    if (this.failure === null) return;
    const e = this.failure;
    this.failure = null;
    throw e;
  }
}

// Streams text into one transcript item without turning every read() into a log event: each
// append is an fsync'd line in the thread's log, and `npm install` emits thousands of chunks.
// Chunks are gathered for a short moment (or until a size limit) and written in order, one
// append at a time. `flush()` waits until everything pushed so far is in the log.
export class StreamWriter {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private error: unknown;

  constructor(
    /** Writes one chunk (TurnIO.appendToItem bound to the item and field). */
    private readonly append: (chunk: string) => Promise<void>,
    private readonly delayMs = 50,
    private readonly maxPending = 16 * 1024,
  ) {}

  push(chunk: string) {
    if (!chunk) return;
    this.pending += chunk;
    if (this.pending.length >= this.maxPending) this.send();
    else this.timer ??= setTimeout(() => this.send(), this.delayMs);
  }

  private send() {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const chunk = this.pending;
    this.pending = '';
    this.chain = this.chain
      .then(() => (this.error ? undefined : this.append(chunk)))
      .catch((e) => {
        this.error ??= e;
      });
  }

  /** Writes what is pending; rejects with the first append failure (e.g. the thread was fenced). */
  async flush(): Promise<void> {
    this.send();
    await this.chain;
    if (this.error) throw this.error;
  }
}

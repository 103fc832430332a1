// Reused buffers for outgoing Noise messages. A fresh 64 KiB allocation per message (and the
// garbage it leaves) cost the sender more than the copy itself; a buffer goes back to the pool
// only once the socket reports its write done, so a frame is never overwritten in flight.
import { MAX_NOISE_MESSAGE } from './cipher-state.js';

/** Messages below this size are joined in Node's small-buffer slab instead (cheap already). */
export const POOLED_MIN_BYTES = 16 * 1024;

export class FramePool {
  private free: Buffer[] = [];

  /** `keep` bounds the idle buffers held: a burst that needed more leaves the rest to the GC. */
  constructor(private readonly keep = 32) {}

  get idle(): number {
    return this.free.length;
  }

  /** A buffer of MAX_NOISE_MESSAGE bytes, owned by the caller until `give`. */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(MAX_NOISE_MESSAGE);
  }

  give(buf: Buffer): void {
    if (buf.length === MAX_NOISE_MESSAGE && this.free.length < this.keep) this.free.push(buf);
  }
}

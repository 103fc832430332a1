import { describe, expect, it } from 'vitest';
import { MAX_NOISE_MESSAGE } from './cipher-state.js';
import { FramePool } from './frame-pool.js';

describe('FramePool', () => {
  it('hands out distinct buffers while they are taken and reuses one only after it is given back', () => {
    const pool = new FramePool();
    const a = pool.take();
    const b = pool.take();
    expect(a.length).toBe(MAX_NOISE_MESSAGE);
    expect(a.buffer === b.buffer && a.byteOffset === b.byteOffset).toBe(false);
    pool.give(a);
    expect(pool.take()).toBe(a);
    expect(pool.take()).not.toBe(b);
  });

  it('keeps at most `keep` idle buffers, and never one of another size', () => {
    const pool = new FramePool(2);
    const taken = [pool.take(), pool.take(), pool.take()];
    for (const t of taken) pool.give(t);
    expect(pool.idle).toBe(2);
    pool.take();
    pool.give(Buffer.alloc(100));
    expect(pool.idle).toBe(1);
  });
});

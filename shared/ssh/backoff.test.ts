import { describe, expect, it } from 'vitest';
import { defaultBackoff, nextBackoffDelay } from './backoff.js';

describe('nextBackoffDelay (1 s base, 30 s cap, decorrelated jitter)', () => {
  it.each([
    // previous, random, expected
    [undefined, 0.9, 1000], // first retry: the base, no waiting longer than needed
    [1000, 0, 1000], // never below the base
    [1000, 1, 3000], // at most 3× the previous
    [1000, 0.5, 2000],
    [3000, 1, 9000],
    [9000, 1, 27_000],
    [27_000, 1, 30_000], // capped
    [30_000, 0.999, 30_000],
    [30_000, 0, 1000], // jitter may drop back to the base: spreads simultaneous clients
    [1000, -1, 1000], // out-of-range randoms are clamped
    [1000, 2, 3000],
  ])('previous %s, random %s → %i ms', (prev, r, expected) => {
    expect(nextBackoffDelay(prev, r, defaultBackoff)).toBe(expected);
  });

  it('stays within [base, cap] over a long outage', () => {
    let d: number | undefined;
    let rnd = 0.37;
    for (let i = 0; i < 200; i++) {
      rnd = (rnd * 9301 + 49297) % 233280 / 233280;
      d = nextBackoffDelay(d, rnd);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(30_000);
    }
  });
});

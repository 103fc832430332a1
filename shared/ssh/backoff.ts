// When to retry a dropped SSH connection. "Decorrelated jitter" (AWS architecture blog, 2015):
// each delay is random between the base and three times the previous delay, capped. Random
// spreads many laptops waking at once; the cap keeps a long outage from stretching retries out
// past 30 s; and because the delay grows, a host that stays down never sees a storm of logins.

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1000, capMs: 30_000 };

/**
 * The delay before the next attempt. `previousMs` is the delay used last time (undefined for the
 * first retry); `random` is in [0, 1) — injected so the tests can list exact cases.
 */
export function nextBackoffDelay(previousMs: number | undefined, random: number, policy: BackoffPolicy = defaultBackoff): number {
  const { baseMs, capMs } = policy;
  if (previousMs === undefined) return baseMs;
  const r = Math.min(Math.max(random, 0), 1);
  const upper = Math.max(baseMs, previousMs * 3);
  return Math.min(capMs, Math.round(baseMs + r * (upper - baseMs)));
}

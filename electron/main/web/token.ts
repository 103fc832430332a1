// The per-start secret of browser mode. Anyone who can reach 127.0.0.1 could otherwise drive the
// bridge (run commands through an agent), so every page load and WebSocket must present it, and
// the comparison takes the same time whatever the input.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant time over the secret: both sides are hashed first so lengths never leak or throw. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

// The bearer token on the WebSocket upgrade: a cheap first gate so that nothing reaches the Noise
// code without it. Compared in constant time over fixed-length digests, so neither the content
// nor the length of the expected token leaks through timing.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { TransportError } from './errors.js';
import { writePrivateFile } from './secure-file.js';

export const SERVE_TOKEN_FILE = 'serve.token';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** True when `header` is exactly `Bearer <expected>`. */
export function checkBearer(header: string | undefined, expected: string): boolean {
  const m = /^Bearer ([^\s]+)$/.exec(header ?? '');
  const given = m ? m[1] : '';
  // Always compare (even when the header is missing) so every refusal takes the same path.
  return timingSafeEqual(digest(given), digest(expected)) && m !== null;
}

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The token named by an environment variable (`--auth-token-env VAR`). */
export function tokenFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const v = env[name];
  if (!v) throw new TransportError('config', `The environment variable ${name} is not set or empty.`, `Set ${name} to the shared token, or omit the option to generate one.`);
  if (/\s/.test(v) || v.length < 16) throw new TransportError('config', `The token in ${name} must be at least 16 characters with no spaces.`);
  return v;
}

/** Writes a generated per-start token where only this user can read it; returns a remover. */
export function writeServeToken(home: string, token: string): { file: string; remove: () => void } {
  const file = path.join(home, SERVE_TOKEN_FILE);
  writePrivateFile(file, token + '\n');
  return { file, remove: () => rmSync(file, { force: true }) };
}

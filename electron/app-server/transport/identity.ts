// A host's long-term Noise identity: one X25519 static keypair per BATON_HOME, created on first
// use, kept in a 0600 file. Its fingerprint is what people compare (`baton identity`); its host
// id (a hash of the public key) names the server in the prologue and at the relay.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TransportError } from './errors.js';
import { assertPrivateMode, createPrivateFileExclusive } from './secure-file.js';

export interface StaticKeypair {
  publicKey: Buffer;
  secretKey: Buffer;
}

export const IDENTITY_FILE = 'identity.json';

/** BATON_HOME, or ~/.baton. */
export function batonHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.BATON_HOME && env.BATON_HOME.length > 0 ? path.resolve(env.BATON_HOME) : path.join(os.homedir(), '.baton');
}

export function generateStaticKeypair(): StaticKeypair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return {
    publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'),
    secretKey: Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'),
  };
}

/** The X25519 public key for a 32-byte secret, via node:crypto (no clamping surprises: it clamps). */
export function publicKeyFor(secretKey: Buffer): Buffer {
  const priv = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: secretKey.toString('base64url'), x: '' }, format: 'jwk' });
  return Buffer.from(createPublicKey(priv).export({ format: 'jwk' }).x!, 'base64url');
}

/** OpenSSH-style fingerprint of a raw 32-byte public key: `SHA256:` + unpadded base64. */
export function fingerprint(publicKey: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(publicKey).digest('base64').replace(/=+$/, '');
}

/**
 * The server's host id and relay rendezvous id: 32 hex digits of SHA-256("baton-host-id/1" || key).
 * Deriving it from the key means a client that knows the id has effectively pinned the key.
 */
export function hostIdFor(publicKey: Buffer): string {
  return createHash('sha256').update('baton-host-id/1').update(publicKey).digest('hex').slice(0, 32);
}

export function parsePublicKey(text: string, where: string): Buffer {
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32 || key.toString('base64') !== text) {
    throw new TransportError('identity-corrupt', `${where}: "${text}" is not a base64 X25519 public key (32 bytes).`, 'Copy the key again from `baton identity` on that host.');
  }
  return key;
}

/** Loads BATON_HOME's identity, creating it on first use. Refuses a key file with a loose mode. */
export function loadOrCreateIdentity(home: string = batonHome()): StaticKeypair {
  const file = path.join(home, IDENTITY_FILE);
  const fresh = generateStaticKeypair();
  const body = JSON.stringify({
    version: 1,
    type: 'x25519',
    publicKey: fresh.publicKey.toString('base64'),
    secretKey: fresh.secretKey.toString('base64'),
  }) + '\n';
  // Exclusive create: two processes starting at once must end up with the same identity.
  if (createPrivateFileExclusive(file, body)) return fresh;
  return loadIdentity(file);
}

function loadIdentity(file: string): StaticKeypair {
  assertPrivateMode(file);
  const corrupt = (why: string) =>
    new TransportError('identity-corrupt', `The identity file "${file}" is unreadable: ${why}.`, 'Restore it from a backup, or delete it to create a new identity (servers and clients that pinned the old key must then re-pair).');
  let parsed: { version?: unknown; type?: unknown; publicKey?: unknown; secretKey?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw corrupt((e as Error).message);
  }
  if (parsed.version !== 1 || parsed.type !== 'x25519' || typeof parsed.publicKey !== 'string' || typeof parsed.secretKey !== 'string') {
    throw corrupt('expected {"version":1,"type":"x25519","publicKey","secretKey"}');
  }
  const secretKey = Buffer.from(parsed.secretKey, 'base64');
  if (secretKey.length !== 32) throw corrupt('the secret key is not 32 bytes');
  const publicKey = publicKeyFor(secretKey);
  if (!publicKey.equals(Buffer.from(parsed.publicKey, 'base64'))) throw corrupt('the public key does not match the secret key');
  return { publicKey, secretKey };
}

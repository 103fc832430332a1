// The two trust lists, both plain text a person can read and edit, like OpenSSH's:
//   BATON_HOME/authorized_clients   "x25519 <base64 key> [comment]"   client keys a server accepts
//   BATON_HOME/known_servers        "<address> x25519 <base64 key>"   server keys a client pinned (TOFU)
// Both are re-read on every check so an edit applies to the next connection without a restart.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TransportError } from './errors.js';
import { fingerprint, parsePublicKey } from './identity.js';
import { assertPrivateMode, writePrivateFile } from './secure-file.js';

export const AUTHORIZED_CLIENTS_FILE = 'authorized_clients';
export const KNOWN_SERVERS_FILE = 'known_servers';

interface Line {
  text: string;
  /** Null for comments and blank lines, which are kept as they are on rewrite. */
  fields: string[] | null;
  lineNo: number;
}

function readLines(file: string): Line[] {
  if (!existsSync(file)) return [];
  assertPrivateMode(file);
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((text, i) => {
      const trimmed = text.trim();
      return { text, lineNo: i + 1, fields: trimmed === '' || trimmed.startsWith('#') ? null : trimmed.split(/\s+/) };
    })
    .filter((l, i, all) => !(i === all.length - 1 && l.text === ''));
}

function writeLines(file: string, lines: Line[]): void {
  writePrivateFile(file, lines.map((l) => l.text).join('\n') + (lines.length ? '\n' : ''));
}

// ---- authorized_clients ----

export interface AuthorizedClient {
  publicKey: Buffer;
  comment: string;
}

function parseClientLine(l: Line, file: string): AuthorizedClient {
  const [type, key, ...comment] = l.fields!;
  if (type !== 'x25519' || !key) {
    throw new TransportError('identity-corrupt', `${file}:${l.lineNo}: expected "x25519 <base64 key> [comment]".`, 'Fix or delete that line.');
  }
  return { publicKey: parsePublicKey(key, `${file}:${l.lineNo}`), comment: comment.join(' ') };
}

export function listAuthorizedClients(home: string): AuthorizedClient[] {
  const file = path.join(home, AUTHORIZED_CLIENTS_FILE);
  return readLines(file).filter((l) => l.fields).map((l) => parseClientLine(l, file));
}

export function isAuthorizedClient(home: string, publicKey: Buffer): boolean {
  return listAuthorizedClients(home).some((c) => c.publicKey.equals(publicKey));
}

/** Returns false when the key was already there. */
export function addAuthorizedClient(home: string, publicKey: Buffer, comment = ''): boolean {
  if (publicKey.length !== 32) throw new TransportError('config', 'A client key is 32 bytes.');
  if (/[\r\n]/.test(comment)) throw new TransportError('config', 'A key comment cannot contain a line break.');
  if (isAuthorizedClient(home, publicKey)) return false;
  const file = path.join(home, AUTHORIZED_CLIENTS_FILE);
  const lines = readLines(file);
  const text = `x25519 ${publicKey.toString('base64')}${comment ? ' ' + comment : ''}`;
  writeLines(file, [...lines, { text, fields: [], lineNo: 0 }]);
  return true;
}

/** Returns false when the key was not there. */
export function removeAuthorizedClient(home: string, publicKey: Buffer): boolean {
  const file = path.join(home, AUTHORIZED_CLIENTS_FILE);
  const lines = readLines(file);
  const kept = lines.filter((l) => !l.fields || !parseClientLine(l, file).publicKey.equals(publicKey));
  if (kept.length === lines.length) return false;
  writeLines(file, kept);
  return true;
}

// ---- known_servers ----

/**
 * How a server is named in known_servers: `host:port` for a direct URL (the host lowercased,
 * IPv6 in brackets), `relay:<host id>` for a server reached through a relay.
 */
export function serverAddressForUrl(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'wss:' ? '443' : '80');
  return `${u.hostname.toLowerCase()}:${port}`;
}

export function lookupKnownServer(home: string, address: string): { publicKey: Buffer; lineNo: number } | null {
  const file = path.join(home, KNOWN_SERVERS_FILE);
  for (const l of readLines(file)) {
    if (!l.fields || l.fields[0] !== address) continue;
    if (l.fields[1] !== 'x25519' || !l.fields[2]) {
      throw new TransportError('identity-corrupt', `${file}:${l.lineNo}: expected "<address> x25519 <base64 key>".`, 'Fix or delete that line.');
    }
    return { publicKey: parsePublicKey(l.fields[2], `${file}:${l.lineNo}`), lineNo: l.lineNo };
  }
  return null;
}

export function addKnownServer(home: string, address: string, publicKey: Buffer): void {
  if (/\s/.test(address) || address === '') throw new TransportError('config', `"${address}" is not a valid server address.`);
  const file = path.join(home, KNOWN_SERVERS_FILE);
  const lines = readLines(file).filter((l) => !l.fields || l.fields[0] !== address);
  writeLines(file, [...lines, { text: `${address} x25519 ${publicKey.toString('base64')}`, fields: [], lineNo: 0 }]);
}

export function removeKnownServer(home: string, address: string): boolean {
  const file = path.join(home, KNOWN_SERVERS_FILE);
  const lines = readLines(file);
  const kept = lines.filter((l) => !l.fields || l.fields[0] !== address);
  if (kept.length === lines.length) return false;
  writeLines(file, kept);
  return true;
}

/**
 * Trust on first use: 'known' when the stored key matches, 'new' when there was none (the caller
 * records it once the handshake succeeds). A different key is a hard failure, never a prompt.
 */
export function checkKnownServer(home: string, address: string, publicKey: Buffer): 'known' | 'new' {
  const known = lookupKnownServer(home, address);
  if (!known) return 'new';
  if (known.publicKey.equals(publicKey)) return 'known';
  const file = path.join(home, KNOWN_SERVERS_FILE);
  throw new TransportError(
    'host-key-changed',
    [
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
      'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
      'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
      'It is also possible that the Baton server key has just been changed.',
      `The fingerprint for the key sent by the Baton server at ${address} is`,
      `${fingerprint(publicKey)}.`,
      `Offending key in ${file}:${known.lineNo} (${fingerprint(known.publicKey)}).`,
      'Host key verification failed.',
    ].join('\n'),
    `If the server's identity really changed, check its fingerprint with \`baton identity\` on that host, then remove line ${known.lineNo} of ${file}.`,
  );
}

// Host-key checking against OpenSSH's known_hosts format: plain and hashed (`|1|salt|hmac`)
// host fields, `[host]:port` names, wildcard and negated patterns, and `@revoked` markers.
// Two files are read: the user's ~/.ssh/known_hosts (never written) and Baton's own, where keys
// the user accepts are appended. A key that differs from a known one is a hard failure.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  hosts: string;
  keyType: string;
  key: Buffer;
}

/** OpenSSH's fingerprint format: `SHA256:` + unpadded base64 of the key blob's SHA-256. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The algorithm name at the start of an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`…). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  if (len > 64 || 4 + len > keyBlob.length) return 'unknown';
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** How OpenSSH names a key type in its warnings (ED25519, ECDSA, RSA). */
export function keyTypeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  if (keyType === 'ssh-dss') return 'DSA';
  return keyType;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) return;
    const key = Buffer.from(b64, 'base64');
    if (!key.length) return;
    out.push({ file, line: i + 1, ...(marker ? { marker } : {}), hosts, keyType, key });
  });
  return out;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Does a known_hosts host field (hashed, or a comma list of patterns) name `name`? */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt64, hash64] = field.split('|');
    if (!salt64 || !hash64) return false;
    const want = Buffer.from(hash64, 'base64');
    const got = createHmac('sha1', Buffer.from(salt64, 'base64')).update(name).digest();
    return want.length === got.length && timingSafeEqual(want, got);
  }
  let matched = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (globToRegExp(p.slice(1)).test(name)) return false;
    } else if (globToRegExp(p).test(name)) {
      matched = true;
    }
  }
  return matched;
}

export type HostKeyCheck =
  | { kind: 'known'; entry: KnownHostEntry }
  | { kind: 'revoked'; entry: KnownHostEntry }
  | { kind: 'changed'; entry: KnownHostEntry }
  /** `otherTypes`: key types on file for this host that the server did not present. */
  | { kind: 'unknown'; otherTypes: string[] };

/** The decision: is this key known, revoked, different from the one on file, or new? */
export function checkHostKey(entries: KnownHostEntry[], name: string, keyBlob: Buffer): HostKeyCheck {
  const type = keyTypeOf(keyBlob);
  const mine = entries.filter((e) => e.marker !== 'cert-authority' && hostFieldMatches(e.hosts, name));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(keyBlob));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const same = mine.find((e) => !e.marker && e.key.equals(keyBlob));
  if (same) return { kind: 'known', entry: same };
  const changed = mine.find((e) => !e.marker && e.keyType === type);
  if (changed) return { kind: 'changed', entry: changed };
  return { kind: 'unknown', otherTypes: [...new Set(mine.filter((e) => !e.marker).map((e) => e.keyType))] };
}

/** Key types on file for `name`, so the client can ask the server for one it already knows. */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => !e.marker && hostFieldMatches(e.hosts, name)).map((e) => e.keyType))];
}

export function readKnownHostsFiles(files: string[]): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    out.push(...parseKnownHosts(text, f));
  }
  return out;
}

/** Appends an accepted key to Baton's own known-hosts file (created 0600). */
export function appendKnownHost(file: string, name: string, keyBlob: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${name} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}\n`, { mode: 0o600 });
}

/** OpenSSH's wording, so people who know it recognise it. */
export function changedKeyWarning(name: string, keyBlob: Buffer, offending: KnownHostEntry): string {
  const label = keyTypeLabel(keyTypeOf(keyBlob));
  return [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
    'It is also possible that a host key has just been changed.',
    `The fingerprint for the ${label} key sent by the remote host is`,
    `${fingerprintSha256(keyBlob)}.`,
    `Offending ${keyTypeLabel(offending.keyType)} key in ${offending.file}:${offending.line}`,
    `Host key for ${name} has changed. Baton will not connect.`,
  ].join('\n');
}

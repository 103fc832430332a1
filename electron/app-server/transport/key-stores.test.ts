import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint, generateStaticKeypair, hostIdFor, IDENTITY_FILE, loadOrCreateIdentity } from './identity.js';
import {
  addAuthorizedClient,
  addKnownServer,
  checkKnownServer,
  isAuthorizedClient,
  listAuthorizedClients,
  removeAuthorizedClient,
  removeKnownServer,
  serverAddressForUrl,
} from './key-stores.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'baton-keys-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('identity', () => {
  it('is created once with mode 0600 and loaded the same afterwards', () => {
    const a = loadOrCreateIdentity(home);
    expect(statSync(path.join(home, IDENTITY_FILE)).mode & 0o777).toBe(0o600);
    const b = loadOrCreateIdentity(home);
    expect(b.publicKey.equals(a.publicKey) && b.secretKey.equals(a.secretKey)).toBe(true);
  });

  it('refuses a key file readable by others, naming the fix', () => {
    loadOrCreateIdentity(home);
    chmodSync(path.join(home, IDENTITY_FILE), 0o644);
    expect(() => loadOrCreateIdentity(home)).toThrow(/too open[\s\S]*/);
    try {
      loadOrCreateIdentity(home);
    } catch (e) {
      expect((e as { code: string; hint: string }).code).toBe('identity-unsafe');
      expect((e as { hint: string }).hint).toMatch(/chmod 600/);
    }
  });

  it('refuses a corrupt file and a public key that does not match its secret', () => {
    const file = path.join(home, IDENTITY_FILE);
    writeFileSync(file, 'not json', { mode: 0o600 });
    expect(() => loadOrCreateIdentity(home)).toThrow(expect.objectContaining({ code: 'identity-corrupt' }));
    const k = generateStaticKeypair();
    const other = generateStaticKeypair();
    writeFileSync(file, JSON.stringify({ version: 1, type: 'x25519', publicKey: other.publicKey.toString('base64'), secretKey: k.secretKey.toString('base64') }));
    expect(() => loadOrCreateIdentity(home)).toThrow(/does not match/);
  });

  it('prints an OpenSSH-style fingerprint and a 32-hex host id', () => {
    const k = Buffer.alloc(32, 7);
    expect(fingerprint(k)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(hostIdFor(k)).toMatch(/^[0-9a-f]{32}$/);
    expect(hostIdFor(k)).not.toBe(hostIdFor(Buffer.alloc(32, 8)));
  });
});

describe('authorized_clients', () => {
  it('adds, checks, lists and removes keys, keeping comments and mode 0600', () => {
    const a = generateStaticKeypair().publicKey;
    const b = generateStaticKeypair().publicKey;
    expect(isAuthorizedClient(home, a)).toBe(false);
    expect(addAuthorizedClient(home, a, 'laptop')).toBe(true);
    expect(addAuthorizedClient(home, a, 'again')).toBe(false);
    addAuthorizedClient(home, b);
    const file = path.join(home, 'authorized_clients');
    writeFileSync(file, '# hand-written comment\n' + readFileSync(file, 'utf8'), { mode: 0o600 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(listAuthorizedClients(home).map((c) => c.comment)).toEqual(['laptop', '']);
    expect(removeAuthorizedClient(home, a)).toBe(true);
    expect(removeAuthorizedClient(home, a)).toBe(false);
    expect(isAuthorizedClient(home, a)).toBe(false);
    expect(isAuthorizedClient(home, b)).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/^# hand-written comment\n/);
  });

  it('names the line of a malformed entry', () => {
    writeFileSync(path.join(home, 'authorized_clients'), 'x25519 AAAA\n', { mode: 0o600 });
    expect(() => listAuthorizedClients(home)).toThrow(/authorized_clients:1/);
  });

  it('refuses a list others can write', () => {
    addAuthorizedClient(home, generateStaticKeypair().publicKey);
    chmodSync(path.join(home, 'authorized_clients'), 0o666);
    expect(() => listAuthorizedClients(home)).toThrow(expect.objectContaining({ code: 'identity-unsafe' }));
  });
});

describe('known_servers (TOFU)', () => {
  it('is new, then known, and a changed key is a hard failure with the OpenSSH warning', () => {
    const k = generateStaticKeypair().publicKey;
    const evil = generateStaticKeypair().publicKey;
    const addr = serverAddressForUrl('wss://GPU-Box.example:8443/x');
    expect(addr).toBe('gpu-box.example:8443');
    expect(checkKnownServer(home, addr, k)).toBe('new');
    addKnownServer(home, addr, k);
    expect(checkKnownServer(home, addr, k)).toBe('known');
    expect(checkKnownServer(home, 'other:1', evil)).toBe('new');
    let err: { code?: string; message?: string; hint?: string } = {};
    try {
      checkKnownServer(home, addr, evil);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('host-key-changed');
    expect(err.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(err.message).toContain(fingerprint(evil));
    expect(err.message).toMatch(/known_servers:1/);
    expect(err.hint).toMatch(/remove line 1/);
    expect(removeKnownServer(home, addr)).toBe(true);
    expect(checkKnownServer(home, addr, evil)).toBe('new');
  });

  it('defaults the port from the scheme', () => {
    expect(serverAddressForUrl('wss://h')).toBe('h:443');
    expect(serverAddressForUrl('ws://[::1]:9/')).toBe('[::1]:9');
  });
});

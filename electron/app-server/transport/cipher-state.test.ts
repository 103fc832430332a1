// CipherState checked against libsodium (an independent ChaCha20-Poly1305), at the nonces where a
// 32-bit implementation breaks and at the end of the 64-bit space.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CipherState, MAX_NOISE_MESSAGE, RESERVED_NONCE } from './cipher-state.js';

const sodium = createRequire(import.meta.url)('sodium-native');

function sodiumEncrypt(k: Buffer, n: bigint, ad: Buffer, pt: Buffer): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64LE(n, 4);
  const out = Buffer.alloc(pt.length + 16);
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, pt, ad, null, nonce, k);
  return out;
}

describe('CipherState', () => {
  const key = randomBytes(32);
  const pt = Buffer.from('baton transport');

  it.each([0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 0x1234_5678_9abc_def0n, RESERVED_NONCE - 1n])('encrypts with the 64-bit LE nonce %s like libsodium', (n) => {
    const c = new CipherState(key);
    if (n > 0n) c.setNonce(n);
    expect(c.encrypt(pt).equals(sodiumEncrypt(key, n, Buffer.alloc(0), pt))).toBe(true);
  });

  it('does not reuse nonce 0 at 2^32 (the 32-bit bug)', () => {
    const c = new CipherState(key);
    c.setNonce(0x1_0000_0000n);
    expect(c.encrypt(pt).equals(new CipherState(key).encrypt(pt))).toBe(false);
  });

  it('REKEY is the first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zeros) and keeps n', () => {
    const c = new CipherState(key);
    c.encrypt(pt);
    c.rekey();
    expect(c.nonce).toBe(1n);
    const k2 = sodiumEncrypt(key, RESERVED_NONCE, Buffer.alloc(0), Buffer.alloc(32)).subarray(0, 32);
    expect(c.encrypt(pt).equals(sodiumEncrypt(k2, 1n, Buffer.alloc(0), pt))).toBe(true);
  });

  it('refuses to encrypt or decrypt once n reaches 2^64-1, never wraps', () => {
    const tx = new CipherState(key);
    const rx = new CipherState(key);
    tx.setNonce(RESERVED_NONCE - 1n);
    rx.setNonce(RESERVED_NONCE - 1n);
    expect(rx.decrypt(tx.encrypt(pt)).equals(pt)).toBe(true);
    expect(() => tx.encrypt(pt)).toThrow(expect.objectContaining({ code: 'nonce-exhausted' }));
    expect(() => rx.decrypt(Buffer.alloc(32))).toThrow(expect.objectContaining({ code: 'nonce-exhausted' }));
    expect(() => tx.setNonce(RESERVED_NONCE)).toThrow();
  });

  it('rejects a tampered, replayed or short message and does not advance n', () => {
    const tx = new CipherState(key);
    const rx = new CipherState(key);
    const m0 = tx.encrypt(pt);
    const m1 = tx.encrypt(pt);
    const bad = Buffer.from(m0);
    bad[3] ^= 1;
    expect(() => rx.decrypt(bad)).toThrow(expect.objectContaining({ code: 'decrypt-failed' }));
    expect(() => rx.decrypt(m1)).toThrow(expect.objectContaining({ code: 'decrypt-failed' })); // reordered
    expect(() => rx.decrypt(Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'decrypt-failed' }));
    expect(rx.nonce).toBe(0n);
    expect(rx.decrypt(m0).equals(pt)).toBe(true);
    expect(() => rx.decrypt(m0)).toThrow(expect.objectContaining({ code: 'decrypt-failed' })); // replayed
  });

  it('encrypting into a given buffer writes the same message there, in parts or whole', () => {
    const into = Buffer.alloc(MAX_NOISE_MESSAGE, 0xee);
    const body = randomBytes(40_000);
    const header = Buffer.from([1, 4]);
    const viaInto = new CipherState(key).encrypt([header, body], into);
    const fresh = new CipherState(key).encrypt(Buffer.concat([header, body]));
    expect(viaInto.buffer).toBe(into.buffer);
    expect(viaInto.byteOffset).toBe(into.byteOffset);
    expect(viaInto.equals(fresh)).toBe(true);
    expect(viaInto.equals(sodiumEncrypt(key, 0n, Buffer.alloc(0), Buffer.concat([header, body])))).toBe(true);
    const rx = new CipherState(key);
    expect(rx.decrypt(viaInto).equals(Buffer.concat([header, body]))).toBe(true);
  });

  it('refuses a buffer too small for the message, without using the nonce', () => {
    const c = new CipherState(key);
    expect(() => c.encrypt(pt, Buffer.alloc(pt.length + 15))).toThrow(expect.objectContaining({ code: 'config' }));
    expect(c.nonce).toBe(0n);
  });

  it('caps a Noise message at 65,535 bytes', () => {
    const c = new CipherState(key);
    expect(c.encrypt(Buffer.alloc(65535 - 16)).length).toBe(65535);
    expect(() => c.encrypt(Buffer.alloc(65535 - 15))).toThrow(expect.objectContaining({ code: 'message-too-large' }));
  });
});

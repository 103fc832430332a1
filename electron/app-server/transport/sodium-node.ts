// The part of libsodium that noise-handshake calls, on node:crypto. `baton serve` ships as one
// bundled file uploaded to hosts where sodium-native (a compiled add-on loaded from prebuilds next
// to its own source) cannot load; node:crypto has everything needed: BLAKE2b-512, ChaCha20-Poly1305
// and X25519. build.mjs aliases `sodium-universal` to this file (bundle-alias.mjs);
// sodium-node.test.ts checks each function against libsodium and runs the Noise vectors on it.
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';

export const crypto_aead_chacha20poly1305_ietf_NPUBBYTES = 12;
export const crypto_aead_chacha20poly1305_ietf_ABYTES = 16;
export const crypto_aead_chacha20poly1305_ietf_KEYBYTES = 32;
export const crypto_scalarmult_BYTES = 32;
export const crypto_scalarmult_SCALARBYTES = 32;
export const crypto_kx_SEEDBYTES = 32;
export const crypto_generichash_BYTES_MAX = 64;

export function sodium_memzero(buf: Uint8Array): void {
  buf.fill(0);
}

function blake2b512(out: Uint8Array, parts: Uint8Array[], key?: Uint8Array | null): void {
  // Only what noise-handshake uses: unkeyed, 64-byte output. Other sizes are a different BLAKE2b
  // parameter block that node:crypto cannot produce, so they are refused rather than faked.
  if (out.length !== 64 || (key && key.length > 0)) throw new Error('sodium-node: only unkeyed 64-byte BLAKE2b is supported');
  const h = createHash('blake2b512');
  for (const p of parts) h.update(p);
  out.set(h.digest());
}

export function crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array | null): void {
  blake2b512(out, [input], key);
}

export function crypto_generichash_batch(out: Uint8Array, inputs: Uint8Array[], key?: Uint8Array | null): void {
  blake2b512(out, inputs, key);
}

export function crypto_aead_chacha20poly1305_ietf_encrypt(c: Uint8Array, m: Uint8Array, ad: Uint8Array | null, _nsec: null, npub: Uint8Array, k: Uint8Array): number {
  const cipher = createCipheriv('chacha20-poly1305', k, npub, { authTagLength: 16 });
  if (ad) cipher.setAAD(ad, { plaintextLength: m.length });
  const body = cipher.update(m);
  cipher.final();
  c.set(body, 0);
  c.set(cipher.getAuthTag(), body.length);
  return body.length + 16;
}

export function crypto_aead_chacha20poly1305_ietf_decrypt(m: Uint8Array, _nsec: null, c: Uint8Array, ad: Uint8Array | null, npub: Uint8Array, k: Uint8Array): number {
  if (c.length < 16) throw new Error('could not verify data');
  const d = createDecipheriv('chacha20-poly1305', k, npub, { authTagLength: 16 });
  if (ad) d.setAAD(ad, { plaintextLength: c.length - 16 });
  d.setAuthTag(c.subarray(c.length - 16));
  const body = d.update(c.subarray(0, c.length - 16));
  try {
    d.final();
  } catch {
    throw new Error('could not verify data');
  }
  m.set(body);
  return body.length;
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const privateKey = (n: Uint8Array): KeyObject => createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(n), x: '' }, format: 'jwk' });
const publicKey = (p: Uint8Array): KeyObject => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(p) }, format: 'jwk' });

/** X25519(n, p). Like libsodium, refuses an all-zero result (a low-order point). */
export function crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: privateKey(n), publicKey: publicKey(p) });
  } catch {
    throw new Error('crypto_scalarmult failed');
  }
  if (shared.every((x) => x === 0)) throw new Error('crypto_scalarmult failed');
  q.set(shared);
}

export function crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void {
  q.set(Buffer.from(createPublicKey(privateKey(n)).export({ format: 'jwk' }).x!, 'base64url'));
}

export function crypto_kx_keypair(pk: Uint8Array, sk: Uint8Array): void {
  const pair = generateKeyPairSync('x25519');
  sk.set(Buffer.from(pair.privateKey.export({ format: 'jwk' }).d!, 'base64url'));
  pk.set(Buffer.from(pair.publicKey.export({ format: 'jwk' }).x!, 'base64url'));
}

export function crypto_kx_seed_keypair(): void {
  // libsodium derives the key with a 32-byte BLAKE2b, which node:crypto lacks; Baton never uses it.
  throw new Error('sodium-node: crypto_kx_seed_keypair is not supported');
}

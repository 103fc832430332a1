// The Noise CipherState (spec rev 34 §5.1) for transport messages, written to the spec rather
// than taken from noise-handshake, whose Cipher writes only a 32-bit nonce (2^32 would reuse 0)
// and has no Rekey. ChaChaPoly (§12.3) via node:crypto: nonce = 4 zero bytes || 64-bit LE n.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { TransportError } from './errors.js';

export const TAG_LEN = 16;
export const MAX_NOISE_MESSAGE = 65535;
/** 2^64-1 is reserved (§5.1): n may never take it, and REKEY uses it as its nonce. */
export const RESERVED_NONCE = 0xffff_ffff_ffff_ffffn;

function nonceBytes(n: bigint): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64LE(n, 4);
  return iv;
}

/**
 * `plaintext` may come in parts (a frame header and its body): encrypting them in sequence saves a
 * copy. With `into`, the message is written there (a reused frame buffer) and a view of it is
 * returned: node:crypto hands each update back in a fresh allocation, and copying those into a
 * warm buffer costs a fraction of joining them into a new one (issue 9's profile).
 */
export function chachaEncrypt(k: Buffer, n: bigint, ad: Buffer, plaintext: Buffer | Buffer[], into?: Buffer): Buffer {
  const parts = Array.isArray(plaintext) ? plaintext : [plaintext];
  const length = parts.reduce((sum, p) => sum + p.length, 0);
  if (into && into.length < length + TAG_LEN) throw new TransportError('config', `A ${into.length}-byte buffer cannot hold a ${length + TAG_LEN}-byte message.`);
  const c = createCipheriv('chacha20-poly1305', k, nonceBytes(n), { authTagLength: TAG_LEN });
  c.setAAD(ad, { plaintextLength: length });
  const out = parts.map((p) => c.update(p));
  c.final();
  out.push(c.getAuthTag());
  if (!into) return Buffer.concat(out, length + TAG_LEN);
  let at = 0;
  for (const o of out) at += o.copy(into, at);
  return into.subarray(0, at);
}

/** Throws on an authentication failure. */
export function chachaDecrypt(k: Buffer, n: bigint, ad: Buffer, ciphertext: Buffer): Buffer {
  if (ciphertext.length < TAG_LEN) throw new TransportError('decrypt-failed', `A Noise message of ${ciphertext.length} bytes is shorter than its 16-byte tag.`);
  const d = createDecipheriv('chacha20-poly1305', k, nonceBytes(n), { authTagLength: TAG_LEN });
  d.setAAD(ad, { plaintextLength: ciphertext.length - TAG_LEN });
  d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_LEN));
  const body = d.update(ciphertext.subarray(0, ciphertext.length - TAG_LEN));
  try {
    d.final();
  } catch {
    throw new TransportError('decrypt-failed', 'A transport message failed authentication: it was altered, replayed, reordered or sent under another key.');
  }
  return body;
}

const EMPTY = Buffer.alloc(0);

export class CipherState {
  private k: Buffer;
  private n = 0n;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new TransportError('config', 'A cipher key is 32 bytes.');
    this.k = Buffer.from(key);
  }

  get nonce(): bigint {
    return this.n;
  }

  /** §5.1 SetNonce. Used here only by tests that start a session near the end of the nonce space. */
  setNonce(n: bigint): void {
    if (n < 0n || n >= RESERVED_NONCE) throw new TransportError('config', `Nonce ${n} is outside 0..2^64-2.`);
    this.n = n;
  }

  /** With `into`, the message is written into that buffer and a view of it returned. */
  encryptWithAd(ad: Buffer, plaintext: Buffer | Buffer[], into?: Buffer): Buffer {
    this.checkNonce();
    const length = Array.isArray(plaintext) ? plaintext.reduce((sum, p) => sum + p.length, 0) : plaintext.length;
    if (length + TAG_LEN > MAX_NOISE_MESSAGE) {
      throw new TransportError('message-too-large', `A Noise message may carry at most ${MAX_NOISE_MESSAGE - TAG_LEN} bytes of plaintext, not ${length}.`);
    }
    const out = chachaEncrypt(this.k, this.n, ad, plaintext, into);
    this.n += 1n;
    return out;
  }

  /** On failure n is not incremented (§5.1); the channel closes anyway. */
  decryptWithAd(ad: Buffer, ciphertext: Buffer): Buffer {
    this.checkNonce();
    if (ciphertext.length > MAX_NOISE_MESSAGE) throw new TransportError('message-too-large', `A Noise message of ${ciphertext.length} bytes exceeds ${MAX_NOISE_MESSAGE}.`);
    const out = chachaDecrypt(this.k, this.n, ad, ciphertext);
    this.n += 1n;
    return out;
  }

  encrypt(plaintext: Buffer | Buffer[], into?: Buffer): Buffer {
    return this.encryptWithAd(EMPTY, plaintext, into);
  }

  decrypt(ciphertext: Buffer): Buffer {
    return this.decryptWithAd(EMPTY, ciphertext);
  }

  /** §4.2 default REKEY: k = first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zero bytes). n is kept (§11.3). */
  rekey(): void {
    this.k = chachaEncrypt(this.k, RESERVED_NONCE, EMPTY, Buffer.alloc(32)).subarray(0, 32);
  }

  private checkNonce(): void {
    if (this.n >= RESERVED_NONCE) {
      throw new TransportError('nonce-exhausted', 'This session has used all 2^64-1 nonces of its key.', 'Reconnect: a new handshake starts fresh keys.');
    }
  }
}

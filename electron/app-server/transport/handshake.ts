// The Noise handshake: noise-handshake's state machine (its hash is fixed to BLAKE2b and its DH to
// 25519 — exactly Noise_{IK,XX}_25519_ChaChaPoly_BLAKE2b), with our CipherState for what follows.
// Every failure inside it becomes one typed 'handshake-failed' error: a peer must not learn which
// step failed.
import NoiseState from 'noise-handshake';
import { CipherState, MAX_NOISE_MESSAGE } from './cipher-state.js';
import { TransportError } from './errors.js';
import type { StaticKeypair } from './identity.js';

export type Pattern = 'IK' | 'XX';

export const protocolName = (pattern: Pattern) => `Noise_${pattern}_25519_ChaChaPoly_BLAKE2b`;

export interface HandshakeOptions {
  pattern: Pattern;
  initiator: boolean;
  staticKeypair: StaticKeypair;
  prologue: Buffer;
  /** The responder's static key; required for an IK initiator. */
  remoteStatic?: Buffer;
  /** Fixed ephemeral keypair: test vectors only. */
  ephemeral?: StaticKeypair;
}

export interface TransportKeys {
  send: CipherState;
  recv: CipherState;
  handshakeHash: Buffer;
  remoteStatic: Buffer;
}

export class Handshake {
  private readonly state: NoiseState;
  private failed = false;

  constructor(opts: HandshakeOptions) {
    if (opts.pattern === 'IK' && opts.initiator && !opts.remoteStatic) {
      throw new TransportError('config', 'An IK initiator needs the server key it pinned.');
    }
    // Copies: noise-handshake zeroes the keys it was given when it finishes.
    const s = { publicKey: Buffer.from(opts.staticKeypair.publicKey), secretKey: Buffer.from(opts.staticKeypair.secretKey) };
    this.state = new NoiseState(opts.pattern, opts.initiator, s);
    if (opts.ephemeral) this.state.e = { publicKey: Buffer.from(opts.ephemeral.publicKey), secretKey: Buffer.from(opts.ephemeral.secretKey) };
    this.state.initialise(opts.prologue, opts.remoteStatic ? Buffer.from(opts.remoteStatic) : undefined);
  }

  get complete(): boolean {
    return this.state.complete;
  }

  /** The peer's static key, once a message carrying or implying it was processed. */
  get remoteStatic(): Buffer | null {
    return this.state.rs ? Buffer.from(this.state.rs) : null;
  }

  writeMessage(payload: Buffer = Buffer.alloc(0)): Buffer {
    this.guard();
    try {
      const msg = this.state.send(payload);
      if (msg.length > MAX_NOISE_MESSAGE) throw new Error('handshake message too large');
      return Buffer.from(msg);
    } catch (e) {
      this.failed = true;
      throw new TransportError('handshake-failed', `Could not write Noise handshake message: ${(e as Error).message}.`);
    }
  }

  readMessage(message: Buffer): Buffer {
    this.guard();
    try {
      if (message.length > MAX_NOISE_MESSAGE) throw new Error('message too large');
      // A copy: noise-handshake keeps views into the message and zeroes them when it finishes.
      return Buffer.from(this.state.recv(Buffer.from(message)));
    } catch {
      this.failed = true;
      throw new TransportError(
        'handshake-failed',
        'A Noise handshake message did not decrypt: it was altered, or the peer uses another key, protocol version or host id.',
        'Check that both sides run the same Baton version and that the pinned server key is current.',
      );
    }
  }

  /** After the last message: the two transport CipherStates (§5.2 Split). */
  split(): TransportKeys {
    if (!this.state.complete || !this.state.tx || !this.state.rx || !this.state.hash || !this.state.rs) {
      throw new TransportError('handshake-failed', 'The handshake is not complete.');
    }
    const keys = {
      send: new CipherState(this.state.tx),
      recv: new CipherState(this.state.rx),
      handshakeHash: Buffer.from(this.state.hash),
      remoteStatic: Buffer.from(this.state.rs),
    };
    this.state.tx.fill(0);
    this.state.rx.fill(0);
    return keys;
  }

  private guard(): void {
    if (this.failed) throw new TransportError('handshake-failed', 'This handshake already failed.');
    if (this.state.complete) throw new TransportError('handshake-failed', 'The handshake is already complete.');
  }
}

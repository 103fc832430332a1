// Types for the parts of noise-handshake 4.2 (plain CommonJS, no typings) that handshake.ts uses.
declare module 'noise-handshake' {
  interface Keypair {
    publicKey: Buffer;
    secretKey: Buffer;
  }
  class NoiseState {
    constructor(pattern: 'IK' | 'XX' | 'NN' | 'XK', initiator: boolean, staticKeypair?: Keypair | null, opts?: object);
    s: Keypair;
    e: Keypair | null;
    rs: Buffer | null;
    complete: boolean;
    tx: Buffer | null;
    rx: Buffer | null;
    hash: Buffer | null;
    handshake: unknown[];
    initialise(prologue: Buffer, remoteStatic?: Buffer): void;
    send(payload?: Buffer): Buffer;
    recv(message: Buffer): Buffer;
  }
  export = NoiseState;
}

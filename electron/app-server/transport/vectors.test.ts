// The public cacophony vectors through OUR code: noise-handshake driven by handshake.ts for the
// handshake, then cipher-state.ts for every transport message. Matching them shows the handshake
// bytes, the handshake hash, the key split and the 64-bit transport nonce are standard Noise.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Handshake, protocolName, type Pattern } from './handshake.js';
import { publicKeyFor } from './identity.js';

interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_static: string;
  init_ephemeral: string;
  init_remote_static?: string;
  resp_prologue: string;
  resp_static: string;
  resp_ephemeral: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
const { vectors } = JSON.parse(readFileSync(path.join(here, 'testdata', 'cacophony-ik-xx-blake2b.json'), 'utf8')) as { vectors: Vector[] };
const hex = (s: string) => Buffer.from(s, 'hex');
const keypair = (secret: string) => ({ secretKey: hex(secret), publicKey: publicKeyFor(hex(secret)) });

describe.each(['IK', 'XX'] as Pattern[])('cacophony vector %s', (pattern) => {
  const v = vectors.find((x) => x.protocol_name === protocolName(pattern))!;

  it('is present', () => expect(v).toBeDefined());

  it('matches handshake bytes, handshake hash and transport messages', () => {
    const init = new Handshake({
      pattern,
      initiator: true,
      staticKeypair: keypair(v.init_static),
      ephemeral: keypair(v.init_ephemeral),
      prologue: hex(v.init_prologue),
      remoteStatic: v.init_remote_static ? hex(v.init_remote_static) : undefined,
    });
    const resp = new Handshake({
      pattern,
      initiator: false,
      staticKeypair: keypair(v.resp_static),
      ephemeral: keypair(v.resp_ephemeral),
      prologue: hex(v.resp_prologue),
    });
    const handshakeLength = pattern === 'IK' ? 2 : 3;
    let i = 0;
    for (; i < handshakeLength; i++) {
      const [writer, reader] = i % 2 === 0 ? [init, resp] : [resp, init];
      const m = v.messages[i];
      const wire = writer.writeMessage(hex(m.payload));
      expect(wire.toString('hex'), `handshake message ${i + 1}`).toBe(m.ciphertext);
      expect(reader.readMessage(wire).toString('hex')).toBe(m.payload);
    }
    expect(init.complete && resp.complete).toBe(true);
    const a = init.split();
    const b = resp.split();
    expect(a.handshakeHash.toString('hex')).toBe(v.handshake_hash);
    expect(b.handshakeHash.toString('hex')).toBe(v.handshake_hash);
    expect(a.remoteStatic.equals(publicKeyFor(hex(v.resp_static)))).toBe(true);
    expect(b.remoteStatic.equals(publicKeyFor(hex(v.init_static)))).toBe(true);

    const transport = v.messages.slice(handshakeLength);
    expect(transport.length).toBeGreaterThan(0);
    for (const [j, m] of transport.entries()) {
      // Transport messages keep alternating, starting with the side that did not send last.
      const initiatorSends = (handshakeLength + j) % 2 === 0;
      const [tx, rx] = initiatorSends ? [a.send, b.recv] : [b.send, a.recv];
      const wire = tx.encrypt(hex(m.payload));
      expect(wire.toString('hex'), `transport message ${j + 1}`).toBe(m.ciphertext);
      expect(rx.decrypt(wire).toString('hex')).toBe(m.payload);
    }
  });
});

// PROTOCOL.md §4 claims to be enough for an independent implementation. This client is written
// from that text alone — noise-handshake used directly, ChaCha20-Poly1305 and framing by hand,
// no code from session.ts, channel.ts or framing.ts — and must interoperate with our server.
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import NoiseState from 'noise-handshake';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SecureChannel } from './channel.js';
import { fingerprint, hostIdFor } from './identity.js';
import { buildPrologue } from './prologue.js';
import { startPair, until } from './test-fixtures.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

// ---- an independent client, from PROTOCOL.md §4 ----

const docHostId = (pub: Buffer) => createHash('sha256').update('baton-host-id/1').update(pub).digest().subarray(0, 16).toString('hex');
const docPrologue = (hostId: string) => Buffer.concat([Buffer.from('baton/noise', 'ascii'), Buffer.from([0x00, 0x01, hostId.length]), Buffer.from(hostId, 'ascii')]);

class DocCipher {
  n = 0n;
  constructor(public k: Buffer) {}
  private iv(n: bigint) {
    const iv = Buffer.alloc(12);
    iv.writeBigUInt64LE(n, 4);
    return iv;
  }
  enc(pt: Buffer, n = this.n++): Buffer {
    const c = createCipheriv('chacha20-poly1305', this.k, this.iv(n), { authTagLength: 16 });
    c.setAAD(Buffer.alloc(0), { plaintextLength: pt.length });
    const body = c.update(pt);
    c.final();
    return Buffer.concat([body, c.getAuthTag()]);
  }
  dec(ct: Buffer): Buffer {
    const d = createDecipheriv('chacha20-poly1305', this.k, this.iv(this.n++), { authTagLength: 16 });
    d.setAAD(Buffer.alloc(0), { plaintextLength: ct.length - 16 });
    d.setAuthTag(ct.subarray(ct.length - 16));
    const out = d.update(ct.subarray(0, ct.length - 16));
    d.final();
    return out;
  }
  rekey(): void {
    this.k = this.enc(Buffer.alloc(32), 0xffff_ffff_ffff_ffffn).subarray(0, 32);
  }
}

describe('PROTOCOL.md §4', () => {
  it('its worked examples hold', () => {
    const pub = Buffer.alloc(32, 9);
    expect(pub.toString('base64')).toMatch(/^CQkJ.*CQk=$/);
    expect(fingerprint(pub)).toBe('SHA256:jAzBegSULMT44P4LMCYG0xCIYMEmQouizutfntQcKwU');
    expect(hostIdFor(pub)).toBe('446269651c466b76b69905bc7d025afb');
    expect(docHostId(pub)).toBe(hostIdFor(pub));
    const prologue = docPrologue(hostIdFor(pub));
    expect(prologue.length).toBe(46);
    expect(prologue.equals(buildPrologue(hostIdFor(pub)))).toBe(true);
    expect(prologue.toString('hex')).toBe('6261746f6e2f6e6f697365' + '00' + '01' + '20' + '3434363236393635316334363662373662363939303562633764303235616662');
    const doc = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'PROTOCOL.md'), 'utf8');
    expect(doc).toContain('`01 04 68 69`');
    expect(doc).toContain('`02 00 00 00 62 79 65`');
  });

  it('an independent IK client interoperates: READY, fragments, REKEY, CLOSE', async () => {
    const echoes: string[] = [];
    const accepted: SecureChannel[] = [];
    const p = await startPair(cleanup, {
      onChannel: (ch) =>
        accepted.push(ch) &&
        ch.onMessage(async (m, isText) => {
          echoes.push(isText ? m.toString() : `${m.length} bytes`);
          await ch.send(`echo:${isText ? m : m.length}`);
        }),
    });
    const ws = new WebSocket(p.server.url, { headers: { authorization: `Bearer ${p.server.token}` } });
    const inbox: Buffer[] = [];
    let wake: (() => void) | null = null;
    ws.on('message', (d: Buffer) => {
      inbox.push(d);
      wake?.();
    });
    const next = async () => {
      while (!inbox.length) await new Promise<void>((r) => (wake = r));
      return inbox.shift()!;
    };
    await new Promise<void>((r) => ws.once('open', () => r()));

    const hs = new NoiseState('IK', true, { publicKey: Buffer.from(p.client.publicKey), secretKey: Buffer.from(p.client.secretKey) });
    hs.initialise(docPrologue(docHostId(p.server.publicKey)), Buffer.from(p.server.publicKey));
    const stamp = Buffer.alloc(8);
    stamp.writeBigUInt64BE(BigInt(Date.now()) * 1_000_000n);
    const msg1 = hs.send(stamp);
    expect(msg1.length).toBe(104);
    ws.send(msg1);
    const msg2 = await next();
    expect(msg2.length).toBe(48);
    expect(hs.recv(Buffer.from(msg2)).length).toBe(0);
    const tx = new DocCipher(Buffer.from(hs.tx!));
    const rx = new DocCipher(Buffer.from(hs.rx!));

    expect(rx.dec(await next()).toString('hex')).toBe('0300'); // READY

    ws.send(tx.enc(Buffer.from('01046869', 'hex'))); // DATA, TEXT, "hi"
    expect(rx.dec(await next()).toString()).toBe('\x01\x04echo:hi');

    // A 65,520-byte binary message: a full fragment with MORE, then 3 bytes.
    ws.send(tx.enc(Buffer.concat([Buffer.from([0x01, 0x01]), Buffer.alloc(65517, 7)])));
    ws.send(tx.enc(Buffer.concat([Buffer.from([0x01, 0x00]), Buffer.alloc(3, 7)])));
    expect(rx.dec(await next()).toString()).toBe('\x01\x04echo:65520');

    // REKEY: flag on this message, new key from the next one.
    ws.send(tx.enc(Buffer.from('0106' + Buffer.from('rekeyed').toString('hex'), 'hex')));
    tx.rekey();
    ws.send(tx.enc(Buffer.from('0104' + Buffer.from('after').toString('hex'), 'hex')));
    expect(rx.dec(await next()).toString()).toBe('\x01\x04echo:rekeyed');
    expect(rx.dec(await next()).toString()).toBe('\x01\x04echo:after');

    ws.send(tx.enc(Buffer.from('02000000627965', 'hex'))); // CLOSE 0 "bye"
    expect(await accepted[0].closed).toMatchObject({ clean: true, code: 0, reason: 'bye' });
    expect(echoes).toEqual(['hi', '65520 bytes', 'rekeyed', 'after']);
    await until(() => ws.readyState === ws.CLOSED);
  });
});

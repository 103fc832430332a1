// Hostile and broken peers against a real server: every case must be refused or closed within a
// bounded time, never deliver altered or partial data, and leave the server serving the next client.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SecureChannel } from './channel.js';
import { RESERVED_NONCE, type CipherState } from './cipher-state.js';
import { connectSecure } from './client.js';
import { generateStaticKeypair, loadOrCreateIdentity } from './identity.js';
import { startMitm, startPair, sleep, tempHome, until, type Pair } from './test-fixtures.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const flip = (data: Buffer, i: number) => {
  const b = Buffer.from(data);
  b[i] ^= 0xff;
  return b;
};

async function assertServes(p: Pair): Promise<void> {
  const before = p.received.length;
  const ch = await connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey });
  await ch.send('still here');
  await until(() => p.received[before]?.[0]?.toString() === 'still here', 10_000, 'the next client to be served');
  await ch.close();
}

function rawWs(p: Pair): Promise<WebSocket> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(p.server.url, { headers: { authorization: `Bearer ${p.server.token}` } });
    ws.once('open', () => res(ws));
    ws.once('error', rej);
  });
}

function closeOf(ws: WebSocket): Promise<number> {
  return new Promise((res) => ws.once('close', (code) => res(code)));
}

/** Every message the server side received, over all channels. */
const allReceived = (p: Pair) => p.received.flat().map(String);

describe('tampering on the wire', () => {
  it.each([
    ['IK', true],
    ['XX', false],
  ])('%s: flipping any byte of handshake message 1 or 2 is refused; nothing is delivered', async (_name, pinned) => {
    const p = await startPair(cleanup);
    for (const dir of ['c2s', 's2c'] as const) {
      // Learn the message length from one clean run through the proxy.
      let len = 0;
      const probe = await startMitm(cleanup, p.server.url, (m) => {
        if (m.dir === dir && m.index === 0) len = m.data.length;
        return m.data;
      });
      const ok = await connectSecure({ home: tempHome(cleanup), identity: p.client, url: probe.url, token: p.server.token, serverKey: pinned ? p.server.publicKey : undefined, hostId: p.server.hostId });
      await ok.close();
      expect(len).toBe(pinned ? (dir === 'c2s' ? 104 : 48) : dir === 'c2s' ? 32 : 96);

      for (let i = 0; i < len; i++) {
        const mitm = await startMitm(cleanup, p.server.url, (m) => (m.dir === dir && m.index === 0 ? flip(m.data, i) : m.data));
        const attempt = connectSecure({ home: tempHome(cleanup), identity: p.client, url: mitm.url, token: p.server.token, serverKey: pinned ? p.server.publicKey : undefined, hostId: p.server.hostId, handshakeTimeoutMs: 5000 })
          .then(async (ch) => {
            await ch.send('must not arrive');
            return ch;
          });
        await expect(attempt, `${dir} byte ${i}`).rejects.toBeDefined();
      }
    }
    expect(allReceived(p)).toEqual([]);
    await assertServes(p);
  });

  it('flipping any byte of a transport message closes the session without delivering it', async () => {
    const p = await startPair(cleanup);
    const len = 2 + 'secret'.length + 16;
    for (let i = 0; i < len; i++) {
      // c2s index 0 is handshake message 1, index 1 the first transport message.
      const mitm = await startMitm(cleanup, p.server.url, (m) => (m.dir === 'c2s' && m.index === 1 ? flip(m.data, i) : m.data));
      const ch = await connectSecure({ home: p.clientHome, url: mitm.url, token: p.server.token, serverKey: p.server.publicKey });
      await ch.send('secret');
      const info = await ch.closed;
      expect(info.error?.code).toBe('decrypt-failed');
    }
    expect(allReceived(p)).toEqual([]);
    await until(() => p.accepted.every((c) => !c.isOpen));
    for (const c of p.accepted) expect((await c.closed).error?.code).toBe('decrypt-failed');
    await assertServes(p);
  });

  it('a tampered READY fails the connect', async () => {
    const p = await startPair(cleanup);
    const mitm = await startMitm(cleanup, p.server.url, (m) => (m.dir === 's2c' && m.index === 1 ? flip(m.data, 0) : m.data));
    await expect(connectSecure({ home: p.clientHome, url: mitm.url, token: p.server.token, serverKey: p.server.publicKey })).rejects.toMatchObject({ code: 'decrypt-failed' });
    await assertServes(p);
  });

  it('a replayed transport message closes the session after the original, never delivering it twice', async () => {
    const p = await startPair(cleanup);
    const mitm = await startMitm(cleanup, p.server.url, (m) => (m.dir === 'c2s' && m.index === 1 ? [m.data, m.data] : m.data));
    const ch = await connectSecure({ home: p.clientHome, url: mitm.url, token: p.server.token, serverKey: p.server.publicKey });
    await ch.send('once');
    await ch.send('after').catch(() => {});
    expect((await ch.closed).error?.code).toBe('decrypt-failed');
    expect(allReceived(p)).toEqual(['once']);
    await assertServes(p);
  });

  it('reordered transport messages close the session, delivering neither', async () => {
    const p = await startPair(cleanup);
    let held: Buffer | null = null;
    const mitm = await startMitm(cleanup, p.server.url, (m) => {
      if (m.dir !== 'c2s') return m.data;
      if (m.index === 1) {
        held = m.data;
        return null;
      }
      return m.index === 2 ? [m.data, held!] : m.data;
    });
    const ch = await connectSecure({ home: p.clientHome, url: mitm.url, token: p.server.token, serverKey: p.server.publicKey });
    await ch.send('first');
    await ch.send('second');
    expect((await ch.closed).error?.code).toBe('decrypt-failed');
    expect(allReceived(p)).toEqual([]);
    await assertServes(p);
  });

  it('an injected zero-length message after the handshake closes the session', async () => {
    const p = await startPair(cleanup);
    const mitm = await startMitm(cleanup, p.server.url, (m) => (m.dir === 'c2s' && m.index === 1 ? [Buffer.alloc(0), m.data] : m.data));
    const ch = await connectSecure({ home: p.clientHome, url: mitm.url, token: p.server.token, serverKey: p.server.publicKey });
    await ch.send('x');
    expect((await ch.closed).error?.code).toBe('decrypt-failed');
    expect(allReceived(p)).toEqual([]);
  });
});

describe('wrong keys, versions and replays', () => {
  it('an unknown client key is refused before message 2 (IK) and after message 3 (XX)', async () => {
    const p = await startPair(cleanup);
    const stranger = generateStaticKeypair();
    let serverSpoke = 0;
    const mitm = await startMitm(cleanup, p.server.url, (m) => {
      if (m.dir === 's2c') serverSpoke++;
      return m.data;
    });
    await expect(connectSecure({ home: tempHome(cleanup), identity: stranger, url: mitm.url, token: p.server.token, serverKey: p.server.publicKey })).rejects.toMatchObject({ code: 'client-not-authorized' });
    expect(serverSpoke).toBe(0);
    await expect(connectSecure({ home: tempHome(cleanup), identity: stranger, url: p.server.url, token: p.server.token })).rejects.toMatchObject({ code: 'client-not-authorized' });
    expect(p.accepted.length).toBe(0);
    await assertServes(p);
  });

  it('a wrong pinned server key fails the handshake', async () => {
    const p = await startPair(cleanup);
    await expect(connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: generateStaticKeypair().publicKey })).rejects.toMatchObject({ code: 'handshake-failed' });
    expect(p.accepted.length).toBe(0);
    await assertServes(p);
  });

  it('a different protocol version or host id in the prologue fails the handshake', async () => {
    const p = await startPair(cleanup);
    await expect(connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey, protocolVersion: 2 })).rejects.toMatchObject({ code: 'handshake-failed' });
    await expect(connectSecure({ home: tempHome(cleanup), identity: p.client, url: p.server.url, token: p.server.token, protocolVersion: 2 })).rejects.toMatchObject({ code: 'handshake-failed' });
    await expect(connectSecure({ home: tempHome(cleanup), identity: p.client, url: p.server.url, token: p.server.token, hostId: 'ab'.repeat(16) })).rejects.toMatchObject({ code: 'handshake-failed' });
    expect(p.accepted.length).toBe(0);
    await assertServes(p);
  });

  it('a replayed handshake message 1 is refused before message 2', async () => {
    const p = await startPair(cleanup);
    let msg1: Buffer | null = null;
    const mitm = await startMitm(cleanup, p.server.url, (m) => {
      if (m.dir === 'c2s' && m.index === 0) msg1 = m.data;
      return m.data;
    });
    const ch = await connectSecure({ home: p.clientHome, url: mitm.url, token: p.server.token, serverKey: p.server.publicKey });
    for (const whileOpen of [true, false]) {
      if (!whileOpen) await ch.close();
      const ws = await rawWs(p);
      const replies: Buffer[] = [];
      ws.on('message', (d: Buffer) => replies.push(d));
      const closed = closeOf(ws);
      ws.send(msg1!);
      expect(await closed).toBe(4409);
      expect(replies).toEqual([]);
    }
    expect(p.accepted.length).toBe(1);
    await assertServes(p);
  });
});

describe('malformed and slow input', () => {
  it('an oversized frame, a zero-length frame and garbage before the handshake are each closed', async () => {
    const p = await startPair(cleanup);
    const big = await rawWs(p);
    const bigClosed = closeOf(big);
    big.send(Buffer.alloc(65536));
    expect(await bigClosed).toBe(1009);

    const empty = await rawWs(p);
    const emptyClosed = closeOf(empty);
    empty.send(Buffer.alloc(0));
    expect(await emptyClosed).toBe(4400);

    const garbage = await rawWs(p);
    const garbageClosed = closeOf(garbage);
    garbage.send(Buffer.from('GET / HTTP/1.1 and other nonsense, not a Noise message at all....................'));
    expect(await garbageClosed).toBe(4400);

    const text = await rawWs(p);
    const textClosed = closeOf(text);
    text.send('hello');
    expect(await textClosed).not.toBe(1000);

    // Garbage instead of HTTP: the socket is dropped.
    const sock = net.connect(p.server.port, '127.0.0.1');
    const dropped = new Promise<void>((r) => sock.on('close', () => r()));
    sock.on('error', () => {});
    sock.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x00, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a]));
    await dropped;
    expect(p.accepted.length).toBe(0);
    await assertServes(p);
  });

  it('a client sending one byte a second is cut off at the handshake timeout (HTTP phase and Noise phase)', async () => {
    const p = await startPair(cleanup, { handshakeTimeoutMs: 2000 });
    const trickle = async (prefix: Buffer, drip: Buffer) => {
      const started = Date.now();
      const sock = net.connect(p.server.port, '127.0.0.1');
      sock.on('error', () => {});
      let open = true;
      sock.on('close', () => (open = false));
      sock.write(prefix);
      for (let i = 0; open && i < drip.length && Date.now() - started < 15_000; i++) {
        sock.write(drip.subarray(i, i + 1));
        await sleep(1000);
      }
      await until(() => !open, 15_000, 'the server to drop the slow client');
      return Date.now() - started;
    };
    const request = Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${p.server.token}\r\n\r\n`);
    expect(await trickle(Buffer.alloc(0), request)).toBeLessThan(10_000);
    // Upgrade at once, then drip a masked binary frame of 104 bytes.
    const frame = Buffer.concat([Buffer.from([0x82, 0x80 | 104, 1, 2, 3, 4]), Buffer.alloc(104)]);
    expect(await trickle(request, frame)).toBeLessThan(10_000);
    expect(p.accepted.length).toBe(0);
    await assertServes(p);
  });
});

describe('limits of a session', () => {
  const privateCiphers = (c: SecureChannel) => c as unknown as { tx: CipherState; rx: CipherState };

  it('a nonce counter near 2^64-1 ends the session with an authenticated CLOSE, never reusing a nonce', async () => {
    const p = await startPair(cleanup);
    const ch = await connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey });
    await until(() => p.accepted.length === 1);
    // Both ends of the client→server direction jump to 2^64-4: three nonces left.
    privateCiphers(ch).tx.setNonce(RESERVED_NONCE - 3n);
    privateCiphers(p.accepted[0]).rx.setNonce(RESERVED_NONCE - 3n);
    await ch.send('last message that fits');
    // A 3-fragment message needs nonces 2^64-3 … 2^64-1; 2^64-2 is kept for CLOSE, 2^64-1 is reserved.
    await expect(ch.send(Buffer.alloc(140_000))).rejects.toMatchObject({ code: 'nonce-exhausted' });
    expect(privateCiphers(ch).tx.nonce).toBe(RESERVED_NONCE);
    const serverSide = await p.accepted[0].closed;
    expect(serverSide).toMatchObject({ clean: true, error: { code: 'nonce-exhausted' } });
    expect(allReceived(p)).toEqual(['last message that fits']);
    await expect(ch.send('more')).rejects.toBeDefined();
    await assertServes(p);
  });

  it('a connection dropped mid-message delivers no part of it, and the end is reported as truncated', async () => {
    const p = await startPair(cleanup);
    // A 200 kB message is 4 frames (c2s 1..4); cut the connection when the third arrives.
    const mitm = await startMitm(cleanup, p.server.url, (m) => (m.dir === 'c2s' && m.index === 3 ? 'cut' : m.data));
    const ch = await connectSecure({ home: p.clientHome, url: mitm.url, token: p.server.token, serverKey: p.server.publicKey });
    await ch.send(Buffer.alloc(200_000, 1)).catch(() => {});
    const info = await p.accepted[0].closed;
    expect(info).toMatchObject({ clean: false, error: { code: 'truncated' } });
    expect(p.received[0]).toEqual([]);
    expect((await ch.closed).clean).toBe(false);
    await assertServes(p);
  });

  it('a message over the receiver limit closes the session and is not delivered', async () => {
    const p = await startPair(cleanup, { limits: { maxMessageBytes: 100_000 } });
    const ch = await connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey });
    await ch.send(Buffer.alloc(150_000));
    expect((await ch.closed).error?.code).toBe('message-too-large');
    expect(p.received[0]).toEqual([]);
    await assertServes(p);
  });

  it('the client identity file is reused, not regenerated, across these connections', () => {
    const home = tempHome(cleanup);
    expect(loadOrCreateIdentity(home).publicKey.equals(loadOrCreateIdentity(home).publicKey)).toBe(true);
  });
});

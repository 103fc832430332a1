// The relay with real WebSockets: a server registered through it and clients reaching it by host
// id, running the same handshake and channel code as direct connections; and the relay's limits.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SecureChannel } from './channel.js';
import { loadOrCreateIdentity } from './identity.js';
import { addAuthorizedClient } from './key-stores.js';
import { startRelay, type RelayOptions } from './relay.js';
import { connectViaRelay, listenViaRelay } from './relay-client.js';
import { sleep, tempHome, until } from './test-fixtures.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function relayWithServer(relayOpts: RelayOptions = {}) {
  const relay = await startRelay({ warn: () => {}, ...relayOpts });
  cleanup.push(() => relay.close());
  const serverHome = tempHome(cleanup);
  const clientHome = tempHome(cleanup);
  const server = loadOrCreateIdentity(serverHome);
  addAuthorizedClient(serverHome, loadOrCreateIdentity(clientHome).publicKey);
  const received: string[] = [];
  const accepted: SecureChannel[] = [];
  const listener = listenViaRelay({
    relayUrl: relay.url,
    home: serverHome,
    onChannel: (ch) => {
      accepted.push(ch);
      ch.onMessage(async (m) => {
        received.push(m.toString());
        await ch.send(`echo ${m}`);
      });
    },
  });
  cleanup.push(() => listener.close());
  await until(() => relay.stats().pending === 2, 10_000, 'registrations');
  return { relay, serverHome, clientHome, server, listener, received, accepted };
}

function openRaw(url: string): Promise<WebSocket> {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url);
    ws.once('open', () => res(ws));
    ws.once('unexpected-response', (_q, r) => rej(new Error(`HTTP ${r.statusCode}`)));
    ws.once('error', rej);
  });
}

describe('relay', () => {
  it('carries IK and XX sessions by host id, one after another, seeing only ciphertext', async () => {
    const frames: Buffer[] = [];
    const r = await relayWithServer({ tap: (_d, data) => frames.push(Buffer.from(data)) });
    expect(r.listener.hostId).toMatch(/^[0-9a-f]{32}$/);

    const ik = await connectViaRelay({ relayUrl: r.relay.url, hostId: r.listener.hostId, home: r.clientHome, serverKey: r.server.publicKey });
    const replies: string[] = [];
    ik.onMessage((m) => {
      replies.push(m.toString());
    });
    await ik.send('top secret payload');
    await until(() => replies.length === 1);
    expect(replies).toEqual(['echo top secret payload']);
    await ik.close();

    // First contact through the relay: the host id pins the key, TOFU records it under relay:<id>.
    const xx = await connectViaRelay({ relayUrl: r.relay.url, hostId: r.listener.hostId, home: tempHome(cleanup), identity: loadOrCreateIdentity(r.clientHome) });
    expect(xx.remoteStatic.equals(r.server.publicKey)).toBe(true);
    await xx.send('second');
    await until(() => r.received.length === 2);
    await xx.close();

    expect(r.received).toEqual(['top secret payload', 'second']);
    const all = Buffer.concat(frames);
    for (const secret of ['top secret payload', 'echo top secret', 'second']) expect(all.includes(Buffer.from(secret))).toBe(false);
    await until(() => r.relay.stats().pairs === 0 && r.relay.stats().pending === 2, 10_000, 'the listener to re-register');
  });

  it('records first contact in known_servers under relay:<host id>', async () => {
    const r = await relayWithServer();
    const ch = await connectViaRelay({ relayUrl: r.relay.url, hostId: r.listener.hostId, home: r.clientHome });
    await ch.close();
    expect(readFileSync(path.join(r.clientHome, 'known_servers'), 'utf8')).toContain(`relay:${r.listener.hostId} x25519 ${r.server.publicKey.toString('base64')}`);
  });

  it('refuses an unknown id, a malformed path and an unauthorized client key', async () => {
    const r = await relayWithServer();
    await expect(connectViaRelay({ relayUrl: r.relay.url, hostId: '0'.repeat(32), home: r.clientHome })).rejects.toMatchObject({ code: 'relay' });
    await expect(openRaw(`${r.relay.url}/v1/connect/not-an-id`)).rejects.toThrow(/HTTP 400/);
    await expect(connectViaRelay({ relayUrl: r.relay.url, hostId: r.listener.hostId, home: tempHome(cleanup), serverKey: r.server.publicKey })).rejects.toMatchObject({ code: 'client-not-authorized' });
    expect(r.accepted.length).toBe(0);
  });

  it('enforces pending-registration, per-IP, frame-size and idle limits', async () => {
    const relay = await startRelay({ warn: () => {}, limits: { maxPendingPerId: 2, perIpConnections: 5, idleTimeoutMs: 600 } });
    cleanup.push(() => relay.close());
    const id = 'ab'.repeat(16);
    const regs = [await openRaw(`${relay.url}/v1/listen/${id}`), await openRaw(`${relay.url}/v1/listen/${id}`)];
    await expect(openRaw(`${relay.url}/v1/listen/${id}`)).rejects.toThrow(/HTTP 429/);

    // Pair one: the registration is told, then bytes flow verbatim.
    const paired = new Promise<string>((res) => regs[0].once('message', (d) => res(d.toString())));
    const client = await openRaw(`${relay.url}/v1/connect/${id}`);
    expect(await paired).toBe('paired');
    const echoed = new Promise<Buffer>((res) => client.once('message', (d: Buffer) => res(d)));
    regs[0].on('message', (d: Buffer) => regs[0].send(d));
    client.send(Buffer.from([1, 2, 3]));
    expect([...(await echoed)]).toEqual([1, 2, 3]);

    // Per IP: 3 sockets open (2 registrations + client); two more fit, the sixth does not.
    const extra = [await openRaw(`${relay.url}/v1/listen/${'cd'.repeat(16)}`), await openRaw(`${relay.url}/v1/listen/${'cd'.repeat(16)}`)];
    await expect(openRaw(`${relay.url}/v1/listen/${'ef'.repeat(16)}`)).rejects.toThrow(/HTTP 429/);
    for (const w of extra) w.close();

    // Oversized frame: the sender is cut off, and its partner learns the pair ended.
    const partnerClosed = new Promise<void>((res) => regs[0].once('close', () => res()));
    const clientClosed = new Promise<number>((res) => client.once('close', (c) => res(c)));
    client.send(Buffer.alloc(70_000));
    expect(await clientClosed).toBe(1009);
    await partnerClosed;

    // Idle: a quiet pair is closed by the relay.
    const idleClient = await openRaw(`${relay.url}/v1/connect/${id}`);
    const started = Date.now();
    await new Promise<void>((res) => idleClient.once('close', () => res()));
    expect(Date.now() - started).toBeLessThan(5000);
    await until(() => relay.stats().pairs === 0);
  });

  it('closes a registration that speaks before pairing, and one nobody asked for in time', async () => {
    const relay = await startRelay({ warn: () => {}, limits: { pendingTimeoutMs: 400 } });
    cleanup.push(() => relay.close());
    const chatty = await openRaw(`${relay.url}/v1/listen/${'ab'.repeat(16)}`);
    const chattyClosed = new Promise<number>((res) => chatty.once('close', (c) => res(c)));
    chatty.send(Buffer.from('hello?'));
    expect(await chattyClosed).toBe(4002);

    const quiet = await openRaw(`${relay.url}/v1/listen/${'cd'.repeat(16)}`);
    const quietClosed = new Promise<number>((res) => quiet.once('close', (c) => res(c)));
    expect(await quietClosed).toBe(4008);
    await until(() => relay.stats().pending === 0);
  });

  it('a stalled receiver holds back only its own pair, with bounded relay memory', async () => {
    const r = await relayWithServer({ limits: { highWaterMark: 256 * 1024 } });
    // Pair A, raw: the client stops reading, the "server" floods.
    const id = 'ab'.repeat(16);
    const floodServer = await openRaw(`${r.relay.url}/v1/listen/${id}`);
    const staller = await openRaw(`${r.relay.url}/v1/connect/${id}`);
    staller.pause();
    let flooded = 0;
    let stop = false;
    const flood = (async () => {
      const chunk = Buffer.alloc(60_000);
      while (!stop) {
        // Write only while our own socket is drained: otherwise the test itself would buffer.
        if (floodServer.bufferedAmount > 1024 * 1024) {
          await sleep(20);
          continue;
        }
        floodServer.send(chunk);
        flooded += chunk.length;
        await new Promise((res) => setImmediate(res));
      }
    })();
    // Wait until the flood stops advancing: every buffer on the way is full (polling, because the
    // machine is shared and filling kernel buffers may take a while).
    let before = -1;
    for (let tries = 0; tries < 60 && flooded !== before; tries++) {
      before = flooded;
      await sleep(300);
    }
    expect(flooded).toBe(before); // the sender is held back…
    expect(flooded).toBeGreaterThan(256 * 1024); // …after it did flood past the relay's mark
    expect(r.relay.stats().bufferedBytes).toBeLessThan(256 * 1024 + 2 * 65_536); // …and the relay holds little

    // Pair B keeps working meanwhile.
    const ch = await connectViaRelay({ relayUrl: r.relay.url, hostId: r.listener.hostId, home: r.clientHome, serverKey: r.server.publicKey });
    const replies: string[] = [];
    ch.onMessage((m) => {
      replies.push(m.toString());
    });
    for (let i = 0; i < 20; i++) await ch.send(`b${i}`);
    await until(() => replies.length === 20, 10_000, 'pair B');
    await ch.close();

    stop = true;
    await flood;
    staller.terminate();
    floodServer.terminate();
  });
});

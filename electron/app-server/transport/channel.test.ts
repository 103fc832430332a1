// A real server and client over loopback WebSockets: the happy paths, TOFU, tokens, rekey and
// backpressure. The hostile cases are in faults.test.ts.
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSecure, checkClientUrl } from './client.js';
import { loadOrCreateIdentity } from './identity.js';
import { addAuthorizedClient } from './key-stores.js';
import { startSecureServer } from './server.js';
import { sleep, startMitm, startPair, tempHome, until } from './test-fixtures.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('SecureChannel over a real server', () => {
  it('IK with a pinned key: messages of every size both ways, then a clean close on both sides', async () => {
    const p = await startPair(cleanup);
    const ch = await connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey });
    await until(() => p.accepted.length === 1);
    const srv = p.accepted[0];
    expect(srv.remoteStatic.equals(p.client.publicKey)).toBe(true);
    expect(ch.handshakeHash.equals(srv.handshakeHash)).toBe(true);

    const big = randomBytes(1_000_000);
    const sent = [Buffer.alloc(0), Buffer.from('hello'), big, randomBytes(65517), randomBytes(65518)];
    for (const m of sent) await ch.send(m);
    await ch.send('text ✓');
    await until(() => p.received[0].length === sent.length + 1);
    for (const [i, m] of sent.entries()) expect(p.received[0][i].equals(m)).toBe(true);
    expect(p.received[0][sent.length].toString()).toBe('text ✓');

    const back: { data: Buffer; text: boolean }[] = [];
    ch.onMessage((data, text) => {
      back.push({ data, text });
    });
    await srv.send('pong');
    await srv.send(big);
    await until(() => back.length === 2);
    expect(back[0]).toEqual({ data: Buffer.from('pong'), text: true });
    expect(back[1].data.equals(big) && back[1].text === false).toBe(true);

    const [a, b] = await Promise.all([ch.close('done'), srv.closed]);
    expect(a.clean).toBe(true);
    expect(b).toMatchObject({ clean: true, reason: 'done' });
    await expect(ch.send('late')).rejects.toMatchObject({ code: 'closed' });
  });

  it('XX first contact records the server key (TOFU), later connections pin it, a changed key fails hard', async () => {
    const p = await startPair(cleanup);
    const ch = await connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token });
    expect(ch.remoteStatic.equals(p.server.publicKey)).toBe(true);
    const known = readFileSync(path.join(p.clientHome, 'known_servers'), 'utf8');
    expect(known).toBe(`127.0.0.1:${p.server.port} x25519 ${p.server.publicKey.toString('base64')}\n`);
    expect(statSync(path.join(p.clientHome, 'known_servers')).mode & 0o777).toBe(0o600);
    await ch.close();

    // Second time: pinned from known_servers (IK). Prove it by making XX impossible on the server.
    const p2 = await startPair(cleanup, { allowXX: false });
    const ch2 = await connectSecure({ home: p2.clientHome, url: p2.server.url, token: p2.server.token, serverKey: p2.server.publicKey });
    await ch2.close();

    // Another server answering on the address we trusted: a different key is a hard failure,
    // reported with the OpenSSH warning, and nothing is recorded.
    const impostor = await startPair(cleanup);
    addAuthorizedClient(impostor.serverHome, p.client.publicKey);
    const err = await connectSecure({ home: p.clientHome, url: impostor.server.url, token: impostor.server.token, serverAddress: `127.0.0.1:${p.server.port}` }).catch((e) => e);
    expect(err).toMatchObject({ code: 'host-key-changed' });
    expect(err.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(err.message).toContain(impostor.server.fingerprint);
    expect(impostor.accepted.length).toBe(0);
    expect(readFileSync(path.join(p.clientHome, 'known_servers'), 'utf8')).toBe(known);
  });

  it('with enrollment on, first contact with the token adds the client key (XX only)', async () => {
    const warnings: string[] = [];
    const p = await startPair(cleanup, { enrollClientsWithToken: true, warn: (l) => warnings.push(l) });
    const newcomerHome = tempHome(cleanup);
    const newcomer = loadOrCreateIdentity(newcomerHome);
    // IK with an unknown key is never enrolled: it had no chance to check the server key first.
    await expect(connectSecure({ home: tempHome(cleanup), identity: newcomer, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey })).rejects.toMatchObject({ code: 'client-not-authorized' });
    const ch = await connectSecure({ home: newcomerHome, url: p.server.url, token: p.server.token });
    await ch.close();
    expect(readFileSync(path.join(p.serverHome, 'authorized_clients'), 'utf8')).toContain(newcomer.publicKey.toString('base64'));
    expect(warnings.join('\n')).toMatch(/Enrolled a new client key SHA256:/);
    // From now on it is pinned both ways: IK works.
    const again = await connectSecure({ home: newcomerHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey });
    await again.close();
  });

  it('refuses a missing or wrong bearer token with 401 before any Noise byte', async () => {
    const p = await startPair(cleanup);
    for (const token of [undefined, 'wrong-token-wrong-token', p.server.token + 'x']) {
      await expect(connectSecure({ home: p.clientHome, url: p.server.url, token, serverKey: p.server.publicKey })).rejects.toMatchObject({ code: 'unauthorized' });
    }
    const res = await fetch(p.server.url.replace('ws:', 'http:'), { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64') } }).catch((e) => e);
    expect(res instanceof Error || res.status === 401 || res.status === 426).toBe(true);
    expect(p.accepted.length).toBe(0);
  });

  it('writes a generated token 0600 under BATON_HOME and removes it on close', async () => {
    const p = await startPair(cleanup);
    expect(p.server.tokenFile).toBe(path.join(p.serverHome, 'serve.token'));
    expect(statSync(p.server.tokenFile!).mode & 0o777).toBe(0o600);
    expect(readFileSync(p.server.tokenFile!, 'utf8').trim()).toBe(p.server.token);
    expect(p.server.host).toBe('127.0.0.1');
    expect(p.server.port).toBeGreaterThan(0);
    await p.server.close();
    expect(existsSync(p.server.tokenFile!)).toBe(false);
  });

  it('takes the token from an environment variable', async () => {
    process.env.BATON_TEST_TOKEN_X = 'a-token-from-the-environment';
    cleanup.push(() => delete process.env.BATON_TEST_TOKEN_X);
    const p = await startPair(cleanup, { tokenEnv: 'BATON_TEST_TOKEN_X' });
    expect(p.server.tokenFile).toBeNull();
    const ch = await connectSecure({ home: p.clientHome, url: p.server.url, tokenEnv: 'BATON_TEST_TOKEN_X', serverKey: p.server.publicKey });
    await ch.close();
  });

  it('refuses non-loopback listening without token and flag, and ws:// to another machine', async () => {
    const home = tempHome(cleanup);
    await expect(startSecureServer({ home, host: '0.0.0.0', onChannel: () => {} })).rejects.toMatchObject({ code: 'config' });
    await expect(startSecureServer({ home, host: '0.0.0.0', allowNonLoopback: true, onChannel: () => {} })).rejects.toMatchObject({ code: 'config' });
    expect(() => checkClientUrl('ws://gpu-box:7000/')).toThrow(expect.objectContaining({ code: 'insecure-url' }));
    expect(() => checkClientUrl('ws://10.0.0.5:7000/')).toThrow(expect.objectContaining({ code: 'insecure-url' }));
    expect(checkClientUrl('wss://gpu-box:7000/').host).toBe('gpu-box:7000');
    expect(checkClientUrl('ws://127.0.0.1:7000/').port).toBe('7000');
    expect(checkClientUrl('ws://[::1]:7000/').port).toBe('7000');
  });

  it('warns when it listens beyond loopback with a token and the flag', async () => {
    const home = tempHome(cleanup);
    const lines: string[] = [];
    const s = await startSecureServer({ home, host: '0.0.0.0', allowNonLoopback: true, token: 'an-explicit-token-123', onChannel: () => {}, warn: (l) => lines.push(l) });
    cleanup.push(() => s.close());
    expect(lines.join('\n')).toMatch(/WARNING.*0\.0\.0\.0/);
  });

  it('many large messages in flight at once (pooled frame buffers) each arrive intact and in order', async () => {
    const p = await startPair(cleanup);
    const ch = await connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey, limits: { sendHighWaterMark: 64 * 1024 * 1024 } });
    // ~24 MB sent without yielding to the event loop: far beyond what the kernel takes at once, so
    // frames wait in the socket's queue. A pooled buffer reused before its write finished would
    // show up as one message's bytes inside another. Sizes straddle the frame limit.
    const sent = Array.from({ length: 192 }, (_, i) => randomBytes([16 * 1024, 65517, 65518, 300_000][i % 4] + i));
    await Promise.all(sent.map((m) => ch.send(m)));
    await until(() => p.received[0]?.length === sent.length, 30_000, 'all messages');
    for (const [i, m] of sent.entries()) expect(p.received[0][i].equals(m)).toBe(true);
    await ch.close();
  });

  it('rekeys both directions at the configured message limit and keeps every message', async () => {
    const limits = { rekeyAfterMessages: 3 };
    const p = await startPair(cleanup, { limits });
    const ch = await connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey, limits });
    for (let i = 0; i < 10; i++) await ch.send(`m${i}`);
    await until(() => p.received[0]?.length === 10);
    expect(p.received[0].map(String)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(ch.stats.rekeysSent).toBe(3);
    expect(p.accepted[0].stats.rekeysReceived).toBe(3);
    await p.accepted[0].send('after rekeys');
    const got: string[] = [];
    ch.onMessage((m) => {
      got.push(m.toString());
    });
    await until(() => got.length === 1);
    await ch.close();
  });

  it('rekeys at the byte limit too', async () => {
    const p = await startPair(cleanup);
    const ch = await connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey, limits: { rekeyAfterBytes: 100_000 } });
    await ch.send(randomBytes(500_000)); // 8 frames of ~64 KiB: a rekey every second frame
    await until(() => p.received[0]?.length === 1);
    expect(ch.stats.rekeysSent).toBe(4);
    expect(p.accepted[0].stats.rekeysReceived).toBe(4);
    await ch.close();
  });

  it('backpressure: a stalled reader stops the sender at a bounded amount, then everything arrives in order', async () => {
    const limits = { receiveQueueBytes: 256 * 1024, sendHighWaterMark: 128 * 1024 };
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: number[] = [];
    const p = await startPair(cleanup, {
      limits,
      onChannel: (srv) =>
        srv.onMessage(async (m) => {
          await gate;
          got.push(m.readUInt32BE(0));
        }),
    });
    const ch = await connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey, limits });
    const total = 2000; // 2000 × 64 KiB = 125 MiB: far more than socket buffers can hide
    let sent = 0;
    const sending = (async () => {
      for (let i = 0; i < total; i++) {
        const m = Buffer.alloc(64 * 1024);
        m.writeUInt32BE(i, 0);
        await ch.send(m);
        sent++;
      }
    })();
    // Let it fill every buffer, then check it stopped.
    let before = -1;
    for (let tries = 0; tries < 50 && sent !== before; tries++) {
      before = sent;
      await sleep(200);
    }
    expect(sent).toBe(before);
    expect(sent).toBeLessThan(total / 4);
    release();
    await sending;
    await until(() => got.length === total, 30_000, 'all messages');
    expect(got.every((v, i) => v === i)).toBe(true);
    await ch.close();
  });

  it('a message handler may close the channel it is handling (no deadlock)', async () => {
    const closedBy: string[] = [];
    const p = await startPair(cleanup, {
      onChannel: (srv) =>
        srv.onMessage(async (m) => {
          const info = await srv.close(`after ${m}`);
          closedBy.push(info.reason);
        }),
    });
    const ch = await connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey });
    await ch.send('one');
    expect(await ch.closed).toMatchObject({ clean: true, reason: 'after one' });
    await until(() => closedBy.length === 1);
  });

  it('messages the server sends right after READY all reach the client', async () => {
    const p = await startPair(cleanup, {
      onChannel: (srv) => {
        for (let i = 0; i < 50; i++) void srv.send(`early ${i}`);
      },
    });
    // Hold message 2, READY and the first 19 messages, then release them in one burst, so they
    // arrive in one read while the client is still inside its handshake code.
    const held: Buffer[] = [];
    const mitm = await startMitm(cleanup, p.server.url, (m) => {
      if (m.dir === 'c2s' || m.index > 20) return m.data;
      held.push(m.data);
      return m.index === 20 ? held : null;
    });
    const ch = await connectSecure({ home: p.clientHome, url: mitm.url, token: p.server.token, serverKey: p.server.publicKey });
    const got: string[] = [];
    ch.onMessage((m) => {
      got.push(m.toString());
    });
    await until(() => got.length === 50);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `early ${i}`));
    await ch.close();
  });

  it('stopping the server ends its sessions with an authenticated close, not a cut', async () => {
    const p = await startPair(cleanup);
    const ch = await connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey });
    await p.server.close();
    expect(await ch.closed).toMatchObject({ clean: true, reason: 'server stopping' });
  });

  it('a peer that goes silent without closing (blackholed) is detected by the keepalive', async () => {
    const p = await startPair(cleanup);
    // A TCP proxy that can stop forwarding in both directions without closing anything.
    let blackhole = false;
    const proxy = net.createServer((down) => {
      const up = net.connect(p.server.port, '127.0.0.1');
      down.on('data', (d) => blackhole || up.write(d));
      up.on('data', (d) => blackhole || down.write(d));
      for (const s of [up, down]) s.on('error', () => {});
      up.on('close', () => down.destroy());
      down.on('close', () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => proxy.close(() => r())));
    const port = (proxy.address() as { port: number }).port;
    const ch = await connectSecure({ home: p.clientHome, url: `ws://127.0.0.1:${port}/`, token: p.server.token, serverKey: p.server.publicKey, limits: { keepaliveMs: 200 } });
    blackhole = true;
    const started = Date.now();
    expect(await ch.closed).toMatchObject({ clean: false, error: { code: 'truncated' } });
    expect(Date.now() - started).toBeLessThan(10_000);
    proxy.close();
    for (const c of p.accepted) c.destroy();
  });

  it('an unreadable authorized_clients refuses clients and tells the operator why', async () => {
    const warnings: string[] = [];
    const p = await startPair(cleanup, { warn: (l) => warnings.push(l) });
    chmodSync(path.join(p.serverHome, 'authorized_clients'), 0o644);
    await expect(connectSecure({ home: p.clientHome, url: p.server.url, token: p.server.token, serverKey: p.server.publicKey })).rejects.toMatchObject({ code: 'handshake-failed' });
    await until(() => warnings.length > 0);
    expect(warnings[0]).toMatch(/authorized_clients.*too open.*chmod 600/s);
  });

  it('the client identity is per BATON_HOME and stable across connections', async () => {
    const p = await startPair(cleanup);
    expect(loadOrCreateIdentity(p.clientHome).publicKey.equals(p.client.publicKey)).toBe(true);
  });
});

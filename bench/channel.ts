// Encrypted channel throughput next to raw WebSocket throughput on loopback, in one run:
//   npx tsx bench/channel.ts
// 64 KiB application messages for about 2 s each way of sending; MB/s counted at the receiver
// (1 MB = 10^6 bytes), from the first send to the last byte received. A benchmark, not a test.
import { createCipheriv } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { addAuthorizedClient, connectSecure, loadOrCreateIdentity, startSecureServer } from '../electron/app-server/transport/index.js';

const MESSAGE = 64 * 1024;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const IN_FLIGHT = 1024 * 1024; // raw sender keeps at most this much unflushed, like the channel's high-water mark

async function rawWebSocket(): Promise<number> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  let received = 0;
  let lastAt = 0;
  wss.on('connection', (ws) =>
    ws.on('message', (d: Buffer) => {
      received += d.length;
      lastAt = performance.now();
    }),
  );
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`, { perMessageDeflate: false });
  await new Promise<void>((r) => ws.once('open', () => r()));
  const payload = Buffer.alloc(MESSAGE, 0x5a);
  let sent = 0;
  let unflushed = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    if (unflushed > IN_FLIGHT) {
      await new Promise((r) => setImmediate(r));
      continue;
    }
    unflushed += MESSAGE;
    ws.send(payload, { binary: true }, () => (unflushed -= MESSAGE));
    sent += MESSAGE;
    if (sent % (16 * MESSAGE) === 0) await new Promise((r) => setImmediate(r));
  }
  while (received < sent) await new Promise((r) => setTimeout(r, 5));
  ws.terminate();
  wss.close();
  return received / ((lastAt - start) / 1000) / 1e6;
}

async function secureChannel(): Promise<number> {
  const serverHome = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-s-'));
  const clientHome = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-c-'));
  try {
    addAuthorizedClient(serverHome, loadOrCreateIdentity(clientHome).publicKey);
    let received = 0;
    let lastAt = 0;
    const server = await startSecureServer({
      home: serverHome,
      onChannel: (ch) =>
        ch.onMessage((m) => {
          received += m.length;
          lastAt = performance.now();
        }),
    });
    const ch = await connectSecure({ home: clientHome, url: server.url, token: server.token, serverKey: server.publicKey });
    const payload = Buffer.alloc(MESSAGE, 0x5a);
    let sent = 0;
    const start = performance.now();
    while (performance.now() - start < SECONDS * 1000) {
      await ch.send(payload);
      sent += MESSAGE;
    }
    while (received < sent) await new Promise((r) => setTimeout(r, 5));
    const mbps = received / ((lastAt - start) / 1000) / 1e6;
    await ch.close();
    await server.close();
    return mbps;
  } finally {
    rmSync(serverHome, { recursive: true, force: true });
    rmSync(clientHome, { recursive: true, force: true });
  }
}

/** The cipher alone, one 64 KiB message per call: why the transport uses node:crypto (issue 4). */
function cipherOnly(): { node: number; sodium: number | null } {
  const key = Buffer.alloc(32, 1);
  const nonce = Buffer.alloc(12);
  const msg = Buffer.alloc(MESSAGE, 0x5a);
  const time = (encrypt: () => void) => {
    let bytes = 0;
    const start = performance.now();
    while (performance.now() - start < 1000) {
      encrypt();
      bytes += MESSAGE;
    }
    return bytes / ((performance.now() - start) / 1000) / 1e6;
  };
  const node = time(() => {
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    c.setAAD(Buffer.alloc(0), { plaintextLength: msg.length });
    c.update(msg);
    c.final();
    c.getAuthTag();
  });
  let sodium: number | null = null;
  try {
    const s = createRequire(import.meta.url)('sodium-native');
    const out = Buffer.alloc(MESSAGE + 16);
    sodium = time(() => s.crypto_aead_chacha20poly1305_ietf_encrypt(out, msg, null, null, nonce, key));
  } catch {
    // sodium-native not installed here: only node:crypto is shown.
  }
  return { node, sodium };
}

const raw = await rawWebSocket();
const enc = await secureChannel();
const row = (name: string, v: number) => `${name.padEnd(44)} ${v.toFixed(1).padStart(8)} MB/s`;
console.log(`loopback, ${MESSAGE / 1024} KiB messages, ~${SECONDS} s each`);
console.log(row('raw WebSocket (ws)', raw));
console.log(row('Noise channel (ChaChaPoly, node:crypto)', enc) + `   ${(enc / raw).toFixed(2)}× raw`);
const cipher = cipherOnly();
console.log(row('  cipher alone: node:crypto chacha20-poly1305', cipher.node));
if (cipher.sodium !== null) console.log(row('  cipher alone: libsodium (sodium-native)', cipher.sodium));

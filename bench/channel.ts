// Encrypted channel throughput next to raw WebSocket throughput on loopback, in one run:
//   npx tsx bench/channel.ts
// 64 KiB application messages for about 2 s each way of sending, the receiver in its own process
// (bench/throughput.ts); MB/s counted at the receiver (1 MB = 10^6 bytes), from the first send to
// the receiver's count. A benchmark, not a test; `npm run bench` runs the full suite.
import { createCipheriv } from 'node:crypto';
import { createRequire } from 'node:module';
import { MESSAGE, measureThroughput } from './throughput.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

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

const { rawWebSocket: raw, noiseChannel: enc } = await measureThroughput(SECONDS, null);
const row = (name: string, v: number) => `${name.padEnd(44)} ${v.toFixed(1).padStart(8)} MB/s`;
console.log(`loopback, ${MESSAGE / 1024} KiB messages, ~${SECONDS} s each`);
console.log(row('raw WebSocket (ws)', raw));
console.log(row('Noise channel (ChaChaPoly, node:crypto)', enc) + `   ${(enc / raw).toFixed(2)}× raw`);
const cipher = cipherOnly();
console.log(row('  cipher alone: node:crypto chacha20-poly1305', cipher.node));
if (cipher.sodium !== null) console.log(row('  cipher alone: libsodium (sodium-native)', cipher.sodium));

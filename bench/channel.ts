// Encrypted channel throughput next to raw WebSocket throughput on loopback:
//   npx tsx bench/channel.ts            (BENCH_ROUNDS=3, BENCH_SECONDS=2)
// 64 KiB application messages for about 2 s each way of sending, the receiver in its own process
// (bench/throughput.ts); MB/s counted at the receiver (1 MB = 10^6 bytes), from the first send to
// the receiver's count. Rounds alternate raw and Noise so both see the same neighbours on a shared
// machine, and each run shows CPU ms per MB on both sides: the cost per byte, which moves far less
// with other load than MB/s does. A benchmark, not a test; `npm run bench` runs the full suite.
import { createCipheriv } from 'node:crypto';
import { createRequire } from 'node:module';
import { MESSAGE, measureThroughput, type Run } from './throughput.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
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

const rounds: { raw: Run; noise: Run }[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const { runs } = await measureThroughput(SECONDS, null);
  rounds.push({ raw: runs.rawWebSocket, noise: runs.noiseChannel });
}
const cell = (r: Run) => `${r.mbps.toFixed(0).padStart(5)} MB/s (cpu ms/MB: send ${r.senderCpuMsPerMB.toFixed(2)}, recv ${r.receiverCpuMsPerMB.toFixed(2)})`;
console.log(`loopback, ${MESSAGE / 1024} KiB messages, ~${SECONDS} s each, ${ROUNDS} rounds`);
for (const [i, r] of rounds.entries()) {
  console.log(`round ${i + 1}: raw WebSocket ${cell(r.raw)}   Noise ${cell(r.noise)}   ${(r.noise.mbps / r.raw.mbps).toFixed(2)}× raw`);
}
const med = (f: (r: { raw: Run; noise: Run }) => number) => median(rounds.map(f));
console.log(`median: raw WebSocket ${med((r) => r.raw.mbps).toFixed(0)} MB/s, Noise ${med((r) => r.noise.mbps).toFixed(0)} MB/s, Noise/raw ${med((r) => r.noise.mbps / r.raw.mbps).toFixed(2)}×`);
const row = (name: string, v: number) => `${name.padEnd(44)} ${v.toFixed(1).padStart(8)} MB/s`;
const cipher = cipherOnly();
console.log(row('cipher alone: node:crypto chacha20-poly1305', cipher.node));
if (cipher.sodium !== null) console.log(row('cipher alone: libsodium (sodium-native)', cipher.sodium));

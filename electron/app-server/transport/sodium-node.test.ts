// sodium-node.ts is what the shipped bundle runs instead of libsodium: each function is checked
// against libsodium, the Noise vectors run through noise-handshake on top of it, and a bundle
// built with the same alias as build.mjs completes a real session from a directory without
// node_modules (where sodium-native could not load).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs without types
import { transportAliases } from './bundle-alias.mjs';
import { publicKeyFor } from './identity.js';
import * as shim from './sodium-node.js';
import { tempHome } from './test-fixtures.js';

const require = createRequire(import.meta.url);
const sodium = require('sodium-native');
const here = path.dirname(fileURLToPath(import.meta.url));
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('sodium-node against libsodium', () => {
  it('BLAKE2b-512 (single and batch)', () => {
    for (const len of [0, 1, 64, 128, 1000]) {
      const input = randomBytes(len);
      const a = Buffer.alloc(64);
      const b = Buffer.alloc(64);
      shim.crypto_generichash(a, input);
      sodium.crypto_generichash(b, input);
      expect(a.equals(b)).toBe(true);
      shim.crypto_generichash_batch(a, [input, input.subarray(1), Buffer.from('x')]);
      sodium.crypto_generichash_batch(b, [input, input.subarray(1), Buffer.from('x')]);
      expect(a.equals(b)).toBe(true);
    }
    expect(() => shim.crypto_generichash(Buffer.alloc(32), Buffer.alloc(1))).toThrow(/only unkeyed 64-byte/);
  });

  it('ChaCha20-Poly1305 IETF encrypt, decrypt and refusal of a bad tag', () => {
    const k = randomBytes(32);
    const n = randomBytes(12);
    for (const ad of [null, Buffer.alloc(0), randomBytes(64)]) {
      const m = randomBytes(100);
      const c1 = Buffer.alloc(116);
      const c2 = Buffer.alloc(116);
      shim.crypto_aead_chacha20poly1305_ietf_encrypt(c1, m, ad, null, n, k);
      sodium.crypto_aead_chacha20poly1305_ietf_encrypt(c2, m, ad, null, n, k);
      expect(c1.equals(c2)).toBe(true);
      const out = Buffer.alloc(100);
      shim.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, c2, ad, n, k);
      expect(out.equals(m)).toBe(true);
      c2[5] ^= 1;
      expect(() => shim.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, c2, ad, n, k)).toThrow();
    }
  });

  it('X25519: scalarmult, scalarmult_base, keypairs, and refusal of low-order points', () => {
    for (let i = 0; i < 5; i++) {
      const sk = randomBytes(32);
      const pk = randomBytes(32);
      const a = Buffer.alloc(32);
      const b = Buffer.alloc(32);
      shim.crypto_scalarmult(a, sk, pk);
      sodium.crypto_scalarmult(b, sk, pk);
      expect(a.equals(b)).toBe(true);
      shim.crypto_scalarmult_base(a, sk);
      sodium.crypto_scalarmult_base(b, sk);
      expect(a.equals(b)).toBe(true);
    }
    const pk = Buffer.alloc(32);
    const sk = Buffer.alloc(32);
    shim.crypto_kx_keypair(pk, sk);
    expect(publicKeyFor(sk).equals(pk)).toBe(true);
    expect(() => shim.crypto_scalarmult(Buffer.alloc(32), randomBytes(32), Buffer.alloc(32))).toThrow();
    expect(() => sodium.crypto_scalarmult(Buffer.alloc(32), randomBytes(32), Buffer.alloc(32))).toThrow();
  });
});

describe('noise-handshake on sodium-node', () => {
  it('reproduces the IK and XX BLAKE2b vectors', () => {
    // Load a private copy of noise-handshake whose `require('sodium-universal')` gets the shim.
    const entry = require.resolve('noise-handshake');
    const sodiumId = require.resolve('sodium-universal', { paths: [path.dirname(entry)] });
    const saved = { ...require.cache };
    for (const id of Object.keys(require.cache)) if (id.includes(`${path.sep}noise-handshake${path.sep}`) || id === sodiumId) delete require.cache[id];
    require.cache[sodiumId] = { id: sodiumId, filename: sodiumId, loaded: true, exports: shim } as unknown as NodeJS.Module;
    let Noise: new (p: string, i: boolean, s: object) => { e: object | null; initialise(p: Buffer, rs?: Buffer): void; send(p: Buffer): Buffer; recv(m: Buffer): Buffer; hash: Buffer; tx: Buffer; rx: Buffer };
    try {
      Noise = require('noise-handshake');
    } finally {
      for (const id of Object.keys(require.cache)) delete require.cache[id];
      Object.assign(require.cache, saved);
    }
    const { vectors } = JSON.parse(readFileSync(path.join(here, 'testdata', 'cacophony-ik-xx-blake2b.json'), 'utf8'));
    const hex = (s: string) => Buffer.from(s, 'hex');
    const kp = (s: string) => ({ secretKey: hex(s), publicKey: publicKeyFor(hex(s)) });
    for (const v of vectors) {
      const pattern = v.protocol_name.split('_')[1];
      const init = new Noise(pattern, true, kp(v.init_static));
      const resp = new Noise(pattern, false, kp(v.resp_static));
      init.e = kp(v.init_ephemeral);
      resp.e = kp(v.resp_ephemeral);
      init.initialise(hex(v.init_prologue), v.init_remote_static ? hex(v.init_remote_static) : undefined);
      resp.initialise(hex(v.resp_prologue));
      const n = pattern === 'IK' ? 2 : 3;
      for (let i = 0; i < n; i++) {
        const [w, r] = i % 2 === 0 ? [init, resp] : [resp, init];
        const wire = w.send(hex(v.messages[i].payload));
        expect(wire.toString('hex')).toBe(v.messages[i].ciphertext);
        r.recv(Buffer.from(wire));
      }
      expect(init.hash.toString('hex')).toBe(v.handshake_hash);
    }
  });

  it('a bundle built with the build alias runs a full session where no add-on can load', async () => {
    const dir = tempHome(cleanup);
    const entry = path.join(dir, 'entry.ts');
    const index = path.join(here, 'index.ts');
    writeFileSync(
      entry,
      `import { addAuthorizedClient, connectSecure, loadOrCreateIdentity, startSecureServer } from ${JSON.stringify(index)};
       const [s, c] = [${JSON.stringify(path.join(dir, 's'))}, ${JSON.stringify(path.join(dir, 'c'))}];
       addAuthorizedClient(s, loadOrCreateIdentity(c).publicKey);
       (async () => {
         const server = await startSecureServer({ home: s, onChannel: (ch) => ch.onMessage(async (m) => { console.log('got ' + m); await ch.close(); await server.close(); }) });
         const ch = await connectSecure({ home: c, url: server.url, token: server.token });
         await ch.send('hello from a bundle');
       })().catch((e) => { console.error(e); process.exit(1); });`,
    );
    const out = path.join(dir, 'bundle.cjs');
    await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['bufferutil', 'utf-8-validate', 'cpu-features', '*.node', 'electron'],
      alias: transportAliases,
      logLevel: 'silent',
    });
    expect(readFileSync(out, 'utf8')).not.toContain('require-addon');
    const r = spawnSync(process.execPath, [out], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('got hello from a bundle');
  });
});

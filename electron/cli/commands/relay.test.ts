// `baton relay` as an operator runs it: the real CLI bundle as a child process, a Baton server
// registering there and a client reaching it through it, with real WebSockets and Noise.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAuthorizedClient, connectViaRelay, listenViaRelay, loadOrCreateIdentity, hostIdFor } from '../../app-server/transport/index';

const repoRoot = path.resolve(__dirname, '../../..');
const bundle = path.join(repoRoot, 'dist', 'baton.cjs');

describe('baton relay', () => {
  let dir: string;
  let relay: ChildProcess | undefined;
  beforeAll(() => {
    const b = spawnSync('node', ['build/build.mjs'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'baton-relaycli-'));
  });
  afterAll(() => {
    if (relay?.pid && relay.exitCode === null) relay.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('forwards a Noise session between a registered server and a client, and stops on SIGTERM', async () => {
    relay = spawn('node', [bundle, 'relay', '--listen', '127.0.0.1:0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      relay!.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!).url);
      });
      relay!.once('exit', (code) => reject(new Error(`relay exited ${code}`)));
    });
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);

    const serverHome = path.join(dir, 'server');
    const clientHome = path.join(dir, 'client');
    const server = loadOrCreateIdentity(serverHome);
    addAuthorizedClient(serverHome, loadOrCreateIdentity(clientHome).publicKey);
    const listener = listenViaRelay({
      relayUrl: url,
      home: serverHome,
      onChannel: (ch) => ch.onMessage((m) => void ch.send(`echo:${m.toString()}`)),
    });
    try {
      // The server's registration races the client: retry briefly until it is there.
      let ch;
      for (let i = 0; i < 50 && !ch; i++) {
        ch = await connectViaRelay({ relayUrl: url, hostId: hostIdFor(server.publicKey), home: clientHome, serverKey: server.publicKey }).catch(
          () => new Promise<undefined>((r) => setTimeout(() => r(undefined), 100)),
        );
      }
      expect(ch).toBeDefined();
      const reply = new Promise<string>((r) => ch!.onMessage((m) => r(m.toString())));
      await ch!.send('hello through the relay');
      expect(await reply).toBe('echo:hello through the relay');
      await ch!.close();
    } finally {
      listener.close();
    }

    const exited = new Promise<number | null>((r) => relay!.once('exit', (code) => r(code)));
    relay.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a listen address that is not HOST:PORT', () => {
    const r = spawnSync('node', [bundle, 'relay', '--listen', 'nonsense'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^baton: --listen "nonsense" is not HOST:PORT\./);
  });
});

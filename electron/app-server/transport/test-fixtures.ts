// Shared by this folder's tests: temporary BATON_HOMEs, a server with one authorized client, and
// a WebSocket man-in-the-middle that can alter, drop, duplicate or cut real traffic.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import type { SecureChannel } from './channel.js';
import { loadOrCreateIdentity, type StaticKeypair } from './identity.js';
import { addAuthorizedClient } from './key-stores.js';
import { startSecureServer, type SecureServer, type SecureServerOptions } from './server.js';

export function tempHome(cleanup: (() => unknown)[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-transport-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Pair {
  server: SecureServer;
  serverHome: string;
  clientHome: string;
  client: StaticKeypair;
  /** Channels the server accepted, in order. */
  accepted: SecureChannel[];
  /** Messages the server received, per accepted channel. */
  received: Buffer[][];
}

export async function startPair(cleanup: (() => unknown)[], opts: Partial<SecureServerOptions> = {}): Promise<Pair> {
  const serverHome = tempHome(cleanup);
  const clientHome = tempHome(cleanup);
  const client = loadOrCreateIdentity(clientHome);
  addAuthorizedClient(serverHome, client.publicKey, 'test client');
  const accepted: SecureChannel[] = [];
  const received: Buffer[][] = [];
  const server = await startSecureServer({
    home: serverHome,
    onChannel: (ch) => {
      const box: Buffer[] = [];
      accepted.push(ch);
      received.push(box);
      ch.onMessage((m) => {
        box.push(m);
      });
    },
    warn: () => {},
    ...opts,
  });
  cleanup.push(() => server.close());
  return { server, serverHome, clientHome, client, accepted, received };
}

export type Tamper = (m: { dir: 'c2s' | 's2c'; index: number; data: Buffer }) => Buffer | Buffer[] | null | 'cut';

/**
 * A WebSocket proxy in front of `target` that passes the upgrade's Authorization header on and
 * lets `tamper` rewrite each binary message (index counts per direction, from 0). Returning null
 * drops it, an array sends several, 'cut' terminates both connections at once.
 */
export async function startMitm(cleanup: (() => unknown)[], target: string, tamper: Tamper): Promise<{ url: string }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1 << 20 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  cleanup.push(() => new Promise<void>((r) => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => r());
  }));
  wss.on('connection', (down, req) => {
    const up = new WebSocket(target, { headers: { authorization: req.headers.authorization ?? '' }, maxPayload: 1 << 20 });
    const pending: Buffer[] = [];
    const counters = { c2s: 0, s2c: 0 };
    const relay = (dir: 'c2s' | 's2c', data: Buffer, to: WebSocket) => {
      const out = tamper({ dir, index: counters[dir]++, data });
      if (out === 'cut') {
        up.terminate();
        down.terminate();
        return;
      }
      for (const m of out === null ? [] : Array.isArray(out) ? out : [out]) if (to.readyState === to.OPEN) to.send(m);
    };
    down.on('message', (d: Buffer) => (up.readyState === up.OPEN ? relay('c2s', d, up) : pending.push(d)));
    up.on('open', () => {
      for (const d of pending.splice(0)) relay('c2s', d, up);
    });
    up.on('message', (d: Buffer) => relay('s2c', d, down));
    up.on('close', (code) => down.readyState === down.OPEN && down.close(code >= 4000 ? code : 1000));
    down.on('close', () => up.readyState <= up.OPEN && up.terminate());
    up.on('error', () => down.terminate());
    down.on('error', () => up.terminate());
  });
  const port = (wss.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}/` };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `pred` holds, or fails after `ms` (generous: the machine is shared). */
export async function until(pred: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

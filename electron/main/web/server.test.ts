// Browser mode over a real socket: the token guards the page and the bridge, the WebSocket
// carries the same envelopes as IPC, and nothing outside the renderer folder can be read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sshConnections } from '../bridge/sshConnections';
import { createDispatcher } from '../bridge/dispatch';
import { HostHub } from '../bridge/hub';
import { startWebServer, type WebServer } from './server';
import { tokenMatches } from './token';

let dir: string;
let hub: HostHub;
let web: WebServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-web-'));
  const renderer = path.join(dir, 'renderer');
  mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Baton</title>');
  writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'secret.txt'), 'secret');
  hub = new HostHub(sshConnections({ paths: { batonHome: path.join(dir, 'home'), sshConfig: path.join(dir, 'none'), knownHosts: path.join(dir, 'known_hosts') }, bundlePath: path.join(dir, 'no-bundle.cjs') }));
  web = await startWebServer({ rendererDir: renderer, dispatch: createDispatcher(hub.handlers()), onPush: (l) => hub.onPush(l) });
});
afterAll(async () => {
  await web.close();
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${web.port}`;

function openSocket(url: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

describe('browser mode server', () => {
  it('prints a 127.0.0.1 URL carrying a fresh token', () => {
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('serves the page only with the token, with a strict CSP', async () => {
    expect((await fetch(`${base()}/`)).status).toBe(403);
    expect((await fetch(`${base()}/?token=wrong`)).status).toBe(403);
    const ok = await fetch(web.url);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${base()}/assets/app.js`)).status).toBe(200);
  });

  it('never serves files outside the renderer folder', async () => {
    expect((await fetch(`${base()}/../secret.txt`)).status).toBe(404);
    expect((await fetch(`${base()}/%2e%2e/secret.txt`)).status).toBe(404);
  });

  it('refuses the bridge without the token or from another origin', async () => {
    await expect(openSocket(`ws://127.0.0.1:${web.port}/bridge?token=nope`)).rejects.toThrow('403');
    await expect(openSocket(`ws://127.0.0.1:${web.port}/bridge?token=${web.token}`, 'http://evil.example')).rejects.toThrow('403');
  });

  it('answers bridge requests over the WebSocket', async () => {
    const ws = await openSocket(`ws://127.0.0.1:${web.port}/bridge?token=${web.token}`, base());
    const answer = new Promise<unknown>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
    ws.send(JSON.stringify({ id: 7, method: 'hosts/list', payload: {} }));
    expect(await answer).toMatchObject({ id: 7, ok: true, result: { hosts: [{ id: 'local' }] } });
    const bad = new Promise<unknown>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
    ws.send('{not json');
    expect(await bad).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    ws.close();
  });

  it('compares tokens without depending on their length', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
    expect(tokenMatches('abc', null)).toBe(false);
  });
});

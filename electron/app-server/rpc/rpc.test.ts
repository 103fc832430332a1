// The JSON-RPC server over its real transports (a loopback WebSocket, a stdio-style stream
// pair) in front of a real app-server: bad input of every kind gets an error and the server
// keeps answering.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { MAX_MESSAGE_BYTES, methods, notifications, RpcErrorCode } from '../../../shared/contracts/rpc';
import { createRpcClient } from '../../../shared/rpc/client';
import { RpcError } from '../../../shared/rpc/errors';
import { applyEvent, reduceThread } from '../../../shared/threads/reduce';
import { startAppServer, type AppServer } from '../server/appServer';
import { createAgent } from '../agent/index';
import { lineConnection } from './stdio';
import { connectWebSocket, listenWebSocket, type WebSocketListener } from './websocket';

let home: string;
let app: AppServer;
let listener: WebSocketListener;
const token = 'test-token-0123456789abcdef';

beforeEach(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'baton-rpc-'));
  app = await startAppServer({ home, createAgent: (settings) => createAgent(settings) });
  listener = await listenWebSocket({ token, onConnection: (c) => app.attach(c) });
});
afterEach(async () => {
  await listener.close();
  await app.close();
  rmSync(home, { recursive: true, force: true });
});

function rawSocket(): Promise<{ ws: WebSocket; next: () => Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(listener.url, { headers: { authorization: `Bearer ${token}` } });
    const queue: unknown[] = [];
    const waiters: Array<(v: unknown) => void> = [];
    ws.on('message', (d) => {
      const v = JSON.parse(d.toString());
      const w = waiters.shift();
      if (w) w(v);
      else queue.push(v);
    });
    ws.once('open', () => resolve({ ws, next: () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r))) }));
    ws.once('error', reject);
  });
}

describe('JSON-RPC over WebSocket', () => {
  it('answers bad input with errors and survives all of it', async () => {
    const { ws, next } = await rawSocket();
    const cases: Array<[string, number, unknown]> = [
      ['{not json', RpcErrorCode.parseError, null],
      ['42', RpcErrorCode.invalidRequest, null],
      ['[]', RpcErrorCode.invalidRequest, null],
      [JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'initialize' }), RpcErrorCode.invalidRequest, 1],
      [JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'no/such' }), RpcErrorCode.methodNotFound, 2],
      [JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'thread/start', params: { project: 7 } }), RpcErrorCode.invalidParams, 3],
      [JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'thread/read', params: { thread: 'missing' } }), RpcErrorCode.notFound, 4],
      [JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'project/add', params: { path: '/definitely/not/here' } }), RpcErrorCode.invalidProject, 5],
      [JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'initialize', params: {}, padding: 'x'.repeat(MAX_MESSAGE_BYTES) }), RpcErrorCode.messageTooLarge, null],
    ];
    for (const [text, code, id] of cases) {
      ws.send(text);
      const r = (await next()) as { id: unknown; error: { code: number; message: string; data: { code: string } } };
      expect(r.error.code, text.slice(0, 60)).toBe(code);
      expect(r.id).toBe(id);
      expect(r.error.message.length).toBeGreaterThan(5);
    }
    // A notification (no id) that fails gets no answer; the next request still does.
    ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'no/such' }));
    ws.send(JSON.stringify([{ jsonrpc: '2.0', id: 'a', method: 'initialize', params: {} }, { jsonrpc: '2.0', id: 'b', method: 'nope' }]));
    const batch = (await next()) as Array<{ id: string; result?: { protocolVersion: number }; error?: unknown }>;
    expect(batch.map((r) => r.id)).toEqual(['a', 'b']);
    expect(batch[0]!.result!.protocolVersion).toBe(1);
    expect(batch[1]!.error).toBeDefined();
    ws.close();
  });

  it('refuses a connection without the token', async () => {
    const ws = new WebSocket(listener.url, { headers: { authorization: 'Bearer wrong' } });
    const err = await new Promise<Error>((r) => ws.once('error', r));
    expect(err.message).toMatch(/401/);
  });

  it('serves the typed client and pushes notifications', async () => {
    const conn = await connectWebSocket(listener.url, token);
    const client = createRpcClient((t) => conn.send(t));
    conn.onMessage((t) => client.receive(t));
    const init = await client.call('initialize', { clientName: 'test' });
    expect(init).toMatchObject({ protocolVersion: 1, hostId: 'local' });
    expect(typeof init.serverVersion).toBe('string');
    await expect(client.call('thread/read', { thread: 'nope' })).rejects.toBeInstanceOf(RpcError);
    await expect(client.call('thread/read', { thread: 'nope' })).rejects.toMatchObject({ kind: 'notFound' });
    expect((await client.call('project/list')).projects).toEqual([]);
    conn.close();
  });
});

describe('extension contracts', () => {
  it('serves methods and notifications another contract declares, typed on both sides', async () => {
    const ext = {
      'demo/double': { name: 'demo/double', params: z.object({ n: z.number().int() }), result: z.object({ twice: z.number().int() }) },
    } as const;
    const extNotifications = { 'demo/tick': z.object({ n: z.number() }) } as const;
    app.rpc.register(ext, { 'demo/double': ({ n }) => ({ twice: 2 * n }) }, extNotifications);
    expect(() => app.rpc.register(ext, { 'demo/double': ({ n }) => ({ twice: n }) })).toThrow(/registered twice/);

    const conn = await connectWebSocket(listener.url, token);
    const client = createRpcClient((t) => conn.send(t), { methods: { ...methods, ...ext }, notifications: { ...notifications, ...extNotifications } });
    conn.onMessage((t) => client.receive(t));
    expect(await client.call('demo/double', { n: 21 })).toEqual({ twice: 42 });
    await expect(client.call('demo/double', { n: 1.5 })).rejects.toMatchObject({ kind: 'invalidParams' });
    expect((await client.call('initialize', {})).protocolVersion).toBe(1);
    const tick = new Promise((r) => client.on('demo/tick', (p) => r(p.n)));
    app.rpc.notifyExtension('demo/tick', { n: 7 });
    expect(await tick).toBe(7);
    conn.close();
  });
});

describe('catching up with thread/event', () => {
  it('a client that folds read + notifications holds the same thread as the server', async () => {
    const repo = path.join(home, 'repo');
    mkdirSync(repo);
    execFileSync('git', ['init', '-q'], { cwd: repo });
    writeFileSync(path.join(repo, 'f'), 'x\n');
    execFileSync('git', ['add', '.'], { cwd: repo });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'r'], { cwd: repo });

    const conn = await connectWebSocket(listener.url, token);
    const client = createRpcClient((t) => conn.send(t));
    conn.onMessage((t) => client.receive(t));
    await client.call('project/add', { path: repo, name: 'r' });
    const { thread: meta } = await client.call('thread/start', { project: 'r', approvalPolicy: 'never' });

    // A client that had seen revision 1, then follows live events.
    const first = await client.call('thread/read', { thread: meta.id, afterRevision: 0, limit: 1 });
    let local = reduceThread(first.events!);
    const live: Array<Parameters<typeof applyEvent>[1]> = [];
    client.on('thread/event', (p) => {
      if (p.threadId === meta.id) live.push(p.event);
    });
    const done = new Promise<void>((r) => client.on('turn/completed', (p) => p.threadId === meta.id && r()));
    await client.call('turn/start', { thread: meta.id, input: 'plan: [x] one\n$ printf "a\\nb\\n"' });
    await done;
    for (const e of live) local = applyEvent(local, e);

    const server = await client.call('thread/read', { thread: meta.id });
    expect(local.revision).toBe(server.thread.revision);
    expect(local.items).toEqual(server.items);
    expect(local.planHistory).toEqual(server.thread.planHistory);
    expect(local.items.find((i) => i.type === 'command_execution')).toMatchObject({ output: 'a\nb\n', status: 'completed' });
    conn.close();
  });
});

describe('JSON-RPC over a line stream (stdio)', () => {
  it('answers per line, skips an oversized line with an error, and goes on', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    app.attach(lineConnection(input, output, 1024));
    const lines: string[] = [];
    let buf = '';
    output.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    const until = async (n: number) => {
      for (let i = 0; i < 200 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    input.write('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}\n');
    // 3 KiB in pieces, over the 1 KiB limit, then a normal request on the same write.
    input.write('{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"clientName":"' + 'y'.repeat(1500));
    input.write('z'.repeat(1500) + '"}}\n{"jsonrpc":"2.0","id":3,"method":"project/list"}\n');
    input.write('garbage\n');
    await until(4);
    // Responses may come in any order (JSON-RPC matches them by id), so look them up.
    const parsed = lines.map((l) => JSON.parse(l) as { id: unknown; error?: { code: number } });
    const byId = (id: number) => parsed.find((r) => r.id === id);
    const byCode = (code: number) => parsed.filter((r) => r.error?.code === code);
    expect(parsed).toHaveLength(4);
    expect(byId(1)).toMatchObject({ result: { protocolVersion: 1 } });
    expect(byId(3)).toMatchObject({ result: { projects: [] } });
    expect(byCode(RpcErrorCode.messageTooLarge)).toMatchObject([{ id: null }]);
    expect(byCode(RpcErrorCode.parseError)).toMatchObject([{ id: null }]);
    input.end();
  });
});

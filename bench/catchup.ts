// Reconnect catch-up (issue 9, item 5): a client watching a thread disconnects, the thread gains
// 1,000 events on its host meanwhile, and the client reconnects. Measured: from the start of
// the reconnect to the client holding every one of those events (thread/read afterRevision,
// paged, folded with the shared reducer), against a real `baton serve`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRpcClient } from '../shared/rpc/client.js';
import { applyInPlace, reduceThread } from '../shared/threads/reduce.js';
import { connectWebSocket } from '../electron/app-server/rpc/websocket.js';
import { gitEnv } from './workload.js';

const bundle = path.resolve(import.meta.dirname, '..', 'dist', 'baton.cjs');

async function connect(url: string, token: string) {
  const conn = await connectWebSocket(url, token);
  const client = createRpcClient((t) => conn.send(t));
  conn.onMessage((t) => client.receive(t));
  await client.call('initialize', { clientName: 'bench' });
  return { client, close: () => conn.close() };
}

export async function measureCatchUp(missedEvents = 1000, runs = 5): Promise<number[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-catchup-'));
  const home = path.join(dir, 'home');
  const repo = path.join(dir, 'repo');
  mkdirSync(repo, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo, env: gitEnv });
  writeFileSync(path.join(repo, 'a.txt'), 'a\n');
  execFileSync('git', ['add', '.'], { cwd: repo, env: gitEnv });
  execFileSync('git', ['commit', '-q', '-m', 'root'], { cwd: repo, env: gitEnv });
  const server = spawn(process.execPath, [bundle, 'serve'], { env: { ...process.env, BATON_HOME: home }, stdio: 'ignore' });
  try {
    const infoFile = path.join(home, 'server.json');
    for (let i = 0; i < 200 && !existsSync(infoFile); i++) await new Promise((r) => setTimeout(r, 50));
    const info = JSON.parse(readFileSync(infoFile, 'utf8')) as { url: string; token: string };
    const writer = await connect(info.url, info.token);
    await writer.client.call('project/add', { path: repo, name: 'bench' });
    const { thread } = await writer.client.call('thread/start', { project: 'bench', approvalPolicy: 'never', profile: 'full-access' });
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      // The watcher's state before it goes away.
      const watcher = await connect(info.url, info.token);
      const first = await readAll(watcher.client, thread.id, 0);
      let held = reduceThread(first);
      watcher.close();

      // Meanwhile on the host: turns whose commands add events until `missedEvents` were added.
      const target = held.revision + missedEvents;
      while ((await writer.client.call('thread/read', { thread: thread.id, limit: 1 })).thread.revision < target) {
        await writer.client.call('turn/start', { thread: thread.id, input: Array.from({ length: 50 }, () => '$ true').join('\n') });
        await waitIdle(writer.client, thread.id);
      }
      const finalRevision = (await writer.client.call('thread/read', { thread: thread.id, limit: 1 })).thread.revision;

      const t0 = performance.now();
      const again = await connect(info.url, info.token);
      const missed = await readAll(again.client, thread.id, held.revision);
      for (const e of missed) applyInPlace(held, e);
      const ms = performance.now() - t0;
      if (held.revision !== finalRevision) throw new Error(`catch-up ended at ${held.revision}, expected ${finalRevision}`);
      again.close();
      times.push(ms);
    }
    writer.close();
    return times;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

type Client = Awaited<ReturnType<typeof connect>>['client'];

async function readAll(client: Client, thread: string, afterRevision: number) {
  const events = [];
  let cursor: string | undefined;
  do {
    const page = await client.call('thread/read', { thread, afterRevision, limit: 10_000, ...(cursor ? { cursor } : {}) });
    events.push(...(page.events ?? []));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return events;
}

async function waitIdle(client: Client, thread: string) {
  for (;;) {
    const t = (await client.call('thread/read', { thread, limit: 1 })).thread;
    if (!t.activeTurnId) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

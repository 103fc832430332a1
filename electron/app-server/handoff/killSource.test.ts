// kill -9 for real, of the source: the coordinator runs in a child process that SIGKILLs
// itself around a chosen message; a new process on the same BATON_HOME runs recovery.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitView, isolateGit, makeScenario, removeTree } from '../git/test-repos';
import { ThreadStore } from '../storage/threadStore';
import { homeOf, Pair } from './harness.test-support';
import type { PeerHandler } from './peer';
import { framedOverSocket } from './tcpLink.test-support';

let root: string;
let gitRoot: string;
const pids = new Set<number>();
beforeAll(() => {
  gitRoot = isolateGit();
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-handoff-killsrc-'));
});
afterAll(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  removeTree(root);
  removeTree(gitRoot);
});

function runSource(env: Record<string, string>): Promise<{ signal: string | null; code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'sourceProcess.test-support.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  pids.add(child.pid!);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((r) => child.on('exit', (code, signal) => {
    pids.delete(child.pid!);
    r({ code, signal, out });
  }));
}

/** Serves the in-process destination's peer handler on loopback TCP (length-prefixed frames). */
async function serve(handle: PeerHandler): Promise<{ port: number; close: () => void }> {
  const socks = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    socks.add(sock);
    framedOverSocket(sock, 'local', handle);
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => (socks.forEach((s) => s.destroy()), server.close()) };
}

describe('kill -9 of the source process', () => {
  it.each([
    ['offer:before', 'local'], // frozen, transfer not begun: recovery lifts the fence
    ['stage:after', 'local'], // the destination voted, no decision: presumed abort, destination rolls back
    ['commit:before', 'gpu'], // decided, never sent: recovery sends the commit
    ['commit:after', 'gpu'], // applied on the destination, no tombstone yet: recovery writes it
  ])('dies at %s; a restarted source recovers and the thread lives on %s, whole', async (crashAt, liveOn) => {
    const dir = path.join(root, crashAt.replace(':', '-'));
    const { source, dest } = makeScenario(dir);
    const homes = { local: homeOf(dir, 'local'), gpu: homeOf(dir, 'gpu') };
    const pair = new Pair(homes);
    await pair.get('local').projects.add(source, 'app');
    await pair.get('gpu').projects.add(dest, 'app');
    const threadId = (await pair.get('local').threads.start({ project: 'app', approvalPolicy: 'never' })).id;
    const before = pair.get('local').store.readEvents(threadId);
    await pair.kill('local'); // the source now runs in the child, on the same BATON_HOME
    const srv = await serve((req, payload) => pair.get('gpu').handoff.handle(req, payload));

    const crashed = await runSource({ BATON_HOME: homes.local, MODE: 'handoff', THREAD: threadId, DEST_PORT: String(srv.port), CRASH_AT: crashAt });
    expect(crashed.signal).toBe('SIGKILL');
    const recovered = await runSource({ BATON_HOME: homes.local, MODE: 'recover', DEST_PORT: String(srv.port) });
    expect(recovered.code).toBe(0);
    expect(JSON.parse(recovered.out)).toEqual([expect.objectContaining({ side: 'source', settled: true })]);
    await pair.get('gpu').handoff.recover();
    srv.close();

    const storeA = new ThreadStore(homes.local);
    const tA = await storeA.read(threadId);
    const B = pair.get('gpu');
    const tB = B.store.exists(threadId) ? await B.store.read(threadId) : null;
    const isLive = (t: { status: string } | null) => !!t && t.status !== 'moved' && t.status !== 'handing-off';
    expect([isLive(tA) && 'local', isLive(tB) && 'gpu'].filter(Boolean)).toEqual([liveOn]);
    expect(B.handoff.journal.open()).toEqual([]);
    if (liveOn === 'gpu') {
      expect(tA).toMatchObject({ status: 'moved', movedTo: 'gpu' });
      expect(B.store.readEvents(threadId).slice(0, before.length)).toEqual(before);
      expect(gitView(tB!.worktreePath)).toEqual(gitView(source));
    } else {
      expect(tA.status).toBe('idle');
      expect(storeA.readEvents(threadId).slice(0, before.length)).toEqual(before);
      expect(tB).toBeNull();
    }
    await storeA.close();
    await pair.closeAll();
  });
});

// A handoff driven the way the UI drives it: through the bridge dispatcher and the host hub,
// with the real coordinator (electron/app-server/handoff/) on both app-servers and the peer
// messages carried by the desktop's links (handoffPeersOf). This computer → "gpu": review,
// start, progress pushed to the window, and the merged list shows the thread where it now lives.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgePushName } from '../../../shared/contracts/bridge';
import { createAgent } from '../../app-server/agent/index';
import { isolateGit, makeScenario, removeTree } from '../../app-server/git/test-repos';
import { connectionPair } from '../../app-server/rpc/stdio';
import { startAppServer } from '../../app-server/server/appServer';
import { createDispatcher, type BridgeDispatch } from './dispatch';
import { handoffPeersOf, type HandoffPeers } from './handoffPeers';
import { linkOver } from './hostLink';
import { HostHub } from './hub';
import { sshConnections } from './sshConnections';

let gitRoot: string;
let root: string;
let hub: HostHub;
let dispatch: BridgeDispatch;
const closers: Array<() => Promise<void>> = [];
const pushes: Array<{ name: BridgePushName; payload: unknown }> = [];
let id = 0;
const call = async (method: string, payload: unknown) => {
  const r = await dispatch({ id: ++id, method, payload });
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`);
  return r.result as any;
};

async function startHost(hostId: string, repo: string, peers: HandoffPeers | null) {
  // startAppServer registers handoff itself; the desktop gives This computer's server its links.
  const app = await startAppServer({
    home: path.join(root, hostId),
    hostId,
    createAgent: (s) => createAgent(s),
    handoff: { ...(peers ? { peers: peers.peers, hosts: peers.hosts } : {}), retries: 0 },
  });
  await app.projects.add(repo, 'app');
  const [mine, theirs] = connectionPair();
  app.attach(theirs);
  await hub.attach(hostId, linkOver(mine));
  closers.push(async () => {
    mine.close();
    await app.close();
  });
}

beforeAll(async () => {
  gitRoot = isolateGit();
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-bridge-handoff-'));
  const { source, dest } = makeScenario(root);
  hub = new HostHub(sshConnections({ paths: { batonHome: path.join(root, 'desktop'), sshConfig: path.join(root, 'none'), knownHosts: path.join(root, 'kh') }, bundlePath: 'x' }));
  hub.onPush((name, payload) => void pushes.push({ name, payload }));
  dispatch = createDispatcher(hub.handlers());
  // This computer coordinates through the desktop's links; gpu (like a remote baton serve) has
  // none of its own and coordinates through the desktop's relay.
  hub.enableRelay(handoffPeersOf(hub));
  await startHost('local', source, handoffPeersOf(hub));
  await startHost('gpu', dest, null);
});
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  await hub.close();
  removeTree(root);
  removeTree(gitRoot);
});

describe('handoff through the bridge', () => {
  it('reviews, moves This computer → gpu with progress pushed to the window, and lists the thread on gpu', async () => {
    const { thread } = await call('thread/start', { host: 'local', project: 'app', title: 'move me' });

    const { destinations } = await call('handoff/destinations', { host: 'local', thread: thread.id });
    expect(destinations).toEqual([
      expect.objectContaining({ host: 'local', current: true, eligible: false }),
      expect.objectContaining({ host: 'gpu', current: false, eligible: true }),
    ]);

    const { review } = await call('handoff/prepare', { host: 'local', thread: thread.id, to: 'gpu' });
    expect(review).toMatchObject({ threadId: thread.id, from: 'local', destination: 'gpu' });
    expect(review.files.length).toBeGreaterThan(0);

    await call('handoff/start', { host: 'local', thread: thread.id, operationId: review.operationId });
    const end = Date.now() + 30_000;
    let final: any;
    while (!final && Date.now() < end) {
      final = pushes.find((p) => p.name === 'handoff/progress' && (p.payload as { state: string }).state !== 'running')?.payload;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(final).toMatchObject({ host: 'local', operationId: review.operationId, destination: 'gpu', state: 'moved', stage: 'done' });
    const stages = pushes.filter((p) => p.name === 'handoff/progress').map((p) => (p.payload as { stage: string }).stage);
    expect(stages).toContain('transferring');
    expect(stages.at(-1)).toBe('done');

    const { threads } = await call('threads/list', {});
    expect(threads.filter((t: { id: string }) => t.id === thread.id)).toEqual([expect.objectContaining({ host: 'gpu', online: true, status: 'idle' })]);
    const there = await call('thread/read', { host: 'gpu', thread: thread.id });
    expect(there.thread).toMatchObject({ host: 'gpu', epoch: thread.epoch + 1 });
    const tombstone = await call('thread/read', { host: 'local', thread: thread.id });
    expect(tombstone.thread).toMatchObject({ status: 'moved', movedTo: 'gpu' });
  });

  it('brings it back: gpu → This computer, the remote coordinator reaching here through the desktop relay', async () => {
    const { threads } = await call('threads/list', {});
    const thread = threads.find((t: { title: string; host: string }) => t.title === 'move me' && t.host === 'gpu');
    expect(thread).toBeDefined();
    const { review } = await call('handoff/prepare', { host: 'gpu', thread: thread.id, to: 'local' });
    expect(review).toMatchObject({ from: 'gpu', destination: 'local' });
    pushes.length = 0;
    await call('handoff/start', { host: 'gpu', thread: thread.id, operationId: review.operationId });
    const end = Date.now() + 30_000;
    let final: any;
    while (!final && Date.now() < end) {
      final = pushes.find((p) => p.name === 'handoff/progress' && (p.payload as { state: string }).state !== 'running')?.payload;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(final).toMatchObject({ host: 'gpu', destination: 'local', state: 'moved' });
    const after = await call('threads/list', {});
    expect(after.threads.filter((t: { id: string }) => t.id === thread.id)).toEqual([expect.objectContaining({ host: 'local', status: 'idle' })]);
  });
});

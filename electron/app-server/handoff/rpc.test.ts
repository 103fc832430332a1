// handoff/* through the real JSON-RPC dispatcher on two hosts, the peer messages themselves
// carried as `handoff/peer` calls: the path a coordinator uses when it reaches the other
// app-server through an RPC connection.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../agent';
import { isolateGit, makeScenario, removeTree } from '../git/test-repos';
import { ProjectStore } from '../projects/projectStore';
import { createRpcServer, type Handlers, type MessageConnection, type RpcServer } from '../rpc/dispatcher';
import { homePaths } from '../storage/home';
import { ThreadStore } from '../storage/threadStore';
import { ThreadService } from '../threads/service';
import { RpcError } from '../../../shared/rpc/errors';
import { registerHandoff, RpcPeerLink } from './rpc';

let root: string;
let gitRoot: string;
beforeAll(() => {
  gitRoot = isolateGit();
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-handoff-rpc-'));
});
afterAll(() => {
  removeTree(root);
  removeTree(gitRoot);
});

let nextId = 1;
async function rpcCall(rpc: RpcServer, method: string, params: unknown): Promise<unknown> {
  const res = JSON.parse((await rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params })))!);
  if (res.error) throw Object.assign(RpcError.fromObject(res.error), { data: res.error.data });
  return res.result;
}

describe('handoff over JSON-RPC', () => {
  it('lists destinations, prepares, starts, reports progress and status, and refuses with stable codes', async () => {
    const { source, dest } = makeScenario(root);
    const hosts: Record<string, { rpc: RpcServer; threads: ThreadService; store: ThreadStore }> = {};
    let connected = true;
    for (const [id, repo] of [['local', source], ['gpu', dest]] as const) {
      const home = path.join(root, `home-${id}`);
      const store = new ThreadStore(home);
      const projects = new ProjectStore(homePaths(home).projects);
      const threads = new ThreadService({ store, projects, home, hostId: id, createAgent: (s) => createAgent(s) });
      // Only the handoff methods are exercised here; the core table is the app-server's business.
      const rpc = createRpcServer({} as Handlers);
      await projects.add(repo, 'app');
      hosts[id] = { rpc, threads, store };
      registerHandoff(
        { home, hostId: id, serverVersion: '0.1.0', store, threads, projects, rpc },
        {
          peers: (h) => (h !== id && hosts[h] && connected ? new RpcPeerLink(h, (m, p) => rpcCall(hosts[h]!.rpc, m, p)) : null),
          hosts: () => ['local', 'gpu'],
          retries: 0,
        },
      );
    }
    const A = hosts.local!;
    const notes: string[] = [];
    const conn: MessageConnection = { send: (t) => notes.push(t), onMessage: () => undefined, onClose: () => undefined, close: () => undefined };
    A.rpc.attach(conn);
    const thread = await A.threads.start({ project: 'app', approvalPolicy: 'never' });

    expect(await rpcCall(A.rpc, 'handoff/destinations', { thread: thread.id })).toEqual({
      threadId: thread.id,
      destinations: [
        { host: 'local', eligible: false, reason: 'same-host', message: expect.stringContaining('already lives on This computer') },
        { host: 'gpu', eligible: true },
      ],
    });
    const refused = await rpcCall(A.rpc, 'handoff/prepare', { thread: thread.id, to: 'local' }).catch((e) => e);
    expect(refused).toMatchObject({ kind: 'policyRefused', data: { code: 'same-host' } });

    const { review } = (await rpcCall(A.rpc, 'handoff/prepare', { thread: thread.id, to: 'gpu' })) as { review: { operationId: string; warnings: Array<{ code: string }> } };
    const { operationId } = (await rpcCall(A.rpc, 'handoff/start', { operationId: review.operationId })) as { operationId: string };
    for (let i = 0; i < 400; i++) {
      const s = (await rpcCall(A.rpc, 'handoff/status', { operationId })) as { state: string };
      if (s.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await rpcCall(A.rpc, 'handoff/status', { operationId })).toMatchObject({ state: 'moved', stage: 'done' });
    const stages = notes.map((n) => JSON.parse(n)).filter((n) => n.method === 'handoff/progress').map((n) => n.params.stage);
    expect(stages).toEqual(expect.arrayContaining(['freezing', 'transferring', 'verifying', 'committing', 'applying', 'done']));
    expect((await hosts.gpu!.store.read(thread.id)).host).toBe('gpu');

    expect(await rpcCall(A.rpc, 'handoff/cancel', { operationId }).catch((e) => e)).toMatchObject({ data: { code: 'too-late-to-cancel' } });
    expect(await rpcCall(A.rpc, 'handoff/status', { operationId: 'ho_doesnotexist' }).catch((e) => e)).toMatchObject({ kind: 'notFound', data: { code: 'unknown-operation' } });
    expect(await rpcCall(A.rpc, 'handoff/peer', { request: { type: 'part', op: '../x', name: 'pack', offset: 0, length: 0 } }).catch((e) => e)).toMatchObject({ kind: 'invalidParams' });

    // Back, then a cancelled handoff: nothing moves, the thread stays live where it is.
    const B = hosts.gpu!;
    const p2 = (await rpcCall(B.rpc, 'handoff/prepare', { thread: thread.id, to: 'local' })) as { review: { operationId: string } };
    expect(await rpcCall(B.rpc, 'handoff/cancel', { operationId: p2.review.operationId })).toMatchObject({ cancelled: true, stage: 'aborted' });
    expect((await B.store.read(thread.id)).status).toBe('idle');
    connected = false;
    expect(await rpcCall(B.rpc, 'handoff/prepare', { thread: thread.id, to: 'local' }).catch((e) => e)).toMatchObject({ data: { code: 'not-connected' } });
    await A.threads.close();
    await B.threads.close();
  });
});

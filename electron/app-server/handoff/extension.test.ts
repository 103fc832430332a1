// startAppServer brings handoff with it: a server started with no peers (a headless
// `baton serve`) answers another host's `handoff/peer` as a destination, and a server given a
// link to it (the CLI or the desktop) coordinates a move there end to end.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handoffMethods } from '../../../shared/contracts/handoff';
import { createRpcClient } from '../../../shared/rpc/client';
import { createAgent } from '../agent';
import { isolateGit, makeScenario, removeTree } from '../git/test-repos';
import { connectionPair } from '../rpc/stdio';
import { startAppServer, type AppServer } from '../server/appServer';
import { handoffServiceOf, recoverHandoffs } from './extension';
import { RpcPeerLink } from './rpc';

let root: string;
let gitRoot: string;
const apps: AppServer[] = [];
beforeAll(() => {
  gitRoot = isolateGit();
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-handoff-ext-'));
});
afterAll(async () => {
  for (const a of apps) await a.close();
  removeTree(root);
  removeTree(gitRoot);
});

function clientOf(app: AppServer) {
  const [mine, theirs] = connectionPair();
  app.attach(theirs);
  const client = createRpcClient((t) => mine.send(t), { methods: handoffMethods });
  mine.onMessage((t) => client.receive(t));
  return client;
}

describe('handoff as an app-server extension', () => {
  it('a server without peers answers handoff/peer; one given a link to it moves a thread there', async () => {
    const { source, dest } = makeScenario(root);
    const box = await startAppServer({ home: path.join(root, 'box'), hostId: 'box', createAgent: (s) => createAgent(s) });
    apps.push(box);
    await box.projects.add(dest, 'app');
    const toBox = clientOf(box);
    const here = await startAppServer({
      home: path.join(root, 'here'),
      createAgent: (s) => createAgent(s),
      handoff: { peers: (h) => (h === 'box' ? new RpcPeerLink('box', (m, p) => toBox.call(m, p as never)) : null), hosts: () => ['local', 'box'], retries: 0 },
    });
    apps.push(here);
    await here.projects.add(source, 'app');

    // Headless: no hosts but itself, so nothing to hand off to; still a destination for others.
    const boxService = handoffServiceOf(box)!;
    const t0 = await box.threads.start({ project: 'app', title: 'stays' });
    expect((await boxService.destinations(t0.id)).destinations).toEqual([expect.objectContaining({ host: 'box', eligible: false, reason: 'same-host' })]);
    expect(await toBox.call('handoff/peer', { request: { type: 'describe' } })).toMatchObject({ response: { type: 'description', host: 'box' } });

    const t = await here.threads.start({ project: 'app', title: 'move me' });
    const status = await handoffServiceOf(here)!.run({ thread: t.id, to: 'box' });
    expect(status).toMatchObject({ state: 'moved', stage: 'done' });
    expect((await box.threads.read({ thread: t.id })).thread).toMatchObject({ epoch: t.epoch + 1, status: 'idle' });
    expect((await here.threads.read({ thread: t.id })).thread).toMatchObject({ status: 'moved', movedTo: 'box' });
    // Nothing open: a recovery pass (what a reconnect triggers) finds nothing to do.
    expect(await recoverHandoffs(here)).toEqual([]);
  });
});

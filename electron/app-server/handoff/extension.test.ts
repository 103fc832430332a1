// startAppServer brings handoff with it: a server started with no peers (a headless
// `baton serve`) answers another host's `handoff/peer` as a destination, and a server given a
// link to it (the CLI or the desktop) coordinates a move there end to end.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handoffMethods } from '../../../shared/contracts/handoff';
import { handoffRelayMethods, handoffRelayNotifications } from '../../../shared/contracts/handoffRelay';
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
  const client = createRpcClient((t) => mine.send(t), { methods: { ...handoffMethods, ...handoffRelayMethods }, notifications: handoffRelayNotifications });
  mine.onMessage((t) => client.receive(t));
  return Object.assign(client, { cut: () => mine.close() });
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

  it('a server without peers coordinates through a client that relays (handoff/relay); a relay that goes away is a cut connection', async () => {
    const { source, dest } = makeScenario(path.join(root, 'relay'));
    const remote = await startAppServer({ home: path.join(root, 'relay-remote'), hostId: 'remote', createAgent: (s) => createAgent(s), handoff: { retries: 0 } });
    const here = await startAppServer({ home: path.join(root, 'relay-here'), createAgent: (s) => createAgent(s) });
    apps.push(remote, here);
    await remote.projects.add(source, 'app');
    await here.projects.add(dest, 'app');
    const t = await remote.threads.start({ project: 'app', title: 'comes home' });
    const service = handoffServiceOf(remote)!;
    expect((await service.destinations(t.id)).destinations).toEqual([expect.objectContaining({ host: 'remote', eligible: false })]);

    // The client: every relayed request goes to this computer's app-server and the answer back.
    const relay = clientOf(remote);
    const handled: string[] = [];
    relay.on('handoff/relayRequest', (r) => {
      handled.push(r.request.type);
      void handoffServiceOf(here)!
        .handle(r.request, r.payload === undefined ? undefined : Buffer.from(r.payload, 'base64'))
        .then((response) => relay.call('handoff/relayAnswer', { id: r.id, response }));
    });
    expect(await relay.call('handoff/relay', { hosts: ['local'] })).toEqual({ hosts: ['local'] });
    expect((await service.destinations(t.id)).destinations).toEqual([expect.objectContaining({ host: 'remote', eligible: false }), { host: 'local', eligible: true }]);

    const status = await service.run({ thread: t.id, to: 'local' });
    expect(status).toMatchObject({ state: 'moved', stage: 'done' });
    expect(handled).toEqual(expect.arrayContaining(['describe', 'probe', 'offer', 'part', 'stage', 'commit']));
    expect((await here.threads.read({ thread: t.id })).thread).toMatchObject({ status: 'idle', epoch: t.epoch + 1 });
    expect((await remote.threads.read({ thread: t.id })).thread).toMatchObject({ status: 'moved', movedTo: 'local' });

    // Cut mid-transfer (before the destination votes): the operation aborts, the thread stays.
    const t3 = await remote.threads.start({ project: 'app', title: 'cut short' });
    const flaky = clientOf(remote);
    flaky.on('handoff/relayRequest', (r) => {
      if (r.request.type === 'stage') return flaky.cut();
      void handoffServiceOf(here)!
        .handle(r.request, r.payload === undefined ? undefined : Buffer.from(r.payload, 'base64'))
        .then((response) => flaky.call('handoff/relayAnswer', { id: r.id, response }))
        .catch(() => undefined);
    });
    await flaky.call('handoff/relay', { hosts: ['local'] });
    const cut = await service.run({ thread: t3.id, to: 'local' });
    expect(cut.state).not.toBe('moved');
    expect((await remote.threads.read({ thread: t3.id })).thread).toMatchObject({ status: 'idle', epoch: t3.epoch });
    expect(handoffServiceOf(here)!.threads.exists(t3.id)).toBe(false);

    // Gone: the host is no longer offered, and asking for it changes nothing.
    relay.cut();
    const t2 = await remote.threads.start({ project: 'app', title: 'stays' });
    expect((await service.destinations(t2.id)).destinations).toEqual([expect.objectContaining({ host: 'remote' })]);
    await expect(service.prepare({ thread: t2.id, to: 'local' })).rejects.toMatchObject({ code: 'not-connected' });
    expect((await remote.threads.read({ thread: t2.id })).thread).toMatchObject({ status: 'idle', epoch: t2.epoch });
  });
});

// A handoff whose peer messages cross the real secure channel (Noise over a loopback
// WebSocket, issue 4) as binary messages beside JSON-RPC, wired as `baton serve`, the desktop and
// the CLI wire them (channelPeer + secureChannelConnection); the channel is cut mid-transfer and the
// transfer resumes from what the destination had verified instead of starting over.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PART_CHUNK_BYTES, type PeerRequest } from '../../../shared/contracts/handoff';
import { gitView, isolateGit, makeScenario, removeTree, write } from '../git/test-repos';
import { connectSecure } from '../transport/client';
import { loadOrCreateIdentity } from '../transport/identity';
import { addAuthorizedClient } from '../transport/key-stores';
import { startSecureServer, type SecureServer } from '../transport/server';
import type { SecureChannel } from '../transport/channel';
import { homeOf, Pair } from './harness.test-support';
import { secureChannelConnection } from '../rpc/secureChannel';
import { channelPeer } from './channelPeer';
import type { FramedPeerLink, PeerLink } from './peer';

let root: string;
let gitRoot: string;
const cleanup: Array<() => unknown> = [];
beforeAll(() => {
  gitRoot = isolateGit();
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-handoff-noise-'));
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  removeTree(root);
  removeTree(gitRoot);
});

describe('handoff over the secure channel', () => {
  it('moves a thread with a 3 MB pack through Noise, resuming after the channel is cut mid-transfer', async () => {
    const { source, dest } = makeScenario(root);
    const homes = { local: homeOf(root, 'local'), gpu: homeOf(root, 'gpu') };
    // The desktop's key is pinned on the remote (what the SSH bootstrap does).
    addAuthorizedClient(homes.gpu, loadOrCreateIdentity(homes.local).publicKey, 'test desktop');

    let pair!: Pair;
    const sent: Array<{ type: PeerRequest['type']; name?: string; offset?: number }> = [];
    let server!: SecureServer;
    let channel: SecureChannel | null = null;
    let connecting: Promise<FramedPeerLink> | null = null;
    let cutAfterParts = 4;
    let connections = 0;

    const connect = async (): Promise<FramedPeerLink> => {
      connections++;
      const ch = await connectSecure({ home: homes.local, url: server.url, token: server.token, serverKey: server.publicKey });
      channel = ch;
      const peer = channelPeer(ch, 'gpu', null);
      // Text messages (JSON-RPC) are not used here; a listener starts the channel's delivery.
      secureChannelConnection(ch, peer.receive).onMessage(() => undefined);
      const link = peer.link;
      ch.on('close', () => {
        if (channel === ch) {
          channel = null;
          connecting = null;
        }
      });
      return link;
    };
    // What the desktop's connection manager would do: one channel, re-dialled when it drops.
    const toGpu: PeerLink = {
      async send(req, payload) {
        connecting ??= connect();
        const link = await connecting;
        sent.push({ type: req.type, ...(req.type === 'part' ? { name: req.name, offset: req.offset } : {}) });
        if (req.type === 'part' && req.name === 'pack' && --cutAfterParts === 0) channel?.destroy(); // the network drops
        return link.send(req, payload);
      },
    };

    pair = new Pair(homes, { link: (from, to) => (from === 'local' && to === 'gpu' ? toGpu : undefined), retries: 3, retryDelayMs: 50 });
    server = await startSecureServer({
      home: homes.gpu,
      warn: () => undefined,
      onChannel: (ch) => {
        const peer = channelPeer(ch, 'local', (req, payload) => pair.get('gpu').handoff.handle(req, payload));
        secureChannelConnection(ch, peer.receive).onMessage(() => undefined);
      },
    });
    cleanup.push(() => server.close());
    await pair.get('local').projects.add(source, 'app');
    await pair.get('gpu').projects.add(dest, 'app');
    const thread = await pair.get('local').threads.start({ project: 'app', approvalPolicy: 'never' });

    const review = await pair.get('local').handoff.prepare({ thread: thread.id, to: 'gpu' });
    await pair.get('local').handoff.source.prestaged(review.operationId);
    // Written after the review: the 3 MB are not pre-staged and cross in the transfer itself.
    write(source, 'assets/blob.bin', randomBytes(3 * 1024 * 1024));
    const status = await pair.get('local').handoff.run({ operationId: review.operationId });
    expect(status).toMatchObject({ state: 'moved' });
    expect(connections).toBe(2);
    // After the cut the transfer went on from the destination's verified offset, not from 0.
    const offers = sent.flatMap((s, i) => (s.type === 'offer' ? [i] : []));
    expect(offers).toHaveLength(2);
    expect(sent.some((s) => s.type === 'prestage')).toBe(true);
    const firstAfterReconnect = sent.slice(offers[1]).find((s) => s.type === 'part' && s.name === 'pack');
    expect(firstAfterReconnect!.offset).toBeGreaterThanOrEqual(3 * PART_CHUNK_BYTES);
    expect(sent.filter((s) => s.type === 'part' && s.name === 'pack' && s.offset === 0)).toHaveLength(1);
    const onB = await pair.get('gpu').store.read(thread.id);
    expect(onB.host).toBe('gpu');
    expect(gitView(onB.worktreePath)).toEqual(gitView(source));
    await pair.closeAll();
  });
});

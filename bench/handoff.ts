// Baton's handoff on the standard workload, the way the desktop does it: this computer's
// app-server in this process, its coordinator linked to the remote host's `baton serve`,
// bootstrapped and reached over a real sshd (openRemoteSession: SSH, port-forward, Noise).
// Timed: review (handoff/prepare, which pre-stages objects on the destination while the dialog
// is open) and click → resumed (handoff/start until the thread is live on the destination).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { handoffMethods, handoffNotifications } from '../shared/contracts/handoff.js';
import { methods, notifications } from '../shared/contracts/rpc.js';
import { createRpcClient } from '../shared/rpc/client.js';
import { createAgent } from '../electron/app-server/agent/index.js';
import { captureSnapshot, deleteSnapshot } from '../electron/app-server/git/index.js';
import { encodeFrame, type PeerLink } from '../electron/app-server/handoff/peer.js';
import { RpcPeerLink } from '../electron/app-server/handoff/rpc.js';
import { connectionPair } from '../electron/app-server/rpc/stdio.js';
import { startAppServer, type AppServer } from '../electron/app-server/server/appServer.js';
import { openRemoteSession } from '../electron/cli/remote/open.js';
import { addHost, localResolveEnv } from '../electron/main/ssh/index.js';
import type { BenchSsh } from './ssh.js';
import { createLongThread } from './thread-log.js';
import { gitEnv } from './workload.js';

const tables = { methods: { ...methods, ...handoffMethods }, notifications: { ...notifications, ...handoffNotifications } };

export interface HandoffRun {
  prepareMs: number;
  /** Review shown → the destination has the objects and the filled worktree (in the background while the review is open). */
  prestageMs: number;
  clickToResumedMs: number;
  /** Application bytes sent to the destination (peer frames: JSON header + binary payload). */
  bytesSent: number;
}

export interface Desk {
  app: AppServer;
  client: ReturnType<typeof createRpcClient<typeof tables.methods, typeof tables.notifications>>;
  remote: Awaited<ReturnType<typeof openRemoteSession<typeof tables.methods, typeof tables.notifications>>>;
  counter: { bytes: number };
  close(): Promise<void>;
}

/**
 * The desktop side: BATON_HOME and HOME of its own (saved host `box` = the bench sshd user),
 * this computer's app-server with a counted peer link to the box's app-server.
 */
export async function openDesk(root: string, ssh: BenchSsh, opts: { reuse?: boolean } = {}): Promise<Desk> {
  const home = path.join(root, 'desk-home');
  const batonHome = path.join(home, '.baton');
  mkdirSync(path.join(home, '.ssh'), { recursive: true });
  writeFileSync(path.join(home, '.ssh', 'config'), `Host box\n  HostName 127.0.0.1\n  Port ${ssh.target.port}\n  User ${ssh.target.user}\n  IdentityFile ${ssh.target.identityFile}\n  IdentitiesOnly yes\n`);
  writeFileSync(path.join(home, '.ssh', 'known_hosts'), readFileSync(ssh.target.knownHostsFile));
  process.env.HOME = home;
  process.env.BATON_HOME = batonHome;
  process.env.SSH_AUTH_SOCK = '';
  if (!opts.reuse) addHost({ batonHome, sshConfigPath: path.join(home, '.ssh', 'config'), env: localResolveEnv(), name: 'box', target: 'box' });
  const remote = await openRemoteSession({ remote: 'box' }, tables);
  const counter = { bytes: 0 };
  // As the desktop does: binary peer frames on the secure channel (RpcPeerLink only without one).
  const inner = remote.peer ?? new RpcPeerLink('box', (method, params) => remote.client.call(method, params as never));
  const counted: PeerLink = {
    send: (req, payload) => {
      // The application bytes of one request: the frame (header + payload), or JSON with base64.
      counter.bytes += remote.peer ? encodeFrame({ id: 0, kind: 'req', body: req, payload }).length : JSON.stringify(req).length + (payload ? Math.ceil(payload.length / 3) * 4 : 0);
      return inner.send(req, payload);
    },
  };
  const app = await startAppServer({
    home: batonHome,
    createAgent: (s) => createAgent(s),
    handoff: { peers: (h) => (h === 'box' ? counted : null), hosts: () => ['local', 'box'] },
  });
  const [mine, theirs] = connectionPair();
  app.attach(theirs);
  const client = createRpcClient((t) => mine.send(t), tables);
  mine.onMessage((t) => client.receive(t));
  await client.call('initialize', { clientName: 'bench' });
  return {
    app,
    client,
    remote,
    counter,
    close: async () => {
      await app.close();
      mine.close();
      await remote.close();
    },
  };
}

/**
 * One handoff local → box of `threadId`: review, pre-staging while the review is open (the
 * person reads it; the click comes once the destination is ready), then click → resumed.
 */
export async function handOff(desk: Desk, threadId: string): Promise<HandoffRun> {
  desk.counter.bytes = 0;
  const t0 = performance.now();
  const { review } = await desk.client.call('handoff/prepare', { thread: threadId, to: 'box' });
  const tReview = performance.now();
  while ((await desk.client.call('handoff/status', { operationId: review.operationId })).prestage === 'running') await new Promise((r) => setTimeout(r, 5));
  const t1 = performance.now();
  const { operationId } = await desk.client.call('handoff/start', { operationId: review.operationId });
  for (;;) {
    const s = await desk.client.call('handoff/status', { operationId });
    if (s.state === 'moved') break;
    if (s.state !== 'running') throw new Error(`handoff ${operationId} ended ${s.state}: ${JSON.stringify(s.error ?? s)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const t2 = performance.now();
  return { prepareMs: tReview - t0, prestageMs: t1 - tReview, clickToResumedMs: t2 - t1, bytesSent: desk.counter.bytes };
}

/** The destination's ref tips, read before a handoff adds to them (root reads another user's repo). */
export function tipsOf(destRepo: string): string[] {
  return execFileSync('git', ['-c', 'safe.directory=*', 'for-each-ref', '--format=%(objectname)'], { cwd: destRepo, env: gitEnv, encoding: 'utf8' }).split('\n').filter(Boolean);
}

/**
 * The minimum a handoff must carry: the objects the destination lacks (`haves`: its tips), packed,
 * plus the gzipped thread log. Measured before the handoff, on a capture of the same worktree
 * (same trees, same objects) made with the git engine and removed again.
 */
export async function minimumBytes(source: string, haves: string[], logFile: string): Promise<{ pack: number; log: number }> {
  const m = await captureSnapshot({ cwd: source, thread: 'bench-minimum' });
  try {
    const pack = execFileSync('git', ['pack-objects', '--revs', '--thin', '--stdout', '-q'], { cwd: source, env: gitEnv, input: [m.worktreeCommit, ...haves.map((h) => `^${h}`)].join('\n') + '\n', maxBuffer: 1 << 30 });
    return { pack: pack.length, log: gzipSync(readFileSync(logFile)).length };
  } finally {
    await deleteSnapshot(source, m.ref);
  }
}

export { createLongThread };

// The renderer's stores against the real main side: the bridge dispatcher and host hub with an
// embedded app-server (and a second one attached as host "gpu"), real git, the offline agent.
// The transport serializes every envelope, as IPC and the WebSocket do. Node-side imports are
// fine here: this file is a test, not part of the page (see imports.test.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linkOver } from '../../electron/main/bridge/hostLink';
import { createAgent } from '../../electron/app-server/agent/index';
import { connectionPair } from '../../electron/app-server/rpc/stdio';
import { startAppServer, type AppServer } from '../../electron/app-server/server/appServer';
import { sshConnections } from '../../electron/main/bridge/sshConnections';
import { startDesktop, type Desktop } from '../../electron/main/bridge/desktop';
import { createBridgeClient, type BridgeTransport } from '../bridge/client';
import { createHandoffStore } from '../handoff/store';
import { createAppStore, type AppStore } from './app';

let dir: string;
let repo: string;
let desktop: Desktop;
let gpu: AppServer | null = null;
let dropThreadEvents = 0;

function transport(d: Desktop): BridgeTransport {
  const wire = <T,>(v: T): T => JSON.parse(JSON.stringify(v));
  return {
    request: async (env) => wire(await d.dispatch(wire(env))),
    onPush: (listener) =>
      void d.hub.onPush((push, payload) => {
        // A lossy link: lets a test drop live events and check the store catches up.
        if (push === 'thread/event' && dropThreadEvents > 0) {
          dropThreadEvents--;
          return;
        }
        queueMicrotask(() => listener(wire({ push, payload })));
      }),
  };
}

async function until<T>(what: string, f: () => T | undefined | null | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-stores-'));
  repo = path.join(dir, 'app');
  mkdirSync(repo);
  const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'root');
  git('remote', 'add', 'origin', 'git@github.com:acme/app.git');
  writeFileSync(path.join(dir, 'ssh_config'), '');
  desktop = await startDesktop({ home: path.join(dir, 'home'), connections: sshConnections({ paths: { batonHome: path.join(dir, 'home'), sshConfig: path.join(dir, 'ssh_config'), knownHosts: path.join(dir, 'known_hosts') }, bundlePath: path.join(dir, 'no-bundle.cjs') }) });
});
afterEach(async () => {
  await desktop.close();
  await gpu?.close();
  gpu = null;
  dropThreadEvents = 0;
  rmSync(dir, { recursive: true, force: true });
});

async function threadWithApproval(app: AppStore) {
  await app.getState().init();
  expect(await app.getState().addProject({ host: 'local', path: repo })).toBe(true);
  const project = app.getState().projects[0]!;
  expect(await app.getState().startThread({ host: 'local', project: project.id, title: 'hello', approvalPolicy: 'untrusted' })).toBe(true);
  expect(app.getState().view).toMatchObject({ kind: 'thread', host: 'local' });
  expect(await app.getState().send('$ echo hello')).toBe(true);
  return until('the approval request', () => app.getState().open?.thread?.items.find((i) => i.type === 'approval_request'));
}

describe('app store', () => {
  it('follows a turn live: approval, output, status in the list; equal to a fresh read', async () => {
    const app = createAppStore(createBridgeClient(transport(desktop)));
    const ask = await threadWithApproval(app);
    if (ask.type !== 'approval_request') throw new Error('unreachable');
    await until('waiting-approval in the list', () => app.getState().threads.find((t) => t.status === 'waiting-approval'));
    await app.getState().respond(ask.requestId, 'allow');
    const cmd = await until('the finished command', () => app.getState().open?.thread?.items.find((i) => i.type === 'command_execution' && i.status === 'completed'));
    expect(cmd).toMatchObject({ output: expect.stringContaining('hello'), exitCode: 0 });
    await until('idle', () => app.getState().open?.thread?.activeTurnId === null && app.getState().threads[0]?.status === 'idle');

    const open = app.getState().open!;
    const fresh = await desktop.dispatch({ id: 1, method: 'thread/read', payload: { host: 'local', thread: open.id } });
    if (!fresh.ok) throw new Error(fresh.error.message);
    const r = fresh.result as { thread: { revision: number }; items: unknown[] };
    expect(open.thread!.revision).toBe(r.thread.revision);
    expect(JSON.parse(JSON.stringify(open.thread!.items))).toEqual(r.items);
  });

  it('catches up after missed events instead of showing a torn thread', async () => {
    const app = createAppStore(createBridgeClient(transport(desktop)));
    const ask = await threadWithApproval(app);
    if (ask.type !== 'approval_request') throw new Error('unreachable');
    // Lose the next three live events (the decision, the command starting, …).
    dropThreadEvents = 3;
    await app.getState().respond(ask.requestId, 'allow');
    await until('the turn to finish, caught up', () => {
      const t = app.getState().open?.thread;
      return t && t.activeTurnId === null && t.items.some((i) => i.type === 'command_execution' && i.status === 'completed');
    });
    const fresh = await desktop.dispatch({ id: 2, method: 'thread/read', payload: { host: 'local', thread: app.getState().open!.id } });
    if (!fresh.ok) throw new Error(fresh.error.message);
    expect(JSON.parse(JSON.stringify(app.getState().open!.thread!.items))).toEqual((fresh.result as { items: unknown[] }).items);
  });

  it('says clearly when a host is not connected', async () => {
    const app = createAppStore(createBridgeClient(transport(desktop)));
    await app.getState().openThread('nowhere', 't1');
    expect(app.getState().open).toMatchObject({ loading: false, error: { message: 'There is no host "nowhere".' } });
  });
});

describe('handoff store', () => {
  it('lists destinations with reasons, reviews, cancels, then hands off and follows the thread to its new host', async () => {
    // A second app-server, attached as host "gpu", with the same repository saved. This
    // computer's embedded server coordinates over the desktop's links (handoffPeersOf).
    gpu = await startAppServer({ home: path.join(dir, 'gpu-home'), hostId: 'gpu', createAgent: (s) => createAgent(s) });
    const [mine, theirs] = connectionPair();
    gpu.attach(theirs);
    const gpuRepo = path.join(dir, 'gpu-app');
    execFileSync('git', ['clone', '-q', repo, gpuRepo]);
    execFileSync('git', ['-C', gpuRepo, 'remote', 'set-url', 'origin', 'git@github.com:acme/app.git']);
    await gpu.projects.add(gpuRepo);
    await desktop.hub.attach('gpu', linkOver(mine));

    const bridge = createBridgeClient(transport(desktop));
    const app = createAppStore(bridge);
    const moved: Array<[string, string]> = [];
    const handoff = createHandoffStore(bridge, (threadId, to) => {
      moved.push([threadId, to]);
      void app.getState().refreshThreads();
    });
    await app.getState().init();
    await app.getState().addProject({ host: 'local', path: repo });
    await app.getState().startThread({ host: 'local', project: app.getState().projects.find((p) => p.host === 'local')!.id });
    const t = app.getState().open!;

    await handoff.getState().openMenu(t.host, t.id);
    const entries = handoff.getState().menu!.entries;
    expect(entries.map((e) => [e.host, e.selectable])).toEqual([
      ['local', false],
      ['gpu', true],
    ]);
    await handoff.getState().choose(entries[0]!); // the current host: nothing happens
    expect(handoff.getState().review).toBeNull();

    await handoff.getState().choose(entries[1]!);
    expect(handoff.getState().menu).toBeNull();
    expect(handoff.getState().review).toMatchObject({ destination: 'gpu', loading: false, error: null, review: { from: 'local', destination: 'gpu', threadId: t.id } });
    await handoff.getState().cancelReview();
    expect(handoff.getState().review).toBeNull();

    await handoff.getState().openMenu(t.host, t.id);
    await handoff.getState().choose(handoff.getState().menu!.entries[1]!);
    await handoff.getState().handOff();
    await until('the move', () => {
      const h = handoff.getState();
      if (h.outcome && h.outcome.kind !== 'moved') throw new Error(`handoff ended: ${JSON.stringify(h.outcome)}`);
      return moved.length > 0;
    });
    expect(moved).toEqual([[t.id, 'gpu']]);
    expect(handoff.getState().outcome).toEqual({ kind: 'moved', to: 'gpu' });
    expect(handoff.getState().progress).toBeNull();
    await until('the thread listed on gpu', () => app.getState().threads.find((x) => x.id === t.id && x.host === 'gpu'));
    expect(app.getState().threads.filter((x) => x.id === t.id)).toHaveLength(1);
  });
});

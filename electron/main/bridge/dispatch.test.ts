// The main side of the bridge, driven through the very dispatcher IPC and WebSocket use: payloads
// are validated before anything runs, unknown methods and offline hosts get clear errors, and
// saved hosts land in a real hosts.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { offlineView } from './connections';
import { sshConnections } from './sshConnections';
import { createDispatcher, type BridgeDispatch } from './dispatch';
import { execFileSync } from 'node:child_process';
import { createAgent } from '../../app-server/agent/index';
import { connectionPair } from '../../app-server/rpc/stdio';
import { startAppServer } from '../../app-server/server/appServer';
import { linkOver } from './hostLink';
import { HostHub } from './hub';
import { startLocalHost } from './local';

let dir: string;
let hub: HostHub;
let dispatch: BridgeDispatch;
let id = 0;
const call = (method: string, payload: unknown = {}) => dispatch({ id: ++id, method, payload });

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bridge-'));
  const sshConfig = path.join(dir, 'ssh_config');
  writeFileSync(sshConfig, 'Host gpu-box\n  HostName 10.0.0.7\n  User ana\n\nHost build\n  HostName build.example\n\nHost *\n  ServerAliveInterval 10\n');
  hub = new HostHub(sshConnections({ paths: { batonHome: path.join(dir, 'home'), sshConfig, knownHosts: path.join(dir, 'known_hosts') }, bundlePath: path.join(dir, 'no-bundle.cjs') }));
  dispatch = createDispatcher(hub.handlers());
});
afterEach(async () => {
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bridge dispatcher', () => {
  it('lists This computer first, offline until its app-server is attached', async () => {
    const r = await call('hosts/list');
    expect(r).toMatchObject({ ok: true, result: { hosts: [{ id: 'local', label: 'This computer', kind: 'local', online: false }] } });
  });

  it('refuses malformed envelopes, unknown methods and invalid payloads before any handler runs', async () => {
    expect(await dispatch('nonsense')).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await call('thread/delete-everything')).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    const bad = await call('turn/start', { host: 'local', thread: 't1', input: '' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    expect(JSON.stringify(bad)).toContain('input');
    expect(await call('hosts/list', { extra: true })).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
  });

  it('routes thread actions to the owning host and says so when it is not connected', async () => {
    const r = await call('turn/start', { host: 'local', thread: 't1', input: 'hi' });
    expect(r).toMatchObject({ ok: false, error: { code: 'host-offline', message: expect.stringContaining('This computer is not connected') } });
    expect(await call('turn/start', { host: 'mars', thread: 't1', input: 'hi' })).toMatchObject({ ok: false, error: { code: 'unknown-host' } });
  });

  it('connecting a host that does not answer fails with its reason and leaves it saved', async () => {
    await call('connections/add', { name: 'gpu', target: 'nothing@127.0.0.1:1' });
    const r = await call('connections/connect', { name: 'gpu' });
    expect(r).toMatchObject({ ok: false, error: { code: 'unreachable' } });
    expect(await call('connections/list')).toMatchObject({ ok: true, result: { hosts: [{ id: 'gpu', online: false, status: { state: 'error', error: { code: 'unreachable' } } }] } });
  });

  it('routes handoff to the host that owns the thread, and says plainly when it cannot', async () => {
    const offline = await call('handoff/start', { host: 'local', thread: 't1', operationId: 'op-00001' });
    expect(offline).toMatchObject({ ok: false, error: { code: 'host-offline' } });
    const local = await startLocalHost(path.join(dir, 'home'));
    await hub.attach('local', local.link);
    // Until the app-server registers the handoff methods the answer is "not available yet";
    // once it does, an unknown operation is refused by the coordinator itself.
    const r = await call('handoff/status', { host: 'local', thread: 't1', operationId: 'op-00001' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).not.toBe('internal');
      if (r.error.code === 'unavailable') expect(r.error.message).toBe('Handoff is not available in this build yet.');
    }
  });

  it('keeps a disconnected host\'s threads listed as offline, and brings them back on reconnect', async () => {
    const repo = path.join(dir, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    execFileSync('git', ['-C', repo, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'root']);
    // Started as a remote `baton serve` is: it calls itself "local". The desktop calls it "gpu".
    const gpu = await startAppServer({ home: path.join(dir, 'gpu-home'), createAgent: (s) => createAgent(s) });
    const connect = () => {
      const [mine, theirs] = connectionPair();
      gpu.attach(theirs);
      return { link: linkOver(mine), cut: () => mine.close() };
    };
    const attached: string[] = [];
    const stop = hub.onAttached((h) => attached.push(h));
    try {
      const first = connect();
      await hub.attach('gpu', first.link);
      // The desktop recovers open handoffs on this signal: it must come once the host answers.
      expect(attached).toEqual(['gpu']);
      const project = await call('projects/add', { host: 'gpu', path: repo });
      if (!project.ok) throw new Error(project.error.message);
      const started = await call('thread/start', { host: 'gpu', project: (project.result as { project: { id: string } }).project.id, title: 'remote work' });
      if (!started.ok) throw new Error(started.error.message);
      const id = (started.result as { thread: { id: string } }).thread.id;
      expect(await call('threads/list', {})).toMatchObject({ ok: true, result: { threads: [{ id, host: 'gpu', title: 'remote work', online: true }] } });

      first.cut();
      expect(await call('threads/list', {})).toMatchObject({ ok: true, result: { threads: [{ id, host: 'gpu', title: 'remote work', online: false }] } });
      expect(await call('thread/read', { host: 'gpu', thread: id })).toMatchObject({ ok: false, error: { code: 'host-offline' } });
      expect(await call('hosts/list')).toMatchObject({ ok: true, result: { hosts: [{ id: 'local' }, { id: 'gpu', online: false, status: { state: 'error' } }] } });

      await hub.attach('gpu', connect().link);
      expect(attached).toEqual(['gpu', 'gpu']);
      expect(await call('threads/list', {})).toMatchObject({ ok: true, result: { threads: [{ id, online: true }] } });
      expect(await call('thread/read', { host: 'gpu', thread: id })).toMatchObject({ ok: true, result: { thread: { id, host: 'gpu' } } });
    } finally {
      stop();
      await gpu.close();
    }
  });

  it('a host whose link dies during the handshake shows the reason, and nothing crashes', async () => {
    const linkListeners: Array<(host: string, link: ReturnType<typeof linkOver> | null) => void> = [];
    const base = sshConnections({ paths: { batonHome: path.join(dir, 'home2'), sshConfig: path.join(dir, 'none'), knownHosts: path.join(dir, 'kh') }, bundlePath: 'x' });
    // The SSH side, as far as the hub sees it: it hands over a link that is already dead.
    const port = { ...base, list: () => [offlineView({ name: 'gpu', target: 'gpu' })], onLink: (l: (typeof linkListeners)[number]) => void linkListeners.push(l) };
    const hub2 = new HostHub(port);
    try {
      const [mine] = connectionPair();
      const dead = linkOver(mine);
      mine.close();
      linkListeners[0]!('gpu', dead);
      await new Promise((r) => setTimeout(r, 50));
      const view = hub2.views().find((v) => v.id === 'gpu')!;
      expect(view.online).toBe(false);
      expect(createDispatcher(hub2.handlers())).toBeTypeOf('function');
    } finally {
      await hub2.close();
    }
  });

  it('adds a host from an ~/.ssh/config alias, suggests the others, lists it offline, removes it', async () => {
    expect(await call('connections/suggestions')).toMatchObject({ ok: true, result: { suggestions: [{ alias: 'gpu-box' }, { alias: 'build' }] } });
    const added = await call('connections/add', { name: 'gpu', target: 'gpu-box' });
    expect(added).toMatchObject({ ok: true, result: { host: { id: 'gpu', kind: 'ssh', online: false, status: { state: 'disconnected' } } } });
    const file = JSON.parse(readFileSync(path.join(dir, 'home', 'hosts.json'), 'utf8'));
    expect(file.hosts[0]).toMatchObject({ name: 'gpu', target: 'gpu-box', resolved: { hostName: '10.0.0.7', user: 'ana', port: 22 } });
    expect(await call('connections/suggestions')).toMatchObject({ ok: true, result: { suggestions: [{ alias: 'build' }] } });
    expect(await call('connections/list')).toMatchObject({ ok: true, result: { hosts: [{ id: 'gpu' }] } });
    expect(await call('connections/add', { name: 'gpu', target: 'build' })).toMatchObject({ ok: false, error: { code: 'config', message: expect.stringContaining('already exists') } });
    expect(await call('connections/add', { name: 'local', target: 'build' })).toMatchObject({ ok: false, error: { code: 'config', message: expect.stringContaining('reserved') } });
    expect(await call('connections/remove', { name: 'gpu' })).toMatchObject({ ok: true, result: { removed: 'gpu' } });
    expect(await call('connections/list')).toMatchObject({ ok: true, result: { hosts: [] } });
  });
});

// End to end with the real server bundle (dist/baton.cjs) on a real sshd: a saved host from an
// ~/.ssh/config alias, `host test`, the app-server through the SSH forward, and a turn that
// keeps running on the host while the SSH connection is cut — the client sees it complete
// after the reconnect.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../../package.json';
import { createRpcClient, type RpcClient } from '../../../shared/rpc/client.js';
import { connectWebSocket } from '../../app-server/rpc/websocket.js';
import { createUser, makeKey, publicKeyOf, sshdAvailable, startSshd, type Sshd, type TestUser } from '../../test-support/sshd.js';
import { findTool } from '../../test-support/tools.js';
import { addHost } from './hosts-store.js';
import { fingerprintSha256 } from './known-hosts.js';
import { openRemoteHost, stopHost, testHost, type RemoteHostDeps } from './remote-host.js';
import { recordingPrompter } from './test-fixtures.js';

const enabled = sshdAvailable();
const repoRoot = path.resolve(__dirname, '../../..');

function sessionPids(user: string): number[] {
  const r = spawnSync('ps', ['-u', user, '-o', 'pid=,comm='], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter(([, comm]) => comm === 'sshd').map(([pid]) => Number(pid));
}

async function rpc(url: string, token: string): Promise<{ client: RpcClient; close(): void }> {
  const conn = await connectWebSocket(url, token);
  const client = createRpcClient((t) => conn.send(t));
  conn.onMessage((t) => client.receive(t));
  conn.onClose(() => client.close('closed'));
  return { client, close: () => conn.close() };
}

describe.skipIf(!enabled)('a saved host with the real server', () => {
  let dir: string;
  let sshd: Sshd;
  let user: TestUser;
  let deps: RemoteHostDeps;
  const clientKey = Buffer.alloc(32, 7);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'baton-rh-'));
    const dist = path.join(repoRoot, 'dist', 'baton.cjs');
    if (!existsSync(dist)) {
      const b = spawnSync('node', ['build/build.mjs'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      if (b.status !== 0) throw new Error(`npm run build failed: ${b.stderr}`);
    }
    const bundlePath = path.join(dir, 'baton.cjs');
    copyFileSync(dist, bundlePath); // a private copy: a rebuild elsewhere must not change it mid-test
    const key = makeKey(dir, 'id_ed25519');
    sshd = await startSshd();
    user = createUser({ shell: findTool('csh') ?? '/bin/sh' });
    sshd.authorize(user.name, publicKeyOf(key));
    const sshConfig = path.join(dir, 'ssh_config');
    writeFileSync(sshConfig, `Host boot-box\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${user.name}\n  IdentityFile ${key}\n`);
    const batonHome = path.join(dir, 'desktop-home');
    deps = {
      paths: { sshConfig, knownHosts: path.join(dir, 'known_hosts'), batonHome },
      prompter: recordingPrompter(),
      bundlePath,
      resolveEnv: { home: dir, localUser: 'me' },
      agentSocket: null,
      clientPublicKey: clientKey,
      backoff: { baseMs: 200, capMs: 1000 },
    };
    addHost({ batonHome, sshConfigPath: sshConfig, env: deps.resolveEnv!, name: 'gpu', target: 'boot-box' });
  });
  afterAll(async () => {
    user?.remove();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('host test reports the host key, node, server version and Noise fingerprints', async () => {
    // The host's Noise identity, in the transport's identity.json format; only its public half is read.
    const { publicKey, privateKey } = generateKeyPairSync('x25519');
    const serverPub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const serverSecret = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    mkdirSync(path.join(user.home, '.baton'), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(user.home, '.baton', 'identity.json'), JSON.stringify({ version: 1, type: 'x25519', publicKey: serverPub.toString('base64'), secretKey: serverSecret.toString('base64') }) + '\n', { mode: 0o600 });
    spawnSync('chown', ['-R', `${user.name}:${user.name}`, path.join(user.home, '.baton')]);

    const report = await testHost('gpu', deps);
    expect(report).toMatchObject({
      name: 'gpu', target: 'boot-box', endpoint: `${user.name}@127.0.0.1:${sshd.port}`, via: [],
      hostKeyFingerprint: fingerprintSha256(Buffer.from(sshd.hostPublicKey.split(' ')[1]!, 'base64')),
      server: { version: pkg.version, installed: true, started: true },
      noise: { client: fingerprintSha256(clientKey), server: fingerprintSha256(serverPub) },
    });
    expect(report.node.major).toBeGreaterThanOrEqual(20);
    const authorized = spawnSync('cat', [path.join(user.home, '.baton/authorized_clients')], { encoding: 'utf8' }).stdout;
    expect(authorized).toContain(`x25519 ${clientKey.toString('base64')} baton-desktop@me`);
    const again = await testHost('gpu', deps);
    expect(again.server).toMatchObject({ installed: false, started: false, pid: report.server.pid });
  });

  it('a turn keeps running on the host while SSH is cut, and the client sees it complete', async () => {
    const statuses: string[] = [];
    const session = await openRemoteHost('gpu', { ...deps, onStatus: (s) => statuses.push(s.state) });
    try {
      const token = String(session.info['token']);
      const a = await rpc(session.localUrl, token);
      const init = await a.client.call('initialize', { clientName: 'ssh-test' });
      expect(init.serverVersion).toBe(pkg.version);
      const git = spawnSync('su', ['-s', '/bin/sh', user.name, '-c', 'git init -q "$HOME/proj" && cd "$HOME/proj" && git -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m init'], { encoding: 'utf8' });
      expect(git.status, git.stderr).toBe(0);
      const { project } = await a.client.call('project/add', { path: path.join(user.home, 'proj') });
      const { thread } = await a.client.call('thread/start', { project: project.id, approvalPolicy: 'never' });
      await a.client.call('turn/start', { thread: thread.id, input: '$ sleep 5 && echo done' });
      a.close();

      const reconnected = new Promise((r) => session.connection.once('connected', r));
      for (const pid of sessionPids(user.name)) process.kill(pid, 'SIGKILL'); // the laptop drops off
      await reconnected;

      let events: Array<Record<string, unknown>> = [];
      const completed = () => events.some((e) => e['kind'] === 'turn_completed');
      for (let i = 0; i < 60 && !completed(); i++) {
        await new Promise((r) => setTimeout(r, 500));
        const b = await rpc(session.localUrl, token).catch(() => null);
        if (!b) continue;
        try {
          await b.client.call('initialize', { clientName: 'ssh-test' });
          const read = await b.client.call('thread/read', { thread: thread.id, afterRevision: 0 });
          events = (read.events ?? []) as unknown as Array<Record<string, unknown>>;
        } finally {
          b.close();
        }
      }
      expect(events.find((e) => e['kind'] === 'turn_completed')).toMatchObject({ outcome: 'completed' });
      // The command's own output, not the echo of the input: it ran to the end on the host.
      expect(events.some((e) => e['kind'] === 'item_delta' && e['chunk'] === 'done\n')).toBe(true);
      expect(statuses).toContain('error'); // the drop was reported...
      expect(statuses[statuses.length - 1]).toBe('connected'); // ...and recovered from
    } finally {
      await session.close();
    }
    expect(await stopHost('gpu', deps)).toBeGreaterThan(0);
  }, 60_000);
});

// The remote bootstrap against a real sshd and real users: node found without the login shell
// (and through csh/fish login shells when only they know it), a clear error when node is
// missing, install once / reuse / restart after a kill, one server per user under concurrent
// starts, and the data channel through an SSH port-forward.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../../../package.json';
import { createUser, makeKey, publicKeyOf, sshdAvailable, startSshd, type Sshd, type TestUser } from '../../../test-support/sshd.js';
import { findTool } from '../../../test-support/tools.js';
import { connectSsh, type SshConnection } from '../connect.js';
import { SshError } from '../errors.js';
import { runScript } from '../exec.js';
import { loopbackOptions, recordingPrompter } from '../test-fixtures.js';
import { bootstrapRemote } from './bootstrap.js';
import { startLocalForward } from './forward.js';
import { describeBundle } from './install.js';
import { findRemoteNode } from './probe-node.js';
import { standInServerSource } from './serve-stand-in.js';
import { stopRemoteServer } from './start.js';

const enabled = sshdAvailable();
const nodeBin = process.execPath;

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; }).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** Running, not merely a zombie waiting for init to reap it. */
function isLive(pid: number): boolean {
  const r = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' });
  return r.status === 0 && !!r.stdout.trim() && !r.stdout.includes('Z');
}

function chownTree(p: string, user: TestUser): void {
  spawnSync('chown', ['-R', `${user.name}:${user.name}`, p]);
}

describe.skipIf(!enabled)('remote bootstrap', () => {
  let dir: string;
  let sshd: Sshd;
  let key: string;
  const users: TestUser[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'baton-boot-'));
    key = makeKey(dir, 'id');
    sshd = await startSshd();
  });
  afterAll(async () => {
    for (const u of users) u.remove(); // also kills the detached servers the tests started
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function newUser(shell?: string): TestUser {
    const u = createUser(shell ? { shell } : {});
    users.push(u);
    sshd.authorize(u.name, publicKeyOf(key));
    return u;
  }

  function connect(u: TestUser): Promise<SshConnection> {
    return connectSsh({
      options: loopbackOptions(sshd.port, u.name, { identityFiles: [key] }),
      label: 'boot-host', prompter: recordingPrompter(), agentSocket: null,
      knownHosts: { user: [], baton: path.join(dir, 'known_hosts') },
    });
  }

  async function withConn<T>(u: TestUser, f: (c: SshConnection) => Promise<T>): Promise<T> {
    const c = await connect(u);
    try {
      return await f(c);
    } finally {
      c.close();
    }
  }

  it('finds node >= 20 in the usual places with /bin/sh', async () => {
    const u = newUser();
    const node = await withConn(u, (c) => findRemoteNode(c.client, { label: 'boot-host', loginShellFallback: false }));
    expect(node.major).toBeGreaterThanOrEqual(20);
    expect(node.path).toMatch(/^\/usr\/(local\/)?bin\/node$/);
  });

  it('finds node under ~/.nvm/versions/node/*', async () => {
    const u = newUser();
    const bin = path.join(u.home, '.nvm/versions/node', process.version, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(nodeBin, path.join(bin, 'node'));
    chownTree(path.join(u.home, '.nvm'), u);
    const node = await withConn(u, (c) => findRemoteNode(c.client, { label: 'boot-host', probePaths: ['/nonexistent/node', '~/.nvm/versions/node/*/bin/node'], loginShellFallback: false }));
    expect(node.path).toBe(path.join(bin, 'node'));
  });

  it('missing node is a clear error saying what to install', async () => {
    const u = newUser();
    // Even the login shell's PATH has no node.
    writeFileSync(path.join(u.home, '.profile'), 'PATH=/usr/sbin:/nonexistent; export PATH\n');
    chownTree(path.join(u.home, '.profile'), u);
    const t0 = Date.now();
    const err = await withConn(u, (c) => findRemoteNode(c.client, { label: 'boot-host', probePaths: ['/opt/none/node'] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshError);
    expect(err).toMatchObject({ code: 'node-missing', message: 'Node.js 20 or newer was not found on boot-host.' });
    expect((err as SshError).hint).toMatch(/Install Node.js 20\+ on boot-host/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  describe.each([
    ['csh', findTool('csh'), (home: string) => [path.join(home, '.cshrc'), 'setenv PATH "$HOME/tools/bin:/usr/sbin"\n']],
    ['fish', findTool('fish'), (home: string) => [path.join(home, '.config/fish/config.fish'), 'set -gx PATH $HOME/tools/bin /usr/sbin\n']],
  ] as const)('a %s login shell', (name, shell, rc) => {
    it.skipIf(!shell)(`finds node only the ${name} login shell knows about`, async () => {
      const u = newUser(shell!);
      const tools = path.join(u.home, 'tools/bin');
      mkdirSync(tools, { recursive: true });
      symlinkSync(nodeBin, path.join(tools, 'node'));
      const [file, text] = rc(u.home);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      chownTree(u.home, u);
      const node = await withConn(u, (c) => findRemoteNode(c.client, { label: 'boot-host', probePaths: ['/opt/none/node'] }));
      expect(node.path).toBe(nodeBin); // process.execPath resolves the symlink
      expect(node.version).toBe(process.version);
    });
  });

  describe('install, start, reuse, restart', () => {
    let u: TestUser;
    let bundlePath: string;
    beforeAll(() => {
      u = newUser(findTool('csh') ?? undefined);
      bundlePath = path.join(dir, 'stand-in-server.cjs');
      writeFileSync(bundlePath, standInServerSource(pkg.version));
    });

    it('installs once, reuses the install and the running server, restarts after a kill', async () => {
      const bundle = describeBundle(bundlePath);
      const first = await withConn(u, (c) => bootstrapRemote(c.client, { label: 'boot-host', bundle }));
      expect(first).toMatchObject({ installed: true, started: true, serverPath: `${u.home}/.baton/server/${bundle.id}/baton-server.cjs` });
      expect(first.info).toMatchObject({ version: pkg.version, token: 'stand-in-token-0123456789' });
      const mode = spawnSync('stat', ['-c', '%a %U', `${u.home}/.baton/server.json`], { encoding: 'utf8' }).stdout.trim();
      expect(mode).toBe(`600 ${u.name}`);

      // The SSH connection is gone; the server is not.
      expect(isLive(first.info.pid)).toBe(true);
      const second = await withConn(u, async (c) => {
        const r = await bootstrapRemote(c.client, { label: 'boot-host', bundle });
        const fwd = await startLocalForward(c.client, r.info.port);
        try {
          expect(await get(fwd.port)).toBe(`baton-stand-in ${first.info.pid}`);
        } finally {
          await fwd.close();
        }
        return r;
      });
      expect(second).toMatchObject({ installed: false, started: false, info: { pid: first.info.pid } });

      process.kill(first.info.pid, 'SIGKILL'); // leaves a stale server.json behind
      await new Promise((r) => setTimeout(r, 200));
      const third = await withConn(u, (c) => bootstrapRemote(c.client, { label: 'boot-host', bundle }));
      expect(third).toMatchObject({ installed: false, started: true });
      expect(third.info.pid).not.toBe(first.info.pid);

      const stopped = await withConn(u, (c) => stopRemoteServer(c.client));
      expect(stopped).toBe(third.info.pid);
      expect(await withConn(u, (c) => stopRemoteServer(c.client))).toBeNull();
    });

    it('a corrupt install is replaced; two simultaneous starts give one server', async () => {
      const bundle = describeBundle(bundlePath);
      const installed = `${u.home}/.baton/server/${bundle.id}/baton-server.cjs`;
      writeFileSync(installed, 'corrupt');
      const [a, b] = await Promise.all([
        withConn(u, (c) => bootstrapRemote(c.client, { label: 'boot-host', bundle })),
        withConn(u, (c) => bootstrapRemote(c.client, { label: 'boot-host', bundle })),
      ]);
      expect(a.info.pid).toBe(b.info.pid);
      expect([a.started, b.started].sort()).toEqual([false, true]);
      expect(a.installed || b.installed).toBe(true);
      const sha = await withConn(u, (c) => runScript(c.client, `sha256sum ${installed}`));
      expect(sha.stdout.split(' ')[0]).toBe(bundle.sha256);
      await withConn(u, (c) => stopRemoteServer(c.client));
    });

    it('a running server of another version is replaced by ours', async () => {
      const oldPath = path.join(dir, 'old-server.cjs');
      writeFileSync(oldPath, standInServerSource('0.0.1-old'));
      const old = await withConn(u, (c) => bootstrapRemote(c.client, { label: 'boot-host', bundle: describeBundle(oldPath, '0.0.1-old') }));
      expect(old.info.version).toBe('0.0.1-old');
      const ours = await withConn(u, (c) => bootstrapRemote(c.client, { label: 'boot-host', bundle: describeBundle(bundlePath) }));
      expect(ours).toMatchObject({ started: true, info: { version: pkg.version } });
      expect(ours.info.pid).not.toBe(old.info.pid);
      expect(isLive(old.info.pid)).toBe(false); // the old one is gone
      await withConn(u, (c) => stopRemoteServer(c.client));
    });

    it('a server that cannot start is a clear error with its log', async () => {
      const bad = path.join(dir, 'bad-server.cjs');
      writeFileSync(bad, 'console.error("boom: cannot start"); process.exit(1);\n');
      const err = await withConn(u, (c) => bootstrapRemote(c.client, { label: 'boot-host', bundle: describeBundle(bad) })).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'server-start-failed' });
      expect((err as Error).message).toMatch(/exited right after starting[\s\S]*boom: cannot start/);
    });
  });
});

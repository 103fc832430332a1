// `baton host …` as a user types it: the real CLI bundle as a child process, a real sshd on
// loopback, a throwaway user, and a HOME of the test's own with ~/.ssh/config and known_hosts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdAvailable, sshHostAlias, startSshd, type Sshd, type TestUser } from '../../test-support/sshd';

const repoRoot = path.resolve(__dirname, '../../..');
const bundle = path.join(repoRoot, 'dist', 'baton.cjs');

function baton(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync('node', [bundle, ...args], { env: { ...process.env, ...env, SSH_AUTH_SOCK: '' }, encoding: 'utf8', timeout: 60_000, input: '' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const b = spawnSync('node', ['build/build.mjs'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
});

describe('baton host (no network)', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'baton-hostcli-'));
    mkdirSync(path.join(home, '.ssh'));
    writeFileSync(path.join(home, '.ssh', 'config'), 'Host gpu-box\n  HostName 10.255.255.1\n  User ml\n\nHost *.internal\n  User ops\n');
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const env = () => ({ HOME: home, BATON_HOME: path.join(home, '.baton') });

  it('suggests concrete ~/.ssh/config aliases, adds, lists and removes hosts', () => {
    const empty = baton(env(), 'host', 'list', '--json');
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual({ hosts: [], suggestions: ['gpu-box'] });

    const added = baton(env(), 'host', 'add', 'gpu', 'gpu-box');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('ml@10.255.255.1:22');

    const listed = JSON.parse(baton(env(), 'host', 'list', '--json').stdout);
    expect(listed.hosts.map((h: { name: string }) => h.name)).toEqual(['gpu']);

    const again = baton(env(), 'host', 'add', 'gpu', 'other@example.invalid');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists.*baton host remove gpu/);

    expect(baton(env(), 'host', 'remove', 'gpu').code).toBe(0);
    const gone = baton(env(), 'host', 'remove', 'gpu');
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim().split('\n')).toHaveLength(1);
    expect(gone.stderr).toContain('no saved host named "gpu"');
  });

  it('refuses a bad host name with a one-line error', () => {
    const r = baton(env(), 'host', 'add', 'bad name!', 'me@example.invalid');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot be a host name/);
  });
});

describe.skipIf(!sshdAvailable())('baton host test|stop against a real sshd', () => {
  let dir: string;
  let sshd: Sshd;
  let user: TestUser;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'baton-hostcli-ssh-'));
    sshd = await startSshd();
    ({ user } = sshHostAlias(sshd, dir)); // ~/.ssh/config names `box`; its host key is trusted
    env = { HOME: dir, BATON_HOME: path.join(dir, '.baton') };
    expect(baton(env, 'host', 'add', 'box', 'box').code).toBe(0);
  });

  afterAll(async () => {
    user?.remove();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the host-key fingerprint, the server version and both Noise fingerprints; stop ends the server', () => {
    const r = baton(env, 'host', 'test', 'box', '--json');
    expect(r.stderr).not.toMatch(/baton: /);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const hostFp = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], { input: sshd.hostPublicKey, encoding: 'utf8' }).stdout.split(' ')[1];
    expect(report.hostKeyFingerprint).toBe(hostFp);
    expect(report.server.version).toBe(JSON.parse(require('node:fs').readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
    expect(report.noise.server).toMatch(/^SHA256:/);
    const ours = baton(env, 'identity', '--json');
    expect(ours.code).toBe(0);
    expect(ours.stdout).toContain(report.noise.client);

    const human = baton(env, 'host', 'test', 'box');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('already running');

    const stopped = baton(env, 'host', 'stop', 'box', '--json');
    expect(stopped.code).toBe(0);
    expect(JSON.parse(stopped.stdout).stopped).toBe(report.server.pid);
    const ps = spawnSync('ps', ['-p', String(report.server.pid)], { encoding: 'utf8' });
    expect(ps.status).not.toBe(0);
  });

  it('an unknown host key without a terminal to ask is refused, in one line', () => {
    const other = { ...env, HOME: path.join(dir, 'fresh') };
    mkdirSync(path.join(dir, 'fresh', '.ssh'), { recursive: true });
    writeFileSync(path.join(dir, 'fresh', '.ssh', 'config'), `Host box\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${user.name}\n`);
    const r = baton({ ...other, BATON_HOME: path.join(dir, 'fresh', '.baton') }, 'host', 'add', 'box', 'box');
    expect(r.code).toBe(0);
    const t = baton({ ...other, BATON_HOME: path.join(dir, 'fresh', '.baton') }, 'host', 'test', 'box');
    expect(t.code, t.stderr).toBe(1);
    expect(t.stderr.trim().split('\n')).toHaveLength(1);
    expect(t.stderr).toMatch(/^baton: The host key of box \(SHA256:.+\) was not accepted; nothing was sent/);
  });
});

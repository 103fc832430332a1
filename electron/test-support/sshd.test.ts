// The harness itself: sshd answers on its port and is gone after stop(); a test user exists with
// the asked-for login shell and is gone — with its processes — after remove().
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createUser, sshdAvailable, startSshd } from './sshd.js';
import { findTool } from './tools.js';

const enabled = sshdAvailable();

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

describe.skipIf(!enabled)('sshd harness', () => {
  it('starts on loopback with its own host key, and stop() ends it by pid', async () => {
    const sshd = await startSshd();
    expect(await accepts(sshd.port)).toBe(true);
    expect(sshd.hostPublicKey).toMatch(/^ssh-ed25519 AAAA/);
    const pid = sshd.pid;
    await sshd.stop();
    expect(await accepts(sshd.port)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(sshd.dir)).toBe(false);
  });

  it('creates a user with the given login shell and removes it with its processes', async () => {
    const shell = findTool('csh') ?? '/bin/sh';
    const u = createUser({ shell });
    expect(spawnSync('getent', ['passwd', u.name], { encoding: 'utf8' }).stdout.trim().split(':')[6]).toBe(shell);
    const child = spawn('su', ['-s', '/bin/sh', u.name, '-c', 'exec sleep 300'], { stdio: 'ignore', detached: true });
    await new Promise((r) => setTimeout(r, 500));
    expect(spawnSync('ps', ['-u', u.name, '-o', 'pid='], { encoding: 'utf8' }).stdout.trim()).not.toBe('');
    u.remove();
    expect(spawnSync('getent', ['passwd', u.name]).status).not.toBe(0);
    expect(existsSync(u.home)).toBe(false);
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
  });
});

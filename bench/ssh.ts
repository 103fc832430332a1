// The bench's SSH side: a real sshd on loopback (electron/test-support/sshd.ts), a throwaway user
// with a key, a known_hosts file, and OpenSSH port-forwards — the tools of the manual baseline.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createUser, freePort, makeKey, publicKeyOf, startSshd, type Sshd, type TestUser } from '../electron/test-support/sshd.js';
import type { SshTarget } from './baseline.js';

export interface BenchSsh {
  sshd: Sshd;
  user: TestUser;
  target: SshTarget;
  /** `ssh -N -L`: a local port forwarded to `remotePort` on the sshd host. */
  forward(remotePort: number): Promise<{ port: number; stop(): void }>;
  stop(): Promise<void>;
}

export async function startBenchSsh(): Promise<BenchSsh> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-ssh-'));
  const sshd = await startSshd();
  const user = createUser();
  const key = makeKey(dir, 'id_ed25519');
  sshd.authorize(user.name, publicKeyOf(key));
  const knownHostsFile = path.join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
  const target: SshTarget = { host: '127.0.0.1', port: sshd.port, user: user.name, identityFile: key, knownHostsFile };
  return {
    sshd,
    user,
    target,
    async forward(remotePort) {
      const port = await freePort();
      const child = spawn(
        'ssh',
        ['-N', '-L', `${port}:127.0.0.1:${remotePort}`, '-p', String(sshd.port), '-i', key, '-o', `UserKnownHostsFile=${knownHostsFile}`, '-o', 'BatchMode=yes', '-o', 'ExitOnForwardFailure=yes', `${user.name}@127.0.0.1`],
        { stdio: 'ignore' },
      );
      // Ready when the local end accepts (bounded: 10 s).
      for (let i = 0; i < 200; i++) {
        const ok = await new Promise<boolean>((r) => {
          const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
          s.once('error', () => r(false));
        });
        if (ok) break;
        if (child.exitCode !== null) throw new Error(`ssh -L exited with ${child.exitCode}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return { port, stop: () => void child.kill('SIGTERM') };
    },
    async stop() {
      user.remove();
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

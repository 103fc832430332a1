// A real OpenSSH server for tests: sshd as root on 127.0.0.1 and a random high port, with its own
// host key, authorized_keys and throwaway Unix users, all under one temp dir that `stop()`
// removes. Tests only ever address this loopback port and the users they created.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { requireTool } from './tools.js';

/** Null (after a loud skip line; a failure under CI=true) when sshd cannot run here. */
export function sshdAvailable(): boolean {
  const sshd = requireTool('sshd', 'openssh-server');
  const keygen = requireTool('ssh-keygen', 'openssh-client');
  if (!sshd || !keygen) return false;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    const line = '!!! sshd tests need root (to run sshd and create test users); they are SKIPPED.';
    if (process.env.CI === 'true') throw new Error(`${line} Under CI=true this fails the run.`);
    console.warn(line);
    return false;
  }
  return true;
}

export interface Sshd {
  port: number;
  dir: string;
  /** The server's public host key line (`ssh-ed25519 AAAA...`). */
  hostPublicKey: string;
  pid: number;
  /** Allows `publicKeyLine` to log in as `user`. */
  authorize(user: string, publicKeyLine: string): void;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Reuse a host key (a path to a private key) instead of generating one. */
  hostKeyPath?: string;
  passwordAuthentication?: boolean;
  /** Keyboard-interactive through PAM (pam_unix: the user's password), as most distributions ship sshd. */
  keyboardInteractive?: boolean;
  /** Extra sshd_config lines. */
  extraConfig?: string[];
}

export function run(cmd: string, args: string[], opts: { input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** Writes a fresh key pair `<dir>/<name>` (+ .pub); returns the private key path. */
export function makeKey(dir: string, name: string, opts: { type?: 'ed25519' | 'rsa' | 'ecdsa'; passphrase?: string } = {}): string {
  const file = path.join(dir, name);
  run('ssh-keygen', ['-q', '-t', opts.type ?? 'ed25519', '-N', opts.passphrase ?? '', '-C', `baton-test-${name}`, '-f', file]);
  return file;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForBanner(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      const done = (v: boolean) => { sock.destroy(); resolve(v); };
      sock.setTimeout(2000, () => done(false));
      sock.once('data', (d) => done(d.toString().startsWith('SSH-')));
      sock.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`sshd on 127.0.0.1:${port} did not accept connections within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-sshd-'));
  chmodSync(dir, 0o755);
  mkdirSync('/run/sshd', { recursive: true });
  const keysDir = path.join(dir, 'authorized_keys');
  mkdirSync(keysDir, { mode: 0o755 });
  let hostKey = opts.hostKeyPath;
  if (!hostKey) hostKey = makeKey(dir, 'host_ed25519');
  const hostPublicKey = run('ssh-keygen', ['-y', '-f', hostKey]).trim();
  const port = await freePort();
  const pidFile = path.join(dir, 'sshd.pid');
  const config = path.join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${keysDir}/%u`,
      `UsePAM ${opts.keyboardInteractive ? 'yes' : 'no'}`,
      `StrictModes no`,
      `PasswordAuthentication ${opts.passwordAuthentication ? 'yes' : 'no'}`,
      `KbdInteractiveAuthentication ${opts.keyboardInteractive ? 'yes' : 'no'}`,
      `PermitRootLogin no`,
      `AllowTcpForwarding yes`,
      `MaxStartups 50`,
      `LogLevel VERBOSE`,
      `Subsystem sftp internal-sftp`,
      ...(opts.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  // sshd logs to a file, not a pipe: a pipe must be drained by this process, and a test blocked
  // in spawnSync stops draining it — after a dozen logins sshd then stalls on a full pipe.
  const logFile = path.join(dir, 'sshd.log');
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-E', logFile, '-f', config], { stdio: 'ignore' });
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-20_000) : '');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForBanner(port, 15_000),
      exited.then(() => { throw new Error(`sshd exited at start: ${log()}`); }),
    ]);
  } catch (e) {
    if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    port,
    dir,
    hostPublicKey,
    pid: child.pid!,
    authorize(user, publicKeyLine) {
      appendFileSync(path.join(keysDir, user), publicKeyLine.trim() + '\n');
    },
    async stop() {
      if (child.exitCode === null && child.pid) {
        process.kill(child.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestUser {
  name: string;
  home: string;
  shell: string;
  /** Removes the user, its home, and kills whatever it still runs. */
  remove(): void;
}

/**
 * A throwaway Unix user with the given login shell (e.g. /bin/csh, /usr/bin/fish).
 * Names are short (useradd's 32-char limit) and prefixed `bt` so they are recognisable.
 */
export function createUser(opts: { shell?: string; password?: string } = {}): TestUser {
  const name = `bt${process.pid.toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  const shell = opts.shell ?? '/bin/sh';
  run('useradd', ['-m', '-s', shell, name]);
  const home = run('getent', ['passwd', name]).split(':')[5]!;
  // A locked account ('!' in shadow) is refused by sshd even for keys when UsePAM is off.
  run('chpasswd', [], { input: `${name}:${opts.password ?? `x${Math.random().toString(36)}Q9`}\n` });
  return {
    name,
    home,
    shell,
    remove() {
      // Processes the tests left running as this user (a detached app-server) go first.
      const ps = spawnSync('ps', ['-u', name, '-o', 'pid='], { encoding: 'utf8' });
      for (const pid of (ps.stdout ?? '').split(/\s+/).filter(Boolean)) {
        try { process.kill(Number(pid), 'SIGKILL'); } catch { /* already gone */ }
      }
      spawnSync('userdel', ['-r', '-f', name], { encoding: 'utf8' });
      if (existsSync(home)) rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Reads the private key file's public half (for authorize()). */
export function publicKeyOf(privateKeyPath: string): string {
  return readFileSync(`${privateKeyPath}.pub`, 'utf8').trim();
}

/** `ssh-agent -a <sock>`: returns the socket and a stop() that kills the agent by PID. */
export function startAgent(dir: string): { sock: string; pid: number; add(key: string): void; stop(): void } {
  const sock = path.join(dir, `agent-${Math.random().toString(36).slice(2, 8)}.sock`);
  const out = run('ssh-agent', ['-s', '-a', sock]);
  const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
  if (!pid) throw new Error(`ssh-agent did not report its pid: ${out}`);
  return {
    sock,
    pid,
    add(key) {
      const r = spawnSync('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: sock }, encoding: 'utf8', timeout: 10_000 });
      if (r.status !== 0) throw new Error(`ssh-add failed: ${r.stderr}`);
    },
    stop() {
      try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
      rmSync(sock, { force: true });
    },
  };
}

/**
 * A throwaway user on `sshd`, reachable as `ssh box` from the home at `home`: its key made and
 * authorized, `home/.ssh/config` naming the host, and the host key already trusted in
 * `home/.ssh/known_hosts` (as after one `ssh box`: tests have no terminal to ask).
 */
export function sshHostAlias(sshd: Sshd, home: string, alias = 'box'): { user: TestUser; key: string } {
  const user = createUser();
  const key = makeKey(home, 'id_ed25519');
  sshd.authorize(user.name, publicKeyOf(key));
  mkdirSync(path.join(home, '.ssh'), { recursive: true });
  writeFileSync(path.join(home, '.ssh', 'config'), `Host ${alias}\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${user.name}\n  IdentityFile ${key}\n  IdentitiesOnly yes\n`);
  writeFileSync(path.join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
  return { user, key };
}

// Starts the real browser-mode server (dist/baton-web.cjs) on a temp BATON_HOME and HOME, with a
// real git repository, an ~/.ssh/config and (as root) a real sshd on loopback as the second
// host; stops all of it by PID. Nothing here is mocked: the
// renderer talks to the bridge, the bridge to an embedded app-server, the app-server to git.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser, makeKey, publicKeyOf, sshdAvailable, startSshd, type Sshd, type TestUser } from '../../electron/test-support/sshd';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RemoteFixture {
  /** The ~/.ssh/config alias that reaches the real sshd. */
  alias: string;
  /** Another alias for the same host and user, with a passphrase-protected key. */
  lockedAlias: string;
  passphrase: string;
  user: TestUser;
  /** A clone of the repository in the remote user's home (same origin: same project identity). */
  repo: string;
}

export interface BatonFixture {
  url: string;
  dir: string;
  home: string;
  repo: string;
  /** Present when sshd can run here (root, openssh-server installed). */
  remote: RemoteFixture | null;
  stop(): Promise<void>;
}

export function makeRepo(dir: string): string {
  const repo = path.join(dir, 'acme-app');
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'e2e@baton.test');
  git('config', 'user.name', 'Baton E2E');
  writeFileSync(path.join(repo, 'README.md'), '# acme app\n');
  git('add', '.');
  git('commit', '-q', '-m', 'initial commit');
  git('remote', 'add', 'origin', 'git@github.com:acme/app.git');
  return repo;
}

/** A real sshd on loopback and a throwaway user holding a clone of the repository. */
async function startRemote(dir: string, repo: string): Promise<{ remote: RemoteFixture; sshd: Sshd; config: string }> {
  const key = makeKey(dir, 'id_e2e');
  const passphrase = 'correct horse battery staple';
  const lockedKey = makeKey(dir, 'id_e2e_locked', { passphrase });
  const sshd = await startSshd();
  const user = createUser();
  sshd.authorize(user.name, publicKeyOf(key));
  sshd.authorize(user.name, publicKeyOf(lockedKey));
  const remoteRepo = path.join(user.home, 'acme-app');
  execFileSync('git', ['clone', '-q', repo, remoteRepo], { stdio: 'pipe' });
  execFileSync('git', ['-C', remoteRepo, 'remote', 'set-url', 'origin', 'git@github.com:acme/app.git'], { stdio: 'pipe' });
  execFileSync('chown', ['-R', `${user.name}:`, remoteRepo]);
  const host = (alias: string, identity: string) =>
    `Host ${alias}\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${user.name}\n  IdentityFile ${identity}\n  IdentitiesOnly yes\n\n`;
  const config = host('build-box', key) + host('locked-box', lockedKey);
  return { remote: { alias: 'build-box', lockedAlias: 'locked-box', passphrase, user, repo: remoteRepo }, sshd, config };
}

export async function startBaton(opts: { remote?: boolean; setup?: (f: { home: string; repo: string }) => Promise<void> } = {}): Promise<BatonFixture> {
  const server = path.join(root, 'dist', 'baton-web.cjs');
  if (!existsSync(server) || !existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    throw new Error('dist/ is not built: run `npm run build` first (npm test does it).');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-'));
  const home = path.join(dir, 'baton-home');
  const userHome = path.join(dir, 'user');
  mkdirSync(path.join(userHome, '.ssh'), { recursive: true, mode: 0o700 });
  const repo = makeRepo(dir);
  await opts.setup?.({ home, repo });
  const remote = opts.remote && sshdAvailable() ? await startRemote(dir, repo) : null;
  // Aliases Settings > Connections suggests. Nothing listens at gpu-box's port: it stays offline.
  writeFileSync(path.join(userHome, '.ssh', 'config'), `${remote?.config ?? ''}Host gpu-box\n  HostName 127.0.0.1\n  Port 1\n  User baton\n`);

  const child: ChildProcess = spawn(process.execPath, [server], {
    cwd: root,
    // No ssh-agent of the machine's user: only the test's key file.
    env: { ...process.env, BATON_HOME: home, HOME: userHome, BATON_WEB_PORT: '0', SSH_AUTH_SOCK: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`browser mode did not print its URL in 30 s. stderr: ${stderr}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0]!;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`browser mode exited with ${code}: ${stderr}`));
    });
  });

  return {
    url,
    dir,
    home,
    repo,
    remote: remote?.remote ?? null,
    async stop() {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid, 'SIGTERM');
        const timeout = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timeout);
      }
      remote?.remote.user.remove();
      await remote?.sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

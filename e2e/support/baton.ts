// Starts the real browser-mode server (dist/baton-web.cjs) on a temp BATON_HOME and HOME, with a
// real git repository and an ~/.ssh/config, and stops it by PID. Nothing here is mocked: the
// renderer talks to the bridge, the bridge to an embedded app-server, the app-server to git.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BatonFixture {
  url: string;
  dir: string;
  home: string;
  repo: string;
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

export async function startBaton(setup?: (f: { dir: string; home: string; repo: string; userHome: string }) => Promise<void>): Promise<BatonFixture> {
  const server = path.join(root, 'dist', 'baton-web.cjs');
  if (!existsSync(server) || !existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    throw new Error('dist/ is not built: run `npm run build` first (npm test does it).');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-e2e-'));
  const home = path.join(dir, 'baton-home');
  const userHome = path.join(dir, 'user');
  mkdirSync(path.join(userHome, '.ssh'), { recursive: true, mode: 0o700 });
  // Aliases Settings > Connections suggests; nothing listens there, so the host stays offline.
  writeFileSync(path.join(userHome, '.ssh', 'config'), 'Host gpu-box\n  HostName 127.0.0.1\n  Port 1\n  User baton\n\nHost build-server\n  HostName 127.0.0.1\n  Port 2\n');
  const repo = makeRepo(dir);
  await setup?.({ dir, home, repo, userHome });

  const child: ChildProcess = spawn(process.execPath, [server], {
    cwd: root,
    env: { ...process.env, BATON_HOME: home, HOME: userHome, BATON_WEB_PORT: '0' },
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
    async stop() {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid, 'SIGTERM');
        const timeout = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timeout);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

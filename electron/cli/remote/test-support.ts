// Test support for the terminal-client suites: the `baton` bundle built privately (the same
// entry and options as build/build.mjs: other engineers may be rebuilding dist/ meanwhile),
// BATON_HOMEs with a real Git repository, `baton serve` children, and a pseudo-terminal driver
// (python3's pty module: no npm dependency) for the interactive path.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export async function buildBundle(outfile: string): Promise<string> {
  const aliases = path.join(root, 'electron/app-server/transport/bundle-alias.mjs');
  const alias = existsSync(aliases) ? ((await import(pathToFileURL(aliases).href)) as { transportAliases: Record<string, string> }).transportAliases : {};
  await build({
    alias,
    entryPoints: [path.join(root, 'electron/cli/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['bufferutil', 'utf-8-validate', 'cpu-features', '*.node', 'electron'],
    logLevel: 'warning',
    define: { 'process.env.BATON_BUNDLED': '"1"' },
  });
  return outfile;
}

export interface Home {
  home: string;
  repo: string;
}

export function newHome(dir: string): Home {
  const home = path.join(dir, 'home');
  const repo = path.join(dir, 'repo');
  mkdirSync(home, { recursive: true });
  mkdirSync(repo, { recursive: true });
  const g = (...a: string[]) => execFileSync('git', a, { cwd: repo, stdio: 'pipe' });
  g('init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'README.md'), '# demo\n');
  g('add', '.');
  g('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'root');
  return { home, repo };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function runBaton(bundle: string, home: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {}): Run {
  const r = spawnSync(process.execPath, [bundle, ...args], {
    env: { ...process.env, NO_COLOR: '1', BATON_HOME: home, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    input: opts.input ?? '',
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Like runBaton, without blocking this process: for servers that run inside the test, and for
 * sshd, whose log pipe this process must keep draining (a blocked sshd stalls every login).
 */
export function runBatonAsync(bundle: string, home: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<Run> {
  return runAsync(process.execPath, [bundle, ...args], { ...process.env, NO_COLOR: '1', BATON_HOME: home, ...opts.env }, opts.timeoutMs ?? 60_000, opts.input ?? '');
}

function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, input = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export interface ServerInfoFile {
  pid: number;
  port: number;
  token: string;
  securePort: number;
  secureUrl: string;
  noisePublicKey: string;
  fingerprint: string;
  socketPath?: string;
}

export async function startServe(bundle: string, home: string, extraArgs: string[] = []): Promise<{ child: ChildProcess; info: ServerInfoFile; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [bundle, 'serve', ...extraArgs], { env: { ...process.env, BATON_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const file = path.join(home, 'server.json');
  await until(() => {
    if (child.exitCode !== null) throw new Error(`baton serve exited ${child.exitCode}: ${stderr}`);
    try {
      return JSON.parse(readFileSync(file, 'utf8')).pid === child.pid;
    } catch {
      return false;
    }
  }, 'server.json');
  const info = JSON.parse(readFileSync(file, 'utf8')) as ServerInfoFile;
  return {
    child,
    info,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function until(f: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * One step of a terminal conversation: wait until the screen output contains `expect` (a
 * regular expression source), then type `send` (escapes like \r and \x03 allowed).
 */
export interface PtyStep {
  expect?: string;
  send?: string;
}

const PTY_DRIVER = String.raw`
import json, os, pty, re, select, sys, time
spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(spec["env"])
    os.execv(spec["argv"][0], spec["argv"])
out = b""
def read_until(pattern, deadline):
    global out
    rx = re.compile(pattern.encode()) if pattern else None
    while True:
        if rx and rx.search(out):
            return True
        left = deadline - time.time()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], min(left, 0.2))
        if fd in r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                return rx is None or bool(rx.search(out))
            out += chunk
ok = True
failed = None
for step in spec["steps"]:
    if step.get("expect") and not read_until(step["expect"], time.time() + spec["stepTimeout"]):
        ok = False
        failed = step["expect"]
        break
    if step.get("send"):
        os.write(fd, step["send"].encode())
if ok:
    read_until(None, time.time() + spec["exitTimeout"])
deadline = time.time() + spec["exitTimeout"]
code = None
while time.time() < deadline:
    p, status = os.waitpid(pid, os.WNOHANG)
    if p == pid:
        code = os.waitstatus_to_exitcode(status)
        break
    read_until(None, time.time() + 0.2)
if code is None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
sys.stdout.write(json.dumps({"ok": ok, "failedAt": failed, "code": code, "output": out.decode("utf-8", "replace")}))
`;

export interface PtyResult {
  ok: boolean;
  failedAt: string | null;
  code: number | null;
  output: string;
}

type PtyOptions = { env?: NodeJS.ProcessEnv; stepTimeoutMs?: number; exitTimeoutMs?: number };

function ptySpec(bundle: string, home: string, args: string[], steps: PtyStep[], opts: PtyOptions): string {
  const env: Record<string, string> = { BATON_HOME: home, TERM: 'xterm', ...(opts.env as Record<string, string>) };
  return JSON.stringify({ argv: [process.execPath, bundle, ...args], env, steps, stepTimeout: (opts.stepTimeoutMs ?? 20_000) / 1000, exitTimeout: (opts.exitTimeoutMs ?? 15_000) / 1000 });
}

/** Runs `baton args` in a pseudo-terminal through the steps; the process must exit afterwards. */
export function runInPty(bundle: string, home: string, args: string[], steps: PtyStep[], opts: PtyOptions = {}): PtyResult {
  const r = spawnSync('python3', ['-c', PTY_DRIVER, ptySpec(bundle, home, args, steps, opts)], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`pty driver failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as PtyResult;
}

/** runInPty without blocking this process (see runBatonAsync). */
export async function runInPtyAsync(bundle: string, home: string, args: string[], steps: PtyStep[], opts: PtyOptions = {}): Promise<PtyResult> {
  const r = await runAsync('python3', ['-c', PTY_DRIVER, ptySpec(bundle, home, args, steps, opts)], process.env, 180_000);
  if (r.code !== 0) throw new Error(`pty driver failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as PtyResult;
}

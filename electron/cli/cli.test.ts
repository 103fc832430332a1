// The `baton` CLI end to end: the real bundle in child processes, a real `baton serve` on a
// loopback socket, real git repositories, the real offline agent. Covers the issue's "done
// when": a thread created; a turn whose command needs approval, approved, output and plan
// recorded; interrupt of `sleep 30` within a second with nothing left running; kill -9 of the
// server mid-turn and a restart that finds the thread intact with the turn interrupted; a torn
// log tail; malformed and oversized messages to the live server.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createRpcClient } from '../../shared/rpc/client';
import { connectWebSocket } from '../app-server/rpc/websocket';
import { ThreadStore } from '../app-server/storage/threadStore';
import { newHome, type Home } from './remote/test-support';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let tmp: string;
let bundle: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-cli-')));
  // The same entry and options as build/build.mjs (aliases included, so the bundle needs no
  // add-on), into a private file: other engineers may be rebuilding dist/ at this very moment.
  bundle = path.join(tmp, 'baton.cjs');
  const aliases = path.join(root, 'electron/app-server/transport/bundle-alias.mjs');
  const alias = existsSync(aliases) ? ((await import(pathToFileURL(aliases).href)) as { transportAliases: Record<string, string> }).transportAliases : {};
  await build({
    alias,
    entryPoints: [path.join(root, 'electron/cli/main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['bufferutil', 'utf-8-validate', 'cpu-features', '*.node', 'electron'],
    logLevel: 'warning',
    define: { 'process.env.BATON_BUNDLED': '"1"' },
  });
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  // Anything a test left running in its directories (e.g. the `sleep` orphaned by kill -9).
  killAllIn(tmp);
  rmSync(tmp, { recursive: true, force: true });
});

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return ''; // exited meanwhile
  }
}

function killAllIn(dir: string) {
  for (const pid of processesIn(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

type Env = Home;

/** A BATON_HOME and a one-commit repository with an origin (so the project has an identity). */
function newEnv(name: string): Env {
  const env = newHome(path.join(tmp, name));
  execFileSync('git', ['remote', 'add', 'origin', 'git@github.com:acme/demo.git'], { cwd: env.repo, stdio: 'pipe' });
  return env;
}

function baton(env: Env, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bundle, ...args], { env: { ...process.env, BATON_HOME: env.home }, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function batonJson<T = any>(env: Env, args: string[]): T {
  const r = baton(env, [...args, '--json']);
  if (r.code !== 0) throw new Error(`baton ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function startServer(env: Env): Promise<{ child: ChildProcess; info: { pid: number; url: string; token: string; port: number } }> {
  const child = spawn(process.execPath, [bundle, 'serve'], { env: { ...process.env, BATON_HOME: env.home }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const file = path.join(env.home, 'server.json');
  await until(() => {
    if (child.exitCode !== null) throw new Error(`baton serve exited ${child.exitCode}: ${stderr}`);
    if (!existsSync(file)) return false;
    try {
      return JSON.parse(readFileSync(file, 'utf8')).pid === child.pid;
    } catch {
      return false;
    }
  }, 'server.json');
  expect(statSync(file).mode & 0o777).toBe(0o600);
  return { child, info: JSON.parse(readFileSync(file, 'utf8')) };
}

async function stopServer(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function until(f: () => boolean | Promise<boolean>, what: string, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Processes whose working directory is inside `dir`: what a turn left running there. */
function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cwd = readlinkSync(`/proc/${p}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + '/')) out.push(Number(p));
    } catch {
      // gone, or not ours to see
    }
  }
  return out;
}

describe('baton CLI (embedded app-server)', () => {
  it('adds a project, creates a thread, runs a turn and shows it', () => {
    const env = newEnv('embedded');
    const p = batonJson(env, ['project', 'add', env.repo, '--name', 'demo']);
    expect(p).toMatchObject({ name: 'demo', identity: 'github.com/acme/demo', root: env.repo });
    expect(batonJson(env, ['project', 'list']).map((x: { name: string }) => x.name)).toEqual(['demo']);

    const t = batonJson(env, ['thread', 'new', '--project', 'demo', '--title', 'Fix the build', '--approval', 'never']);
    expect(t).toMatchObject({ title: 'Fix the build', status: 'idle', host: 'local', worktreePath: env.repo, branch: 'main' });

    const turn = batonJson(env, ['thread', 'send', t.id.slice(0, 5), 'plan: [x] look; [ ] report\n$ cat README.md']);
    expect(turn.outcome).toBe('completed');
    const shown = batonJson(env, ['thread', 'show', 'Fix the build']);
    expect(shown.items.find((i: { type: string }) => i.type === 'command_execution')).toMatchObject({ command: 'cat README.md', output: '# demo\n', exitCode: 0, status: 'completed' });
    expect(shown.planHistory.at(-1).plan.steps).toEqual([
      { step: 'look', status: 'completed' },
      { step: 'report', status: 'pending' },
    ]);
    const human = baton(env, ['thread', 'show', t.id]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('$ cat README.md  (exit 0)');
    expect(baton(env, ['thread', 'list']).stdout).toContain(t.id);
  });

  it('gives one-line errors with the right exit codes', () => {
    const env = newEnv('errors');
    const missing = baton(env, ['project', 'add', path.join(env.repo, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/does not exist/);
    const plain = path.join(tmp, 'errors', 'plain');
    mkdirSync(plain);
    expect(baton(env, ['project', 'add', plain]).stderr).toMatch(/not inside a Git repository.*git init/);
    expect(baton(env, ['thread', 'show', 'nothing']).code).toBe(1);
    expect(baton(env, ['thread', 'frobnicate']).code).toBe(2);
    expect(baton(env, ['thread', 'new', '--project', 'x', '--approval', 'sometimes']).code).toBe(2);
    expect(baton(env, ['serve', '--listen', 'nonsense']).code).toBe(2);
    const json = baton(env, ['thread', 'show', 'nothing', '--json']);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'notFound' });

    batonJson(env, ['project', 'add', env.repo, '--name', 'demo']);
    batonJson(env, ['thread', 'new', '--project', 'demo', '--title', 'same']);
    batonJson(env, ['thread', 'new', '--project', 'demo', '--title', 'same']);
    const amb = baton(env, ['thread', 'show', 'same']);
    expect(amb.code).toBe(1);
    expect(amb.stderr).toMatch(/matches 2 threads.*more characters/);

    // Embedded, nobody can answer an approval: the turn is stopped and the CLI says so (exit 3).
    const t = batonJson(env, ['thread', 'new', '--project', 'demo', '--title', 'careful', '--approval', 'untrusted']);
    const refused = baton(env, ['thread', 'send', t.id, '$ echo hi']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/needs approval.*baton serve/);
    expect(batonJson(env, ['thread', 'show', t.id]).status).toBe('idle');
  });

  it('loads a thread whose log has a torn last line', () => {
    const env = newEnv('torn');
    batonJson(env, ['project', 'add', env.repo, '--name', 'demo']);
    const t = batonJson(env, ['thread', 'new', '--project', 'demo', '--approval', 'never']);
    batonJson(env, ['thread', 'send', t.id, '$ echo before-the-crash']);
    const log = path.join(env.home, 'threads', `${t.id}.jsonl`);
    const revs = readFileSync(log, 'utf8').trim().split('\n').length;
    appendFileSync(log, '{"rev":' + (revs + 1) + ',"at":"2026-11-24T12:00:00.000Z","epoch":0,"kind":"item_add');
    const shown = batonJson(env, ['thread', 'show', t.id]);
    expect(shown.revision).toBe(revs);
    expect(shown.items.some((i: { output?: string }) => i.output === 'before-the-crash\n')).toBe(true);
    // And the thread goes on: the torn bytes are cut before the next append.
    expect(batonJson(env, ['thread', 'send', t.id, '$ echo after']).outcome).toBe('completed');
    expect(batonJson(env, ['thread', 'show', t.id]).revision).toBeGreaterThan(revs);
  });
});

describe('finding the server', () => {
  it('works embedded when server.json is left over from a dead server, even if its pid was reused', () => {
    const env = newEnv('stale');
    // The pid is alive (this test process), but nothing listens on the port any more.
    const stale = { pid: process.pid, port: 9, url: 'ws://127.0.0.1:9', version: '0.0.0', startedAt: new Date().toISOString(), token: 'x'.repeat(32) };
    writeFileSync(path.join(env.home, 'server.json'), JSON.stringify(stale), { mode: 0o600 });
    expect(baton(env, ['project', 'add', env.repo]).code).toBe(0);
    writeFileSync(path.join(env.home, 'server.json'), JSON.stringify({ ...stale, pid: 2 ** 22 + 1 }), { mode: 0o600 });
    expect(batonJson(env, ['project', 'list'])).toHaveLength(1);
  });

  it('refuses a second server on the same BATON_HOME', async () => {
    const env = newEnv('twice');
    const { child, info } = await startServer(env);
    try {
      const again = baton(env, ['serve']);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(new RegExp(`already running .*pid ${info.pid}`));
    } finally {
      await stopServer(child);
    }
  });
});

describe('baton serve and the CLI talking to it', () => {
  it('runs a turn that needs approval: request, approve, output and plan recorded', async () => {
    const env = newEnv('approval');
    const { child, info } = await startServer(env);
    try {
      batonJson(env, ['project', 'add', env.repo, '--name', 'demo']);
      const t = batonJson(env, ['thread', 'new', '--project', 'demo', '--title', 'Careful', '--approval', 'untrusted']);
      const started = batonJson(env, ['thread', 'send', t.id, 'plan: [~] greet; [ ] finish\n$ echo approved-output']);
      expect(started).toMatchObject({ threadId: t.id });

      let pending: Array<{ requestId: string; summary: string }> = [];
      await until(() => (pending = batonJson(env, ['thread', 'show', t.id]).pendingApprovals).length > 0, 'the approval request');
      expect(pending[0]!.summary).toContain('echo approved-output');
      expect(batonJson(env, ['thread', 'show', t.id]).status).toBe('waiting-approval');

      expect(batonJson(env, ['approve', t.id, pending[0]!.requestId, 'allow'])).toMatchObject({ threadId: t.id, decision: 'allow' });
      await until(() => batonJson(env, ['thread', 'show', t.id]).status === 'idle', 'the turn to finish');
      const shown = batonJson(env, ['thread', 'show', t.id]);
      expect(shown.items.find((i: { type: string }) => i.type === 'command_execution')).toMatchObject({ output: 'approved-output\n', exitCode: 0, status: 'completed' });
      expect(shown.items.find((i: { type: string }) => i.type === 'approval_decision')).toMatchObject({ requestId: pending[0]!.requestId, decision: 'allow' });
      expect(shown.planHistory.at(-1).plan.steps[0]).toEqual({ step: 'greet', status: 'in_progress' });
      expect(shown.pendingApprovals).toEqual([]);
      // The server wrote the log, not the CLI: it still holds the thread, and another writer
      // on the same BATON_HOME (this test process) is refused instead of interleaving lines.
      expect(JSON.parse(readFileSync(path.join(env.home, 'threads', `${t.id}.lock`), 'utf8')).pid).toBe(info.pid);
      const intruder = new ThreadStore(env.home);
      await expect(intruder.append(t.id, () => [{ kind: 'meta_changed', title: 'x' }], { epoch: 0 })).rejects.toThrow(new RegExp(`another Baton process \\(pid ${info.pid}\\)`));
      await intruder.close();
    } finally {
      await stopServer(child);
    }
    expect(existsSync(path.join(env.home, 'server.json'))).toBe(false);
  });

  it('interrupts `sleep 30` within a second and leaves no process behind', async () => {
    const env = newEnv('interrupt');
    const { child, info } = await startServer(env);
    try {
      batonJson(env, ['project', 'add', env.repo, '--name', 'demo']);
      const t = batonJson(env, ['thread', 'new', '--project', 'demo', '--approval', 'never']);
      batonJson(env, ['thread', 'send', t.id, '$ sleep 30']);
      await until(() => processesIn(env.repo).length > 0, 'sleep to run');

      const conn = await connectWebSocket(info.url, info.token);
      const client = createRpcClient((m) => conn.send(m));
      conn.onMessage((m) => client.receive(m));
      const t0 = Date.now();
      const r = await client.call('turn/interrupt', { thread: t.id });
      const took = Date.now() - t0;
      conn.close();
      expect(r.interrupted).toBe(true);
      expect(took).toBeLessThan(1000);
      expect(processesIn(env.repo)).toEqual([]);

      const shown = batonJson(env, ['thread', 'show', t.id]);
      expect(shown.status).toBe('idle');
      expect(shown.items.find((i: { type: string }) => i.type === 'command_execution').status).toBe('interrupted');
      expect(shown.items.at(-1)).toMatchObject({ type: 'turn_interrupted' });

      // The CLI command does the same.
      batonJson(env, ['thread', 'send', t.id, '$ sleep 30']);
      await until(() => processesIn(env.repo).length > 0, 'sleep to run again');
      expect(batonJson(env, ['thread', 'interrupt', t.id]).interrupted).toBe(true);
      expect(processesIn(env.repo)).toEqual([]);
    } finally {
      await stopServer(child);
    }
  });

  it('survives kill -9 mid-turn: restarted, the thread is intact and the turn interrupted', async () => {
    const env = newEnv('kill9');
    const first = await startServer(env);
    batonJson(env, ['project', 'add', env.repo, '--name', 'demo']);
    // full-access: no bwrap, whose --die-with-parent would kill the command along with the
    // server and hide whether the restarted server cleans up after a crash.
    const t = batonJson(env, ['thread', 'new', '--project', 'demo', '--approval', 'never', '--profile', 'full-access']);
    batonJson(env, ['thread', 'send', t.id, 'plan: [~] wait\n$ echo started && sleep 30']);
    await until(() => processesIn(env.repo).some((pid) => cmdline(pid).startsWith('sleep')), 'sleep to run');
    const before = batonJson(env, ['thread', 'show', t.id]);
    expect(before.status).toBe('running');

    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;
    // kill -9 gives the server no chance to stop its children: the sleep outlives it…
    expect(processesIn(env.repo).some((pid) => cmdline(pid).startsWith('sleep'))).toBe(true);

    const second = await startServer(env);
    try {
      expect(second.info.pid).not.toBe(first.info.pid);
      // …until the restarted server closes the turn and kills what the turn left running.
      await until(() => processesIn(env.repo).length === 0, 'the orphaned sleep to be killed');
      const after = batonJson(env, ['thread', 'show', t.id]);
      expect(after.status).toBe('idle');
      expect(after.activeTurnId).toBeNull();
      // Everything recorded before the kill is still there.
      expect(after.items.slice(0, before.items.length).map((i: { id: string }) => i.id)).toEqual(before.items.map((i: { id: string }) => i.id));
      expect(after.planHistory).toHaveLength(1);
      expect(after.items.find((i: { type: string }) => i.type === 'command_execution')).toMatchObject({ status: 'interrupted' });
      expect(after.items.at(-1)).toMatchObject({ type: 'turn_interrupted' });
      // And it takes new turns.
      const done = batonJson(env, ['thread', 'send', t.id, '$ echo again', '--wait']);
      expect(done.outcome).toBe('completed');
    } finally {
      await stopServer(second.child);
    }
  });

  it('speaks JSON-RPC on stdio with --stdio, and stops at the end of stdin', async () => {
    const env = newEnv('stdio');
    const child = spawn(process.execPath, [bundle, 'serve', '--stdio'], { env: { ...process.env, BATON_HOME: env.home }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stdin!.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }) + '\n');
    child.stdin!.write('this is not json\n');
    await until(() => out.split('\n').filter(Boolean).length >= 2, 'two replies on stdout');
    const replies = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(replies.find((r) => r.id === 1).result).toMatchObject({ protocolVersion: 1, hostId: 'local' });
    expect(replies.find((r) => r.id === null).error.code).toBe(-32700);
    // Local CLIs on that host reach the same server through server.json meanwhile.
    await until(() => existsSync(path.join(env.home, 'server.json')), 'server.json');
    expect(baton(env, ['project', 'add', env.repo, '--name', 'demo']).code).toBe(0);
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin!.end();
    await exited;
    expect(child.exitCode).toBe(0);
    expect(existsSync(path.join(env.home, 'server.json'))).toBe(false);
  });

  it('Ctrl-C on an embedded thread send --wait stops the turn and its command', async () => {
    const env = newEnv('sigint');
    batonJson(env, ['project', 'add', env.repo, '--name', 'demo']);
    const t = batonJson(env, ['thread', 'new', '--project', 'demo', '--approval', 'never']);
    const send = spawn(process.execPath, [bundle, 'thread', 'send', t.id, '$ sleep 30', '--wait'], { env: { ...process.env, BATON_HOME: env.home }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(send);
    await until(() => processesIn(env.repo).some((pid) => cmdline(pid).startsWith('sleep')), 'sleep to run');
    const exited = new Promise((r) => send.once('exit', r));
    send.kill('SIGINT');
    await exited;
    expect(send.exitCode).toBe(1);
    expect(processesIn(env.repo)).toEqual([]);
    const shown = batonJson(env, ['thread', 'show', t.id]);
    expect(shown.status).toBe('idle');
    expect(shown.items.at(-1)).toMatchObject({ type: 'turn_interrupted', reason: 'Interrupted by the user.' });
  });

  it('thread send --wait says so when the server dies under it', async () => {
    const env = newEnv('lost');
    const { child } = await startServer(env);
    batonJson(env, ['project', 'add', env.repo, '--name', 'demo']);
    const t = batonJson(env, ['thread', 'new', '--project', 'demo', '--approval', 'never']);
    const send = spawn(process.execPath, [bundle, 'thread', 'send', t.id, '$ sleep 30', '--wait'], { env: { ...process.env, BATON_HOME: env.home }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(send);
    let stderr = '';
    send.stderr!.on('data', (d) => (stderr += d));
    await until(() => processesIn(env.repo).length > 0, 'sleep to run');
    const sent = new Promise((r) => send.once('exit', r));
    child.kill('SIGKILL');
    await sent;
    killAllIn(env.repo);
    expect(send.exitCode).toBe(1);
    expect(stderr).toMatch(/server stopped before turn .* finished/);
  });

  it('answers malformed and oversized messages with errors and keeps serving', async () => {
    const env = newEnv('garbage');
    const { child, info } = await startServer(env);
    try {
      const ws = new WebSocket(info.url, { headers: { authorization: `Bearer ${info.token}` }, maxPayload: 64 << 20 });
      const replies: Array<{ id: unknown; error?: { code: number }; result?: unknown }> = [];
      ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
      await new Promise((r, j) => {
        ws.once('open', r);
        ws.once('error', j);
      });
      ws.send('{"jsonrpc":"2.0","id":1,"method":');
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { clientName: 'x'.repeat(5 << 20) } }));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'thread/fly' }));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'initialize', params: {} }));
      await until(() => replies.length >= 4, 'four replies');
      expect(replies.find((r) => r.error?.code === -32700)).toBeDefined();
      expect(replies.find((r) => r.error?.code === -32007)).toBeDefined();
      expect(replies.find((r) => r.id === 3)!.error!.code).toBe(-32601);
      expect(replies.find((r) => r.id === 4)!.result).toMatchObject({ protocolVersion: 1 });
      // A frame far beyond the limit is cut off by the transport; the server lives on.
      ws.send('x'.repeat(40 << 20));
      await new Promise((r) => ws.once('close', r));
      expect(child.exitCode).toBeNull();
      expect(baton(env, ['project', 'list', '--json']).code).toBe(0);
    } finally {
      await stopServer(child);
    }
  });
});

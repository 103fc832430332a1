import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Thread } from '../../../shared/contracts/thread';
import { ProjectStore } from '../projects/projectStore';
import { ThreadStore } from '../storage/threadStore';
import { FencedError } from './errors';
import { ThreadService } from './service';
import { createAgent } from '../agent/index';

let dir: string;
let home: string;
let repo: string;
let services: ThreadService[] = [];

beforeEach(() => {
  dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-svc-')));
  home = path.join(dir, 'home');
  repo = path.join(dir, 'repo');
  mkdirSync(home);
  mkdirSync(repo);
  const g = (...a: string[]) => execFileSync('git', a, { cwd: repo, stdio: 'pipe' });
  g('init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'a.txt'), 'a\n');
  g('add', '.');
  g('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'root');
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const stores = new WeakMap<ThreadService, ThreadStore>();
const storeOf = (s: ThreadService) => stores.get(s)!;

function service(): ThreadService {
  const store = new ThreadStore(home);
  const s = new ThreadService({
    store,
    projects: new ProjectStore(path.join(home, 'projects.json')),
    home,
    hostId: 'local',
    createAgent: (settings) => createAgent(settings),
  });
  services.push(s);
  stores.set(s, store);
  return s;
}

async function until(f: () => Promise<boolean> | boolean, what: string, ms = 15_000) {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pendingRequest = (t: Thread) => {
  const answered = new Set(t.items.flatMap((i) => (i.type === 'approval_decision' ? [i.requestId] : [])));
  return t.items.find((i) => i.type === 'approval_request' && !answered.has(i.requestId)) as Extract<Thread['items'][number], { type: 'approval_request' }> | undefined;
};

/** Processes whose working directory is inside `root` (what a turn left running there). */
function processesIn(root: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cwd = readlinkSync(`/proc/${p}/cwd`);
      if (cwd === root || cwd.startsWith(root + '/')) pids.push(Number(p));
    } catch {
      // gone or not ours
    }
  }
  return pids;
}

async function newThread(s: ThreadService, approvalPolicy: 'untrusted' | 'never' = 'untrusted') {
  const projects = new ProjectStore(path.join(home, 'projects.json'));
  const project = projects.list()[0] ?? (await projects.add(repo, 'demo'));
  return s.start({ project: project.name, title: 'Demo thread', approvalPolicy });
}

describe('ThreadService', () => {
  it('runs a turn: approval asked, allowed, output recorded, plan updated', async () => {
    const s = service();
    const meta = await newThread(s);
    expect(meta).toMatchObject({ title: 'Demo thread', status: 'idle', branch: 'main', worktreePath: repo, revision: 1, epoch: 0 });
    expect(meta.settings.permissions.approvalPolicy).toBe('untrusted');

    const { turnId } = await s.startTurn({ thread: meta.id, input: 'plan: [x] look; [ ] say hi\n$ echo hello-from-turn' });
    await until(async () => (await s.read({ thread: meta.id })).thread.status === 'waiting-approval', 'approval request');
    const t1 = await storeOf(s).read(meta.id);
    const req = pendingRequest(t1)!;
    expect(req).toMatchObject({ tool: 'shell', summary: 'Run `echo hello-from-turn`', pattern: 'echo hello-from-turn', turnId });
    await s.respondApproval({ thread: meta.id, requestId: req.requestId, decision: 'allow' });
    await s.waitForTurn(meta.id);

    const t = await storeOf(s).read(meta.id);
    expect(t.status).toBe('idle');
    expect(t.activeTurnId).toBeNull();
    const cmd = t.items.find((i) => i.type === 'command_execution');
    expect(cmd).toMatchObject({ command: 'echo hello-from-turn', output: 'hello-from-turn\n', exitCode: 0, status: 'completed' });
    expect(t.planHistory.map((v) => v.plan.steps.map((x) => x.step))).toEqual([['look', 'say hi']]);
    expect(t.items.map((i) => i.type)).toEqual(['user_message', 'plan_update', 'approval_request', 'approval_decision', 'command_execution', 'agent_message']);
    expect(t.approvalRules).toEqual([]);
  });

  it('stores an "always" answer as a rule that skips the next ask', async () => {
    const s = service();
    const meta = await newThread(s);
    await s.startTurn({ thread: meta.id, input: '$ true' });
    await until(async () => !!pendingRequest(await storeOf(s).read(meta.id)), 'approval request');
    await s.respondApproval({ thread: meta.id, requestId: pendingRequest(await storeOf(s).read(meta.id))!.requestId, decision: 'always' });
    await s.waitForTurn(meta.id);
    await s.startTurn({ thread: meta.id, input: '$ true' });
    await s.waitForTurn(meta.id);
    const t = await storeOf(s).read(meta.id);
    expect(t.approvalRules).toMatchObject([{ tool: 'shell', pattern: 'true' }]);
    expect(t.items.filter((i) => i.type === 'approval_request')).toHaveLength(1);
    expect(t.items.filter((i) => i.type === 'command_execution' && i.status === 'completed')).toHaveLength(2);
  });

  it('interrupts a long command within a second and leaves no process behind', async () => {
    const s = service();
    const meta = await newThread(s, 'never');
    await s.startTurn({ thread: meta.id, input: '$ sleep 30' });
    await until(() => processesIn(repo).length > 0, 'sleep to start');
    const started = Date.now();
    const r = await s.interrupt({ thread: meta.id });
    const took = Date.now() - started;
    expect(r.interrupted).toBe(true);
    expect(took).toBeLessThan(1000);
    expect(processesIn(repo)).toEqual([]);
    const t = await storeOf(s).read(meta.id);
    expect(t.status).toBe('idle');
    expect(t.items.find((i) => i.type === 'command_execution')).toMatchObject({ status: 'interrupted' });
    expect(t.items.at(-1)).toMatchObject({ type: 'turn_interrupted', reason: 'Interrupted by the user.' });
    const events = (await s.read({ thread: meta.id, afterRevision: 0 })).events!;
    expect(events.at(-1)).toMatchObject({ kind: 'turn_completed', outcome: 'interrupted' });
  });

  it('interrupts a turn blocked on an approval', async () => {
    const s = service();
    const meta = await newThread(s);
    await s.startTurn({ thread: meta.id, input: '$ echo never' });
    await until(async () => !!pendingRequest(await storeOf(s).read(meta.id)), 'approval request');
    await s.interrupt({ thread: meta.id });
    const t = await storeOf(s).read(meta.id);
    expect(t.status).toBe('idle');
    expect(t.items.some((i) => i.type === 'command_execution')).toBe(false);
    await expect(s.respondApproval({ thread: meta.id, requestId: pendingRequest(t)!.requestId, decision: 'allow' })).rejects.toThrow(/no pending approval/);
  });

  it('fences a turn once the thread epoch moves on', async () => {
    const s = service();
    const meta = await newThread(s);
    await s.startTurn({ thread: meta.id, input: '$ echo fenced' });
    await until(async () => !!pendingRequest(await storeOf(s).read(meta.id)), 'approval request');
    const req = pendingRequest(await storeOf(s).read(meta.id))!;
    // What a handoff does: a new owner epoch. The old turn's writes must now be refused.
    await storeOf(s).append(meta.id, () => [{ kind: 'ownership_changed', host: 'local', newEpoch: 1, worktreePath: repo }], { epoch: 1 });
    await expect(s.respondApproval({ thread: meta.id, requestId: req.requestId, decision: 'allow' })).rejects.toThrow(FencedError);
    await s.interrupt({ thread: meta.id });
    const t = await storeOf(s).read(meta.id);
    expect(t.items.some((i) => i.type === 'approval_decision' || i.type === 'command_execution')).toBe(false);
  });

  it('closes a turn left running by a crash as interrupted on start', async () => {
    const s1 = service();
    const meta = await newThread(s1);
    // What a process killed mid-turn leaves in the log: a turn started, a command running.
    await storeOf(s1).append(
      meta.id,
      () => [
        { kind: 'turn_started', turnId: 'turn-x' },
        { kind: 'item_added', item: { id: 'c1', turnId: 'turn-x', type: 'command_execution', command: 'sleep 30', cwd: repo, output: 'partial', exitCode: null, status: 'running', at: new Date().toISOString() } },
      ],
      { epoch: 0 },
    );
    await s1.close();
    services = [];
    const s2 = service();
    expect(await s2.recoverInterruptedTurns()).toEqual([meta.id]);
    const t = await storeOf(s2).read(meta.id);
    expect(t.status).toBe('idle');
    expect(t.activeTurnId).toBeNull();
    expect(t.items.find((i) => i.id === 'c1')).toMatchObject({ status: 'interrupted', output: 'partial' });
    expect(t.items.at(-1)).toMatchObject({ type: 'turn_interrupted' });
    expect(await s2.recoverInterruptedTurns()).toEqual([]);
  });

  it('forks up to an item, addresses threads by prefix and title, pages reads', async () => {
    const s = service();
    const meta = await newThread(s, 'never');
    await s.startTurn({ thread: meta.id, input: 'plan: [ ] a\n$ echo one' });
    await s.waitForTurn(meta.id);
    await s.startTurn({ thread: meta.id, input: 'plan: [x] a\n$ echo two' });
    await s.waitForTurn(meta.id);
    const src = await storeOf(s).read(meta.id);
    expect(src.planHistory).toHaveLength(2);
    const cut = src.items.find((i) => i.type === 'command_execution' && i.output === 'one\n')!;
    const fork = await s.fork({ thread: meta.id.slice(0, 6), itemId: cut.id });
    const f = await storeOf(s).read(fork.id);
    expect(f.forkedFrom).toEqual({ threadId: meta.id, itemId: cut.id });
    expect(f.title).toBe('Fork of Demo thread');
    expect(f.items[0]).toMatchObject({ type: 'system_event', event: 'forked' });
    expect(f.items.slice(1).map((i) => i.id)).toEqual(src.items.slice(0, src.items.indexOf(cut) + 1).map((i) => i.id));
    expect(f.planHistory.map((v) => v.plan)).toEqual([src.planHistory[0]!.plan]);
    expect(f.status).toBe('idle');

    expect(s.resolve('Demo thread')).toBe(meta.id);
    expect(() => s.resolve('nope')).toThrow(/no thread "nope"/);
    await s.start({ project: 'demo', title: 'Demo thread' });
    expect(() => s.resolve('Demo thread')).toThrow(/matches 2 threads/);

    const page1 = await s.read({ thread: meta.id, limit: 2 });
    expect(page1.items!.map((i) => i.id)).toEqual(src.items.slice(-2).map((i) => i.id));
    const page2 = await s.read({ thread: meta.id, limit: 2, cursor: page1.nextCursor! });
    expect(page2.items!.map((i) => i.id)).toEqual(src.items.slice(-4, -2).map((i) => i.id));
    const after = await s.read({ thread: meta.id, afterRevision: src.revision - 3, limit: 2 });
    expect(after.events!.map((e) => e.rev)).toEqual([src.revision - 2, src.revision - 1]);
    const rest = await s.read({ thread: meta.id, cursor: after.nextCursor! });
    expect(rest.events!.map((e) => e.rev)).toEqual([src.revision]);
    expect(rest.nextCursor).toBeNull();
  });

  it('archives a thread: hidden from the list, refuses turns, and comes back', async () => {
    const s = service();
    const meta = await newThread(s, 'never');
    expect((await s.archive({ thread: meta.id })).archived).toBe(true);
    expect(s.list({}).map((t) => t.id)).toEqual([]);
    expect(s.list({ includeArchived: true }).map((t) => t.id)).toEqual([meta.id]);
    await expect(s.startTurn({ thread: meta.id, input: '$ true' })).rejects.toThrow(/archived/);
    expect((await s.archive({ thread: meta.id, archived: false })).archived).toBe(false);
    await s.startTurn({ thread: meta.id, input: '$ true' });
    await s.waitForTurn(meta.id);
    expect(s.list({ project: 'demo' })).toHaveLength(1);
    expect(s.list({ project: 'other' })).toHaveLength(0);
  });

  it('refuses a second turn while one runs', async () => {
    const s = service();
    const meta = await newThread(s, 'never');
    await s.startTurn({ thread: meta.id, input: '$ sleep 30' });
    await expect(s.startTurn({ thread: meta.id, input: '$ true' })).rejects.toMatchObject({ kind: 'conflict', message: expect.stringMatching(/already running/), hint: expect.stringMatching(/baton thread interrupt/) });
    await s.interrupt({ thread: meta.id });
  });
});

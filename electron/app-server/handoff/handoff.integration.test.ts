// Two app-servers in one process (two BATON_HOMEs, real git repositories — the destination a
// clone — the real thread service, agent and git engine), handing a thread back and forth.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadEventBody } from '../../../shared/contracts/events';
import type { Thread } from '../../../shared/contracts/thread';
import type { Agent, TurnIO } from '../agent';
import { g, gitView, isolateGit, makeScenario, removeTree, sourceFingerprint, visibleFiles, write } from '../git/test-repos';
import { homeOf, Pair, until } from './harness.test-support';
import { handoffAgentToolsFor } from './agentTools';
import { HandoffFailure } from './peer';
import { sameEvent } from './threadAccess';

let root: string;
let gitRoot: string;
beforeAll(() => {
  gitRoot = isolateGit();
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-handoff-'));
});
afterAll(() => {
  removeTree(root);
  removeTree(gitRoot);
});

interface World {
  pair: Pair;
  source: string;
  dest: string;
  threadId: string;
}

/** A (local) owns a thread in the scenario's source checkout; B (gpu) has the clone as a project. */
async function world(name: string, opts: { approvalPolicy?: 'untrusted' | 'never'; chunkBytes?: number; agent?: (host: string) => Agent | undefined } = {}): Promise<World> {
  const dir = path.join(root, name);
  const { source, dest } = makeScenario(dir);
  const pair = new Pair({ local: homeOf(dir, 'local'), gpu: homeOf(dir, 'gpu') }, { chunkBytes: opts.chunkBytes, agent: opts.agent });
  await pair.get('local').projects.add(source, 'app');
  await pair.get('gpu').projects.add(dest, 'app');
  const meta = await pair.get('local').threads.start({ project: 'app', title: 'Fix it', approvalPolicy: opts.approvalPolicy ?? 'untrusted' });
  return { pair, source, dest, threadId: meta.id };
}

const read = (w: World, host: string): Promise<Thread> => w.pair.get(host).store.read(w.threadId);

/** Runs a turn to its end, allowing each approval it asks for. */
async function turn(w: World, host: string, input: string): Promise<void> {
  const h = w.pair.get(host);
  await h.threads.startTurn({ thread: w.threadId, input });
  const answered = new Set<string>();
  while (h.threads.isRunning(w.threadId)) {
    for (const i of (await read(w, host)).items) {
      if (i.type === 'approval_request' && !answered.has(i.requestId)) {
        answered.add(i.requestId);
        await h.threads.respondApproval({ thread: w.threadId, requestId: i.requestId, decision: 'allow' }).catch(() => undefined);
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function withoutTimes(t: Thread) {
  const { updatedAt: _u, planHistory, ...rest } = t;
  return { ...rest, planHistory: planHistory.map(({ at: _at, ...p }) => p) };
}

describe('handoff between two app-servers', () => {
  it('moves a long thread A → B → A → B whole: transcript, plan history, approvals, every kind of Git change; the worktree is reused', async () => {
    const w = await world('roundtrip');
    const A = w.pair.get('local');
    const B = w.pair.get('gpu');
    // A plan with history and an "always allow", through the real agent and approval path.
    await A.threads.startTurn({ thread: w.threadId, input: 'plan: [ ] read; [ ] fix\nplan: [x] read; [~] fix\n$ echo approved' });
    const ask = await until('the approval request', async () => (await read(w, 'local')).items.find((i) => i.type === 'approval_request'));
    await A.threads.respondApproval({ thread: w.threadId, requestId: ask.type === 'approval_request' ? ask.requestId : '', decision: 'always' });
    await A.threads.waitForTurn(w.threadId);
    // …and 2,000 transcript items.
    for (let batch = 0; batch < 20; batch++) {
      const bodies: ThreadEventBody[] = Array.from({ length: 100 }, (_, i) => ({
        kind: 'item_added',
        item: { id: `m-${batch}-${i}`, type: i % 2 ? 'agent_message' : 'user_message', text: `message ${batch * 100 + i} ${'x'.repeat(i)}`, at: new Date().toISOString() },
      }));
      await A.store.append(w.threadId, () => bodies, { epoch: 0 });
    }
    const before = await read(w, 'local');
    expect(before.items.length).toBeGreaterThan(2_000);
    expect(before.planHistory).toHaveLength(2);
    expect(before.approvalRules).toEqual([expect.objectContaining({ tool: 'shell', pattern: 'echo approved' })]);
    const sourceView = gitView(w.source);
    const sourceFiles = visibleFiles(w.source);
    const sourceFp = sourceFingerprint(w.source);

    // --- A → B
    const review = await A.handoff.prepare({ thread: w.threadId, to: 'gpu' });
    expect(review.worktree.reused).toBe(false);
    expect(review.commits.map((c) => c.subject)).toContain('second');
    expect(review.files).toEqual(expect.arrayContaining([
      { path: 'a.txt', state: 'staged', change: 'modified' },
      { path: 'a.txt', state: 'unstaged', change: 'modified' },
      { path: 'notes/untracked.txt', state: 'untracked', change: 'added' },
      { path: 'staged-delete.txt', state: 'staged', change: 'deleted' },
    ]));
    expect(review.ignoredLeftBehind).toEqual(expect.arrayContaining(['debug.log', '.env']));
    const status = await A.handoff.run({ operationId: review.operationId });
    expect(status).toMatchObject({ state: 'moved', stage: 'done' });
    // The log crossed gzipped (a transcript packs about tenfold); the objects went with pre-staging.
    const rawLog = A.store.readEvents(w.threadId).reduce((n, e) => n + JSON.stringify(e).length + 1, 0);
    expect(status.bytesTotal).toBeGreaterThan(0);
    expect(status.bytesTotal).toBeLessThan(rawLog / 4);

    const tomb = await read(w, 'local');
    const onB = await read(w, 'gpu');
    expect(tomb).toMatchObject({ status: 'moved', movedTo: 'gpu', epoch: 0 });
    expect(onB).toMatchObject({ status: 'idle', host: 'gpu', epoch: 1, activeTurnId: null });
    // The source's log (with its tombstone) is a prefix of the destination's; the part that
    // crossed is byte-identical.
    const logA = A.store.readEvents(w.threadId);
    const logB = B.store.readEvents(w.threadId);
    expect(logB.slice(0, logA.length - 1)).toEqual(logA.slice(0, -1));
    expect(sameEvent(logA[logA.length - 1]!, logB[logA.length - 1]!)).toBe(true);
    expect(onB.items.slice(0, before.items.length)).toEqual(before.items);
    expect(onB.items.at(-1)).toMatchObject({ type: 'system_event', event: 'received', from: 'local', to: 'gpu' });
    expect(onB.planHistory).toEqual(before.planHistory);
    expect(onB.approvalRules).toEqual(before.approvalRules);
    // Git state byte-exact in the destination's own worktree; the source untouched.
    expect(onB.worktreePath).toBe(path.join(B.home, 'worktrees', B.projects.list()[0]!.id, w.threadId));
    expect(gitView(onB.worktreePath)).toEqual(sourceView);
    expect(visibleFiles(onB.worktreePath)).toEqual(sourceFiles);
    expect(sourceFingerprint(w.source)).toEqual(sourceFp);
    // The capture's ref went with the closed operation; what was sent stays a have for the way back.
    expect(g(w.source, 'for-each-ref', '--format=%(refname)', 'refs/baton/').trim()).toBe(`refs/baton/sent/${w.threadId}`);
    expect(g(onB.worktreePath, 'fsck', '--strict', '--no-dangling').trim()).toBe('');

    // The thread lives on B: a turn runs there, in B's worktree.
    await turn(w, 'gpu', '```write from-b.txt\nwritten on gpu\n```\nplan: [x] read; [x] fix');
    expect(readFileSync(path.join(onB.worktreePath, 'from-b.txt'), 'utf8')).toBe('written on gpu\n');
    // The source can no longer start anything.
    await expect(A.threads.startTurn({ thread: w.threadId, input: 'hello' })).rejects.toMatchObject({ name: 'FencedError' });

    // --- B → A
    const back = await B.handoff.run({ thread: w.threadId, to: 'local' });
    expect(back.state).toBe('moved');
    // A kept its copy of the log's beginning (the tombstone): only the events after it crossed.
    expect(back.bytesTotal).toBeLessThan(status.bytesTotal / 4);
    expect(g(w.source, 'for-each-ref', 'refs/baton/sent/')).toBe('');
    const onA = await read(w, 'local');
    const bTomb = await read(w, 'gpu');
    expect(bTomb).toMatchObject({ status: 'moved', movedTo: 'local' });
    expect(onA).toMatchObject({ status: 'idle', host: 'local', epoch: 2 });
    const logB2 = B.store.readEvents(w.threadId);
    const logA2 = A.store.readEvents(w.threadId);
    expect(logA2.slice(0, logB2.length).every((e, i) => sameEvent(e, logB2[i]!))).toBe(true);
    // Everything the thread carries arrived: transcript, plan history, approvals, settings.
    expect(onA.items.slice(0, -1)).toEqual(bTomb.items);
    expect(withoutTimes(onA).planHistory).toEqual(withoutTimes(bTomb).planHistory);
    expect(onA.approvalRules).toEqual(bTomb.approvalRules);
    expect(onA.settings).toEqual(bTomb.settings);
    expect(onA.revision).toBe(bTomb.revision + 2);
    expect(onA.planHistory).toHaveLength(3);
    expect(gitView(onA.worktreePath)).toEqual(gitView(bTomb.worktreePath));
    expect(visibleFiles(onA.worktreePath)).toEqual(visibleFiles(bTomb.worktreePath));

    // --- A → B again: B's worktree is reused.
    const again = await A.handoff.prepare({ thread: w.threadId, to: 'gpu' });
    expect(again.worktree).toEqual({ path: bTomb.worktreePath, reused: true });
    await A.handoff.source.prestaged(again.operationId);
    const third$ = await A.handoff.run({ operationId: again.operationId });
    expect(third$.state).toBe('moved');
    // Nothing changed since the review: the review's snapshot was final, B held it already, and
    // only the log's new events crossed after the click.
    expect(third$.prestageBytes).toBeGreaterThan(0);
    expect(third$.bytesTotal).toBeLessThan(2_000);
    const third = await read(w, 'gpu');
    expect(third).toMatchObject({ host: 'gpu', epoch: 3, worktreePath: bTomb.worktreePath, status: 'idle' });
    expect(gitView(third.worktreePath)).toEqual(gitView(onA.worktreePath));
    // Nothing is left open in either journal.
    expect(A.handoff.journal.open()).toEqual([]);
    expect(B.handoff.journal.open()).toEqual([]);
    await w.pair.closeAll();
  });

  it('interrupts a running `sleep`, moves the thread with the turn marked interrupted, and leaves no process behind', async () => {
    const w = await world('sleep', { approvalPolicy: 'never' });
    const A = w.pair.get('local');
    await A.threads.startTurn({ thread: w.threadId, input: '$ sleep 30.4321' });
    await until('the sleep to run', () => sleepPids().length > 0);
    await until('the command item', async () => (await read(w, 'local')).items.find((i) => i.type === 'command_execution' && i.status === 'running'));
    const review = await A.handoff.prepare({ thread: w.threadId, to: 'gpu', followUpPrompt: 'plan: [x] continue after the move' });
    expect(review.willInterrupt).toBe(true);
    const status = await A.handoff.run({ operationId: review.operationId });
    expect(status.state).toBe('moved');
    expect(sleepPids()).toEqual([]);
    const B = w.pair.get('gpu');
    await B.threads.waitForTurn(w.threadId);
    const t = await read(w, 'gpu');
    const cmd = t.items.find((i) => i.type === 'command_execution');
    expect(cmd).toMatchObject({ status: 'interrupted' });
    expect(t.items.some((i) => i.type === 'turn_interrupted')).toBe(true);
    // The follow-up prompt started one turn on the destination.
    expect(t.planHistory.at(-1)?.plan.steps[0]).toMatchObject({ step: 'continue after the move', status: 'completed' });
    expect(t.items.filter((i) => i.type === 'user_message' && i.text.startsWith('plan: [x] continue'))).toHaveLength(1);
    await w.pair.closeAll();
  });

  it('refuses a write or tool call from the old epoch after the handoff', async () => {
    // An agent that keeps its TurnIO after being stopped, as a buggy or malicious one would.
    let leaked: TurnIO | null = null;
    const leaky: Agent = {
      async runTurn(ctx) {
        leaked = ctx.io;
        await ctx.io.addItem({ id: ctx.newId(), type: 'agent_message', text: 'working', at: ctx.now() });
        await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
      },
    };
    const w = await world('fence', { approvalPolicy: 'never', agent: (h) => (h === 'local' ? leaky : undefined) });
    const A = w.pair.get('local');
    const B = w.pair.get('gpu');
    await A.threads.startTurn({ thread: w.threadId, input: 'work' });
    await until('the agent to start', () => leaked);
    const first = await A.handoff.run({ thread: w.threadId, to: 'gpu' });
    expect(first.state).toBe('moved');
    const io = leaked! as TurnIO;
    const logA = A.store.readEvents(w.threadId);
    // The old turn's writes and tool calls (assertOwner runs before every tool call) are refused.
    await expect(io.addItem({ id: 'late', type: 'agent_message', text: 'still here', at: new Date().toISOString() })).rejects.toMatchObject({ kind: expect.stringMatching(/fenced|conflict/) });
    await expect(io.appendToItem('late', 'text', 'x')).rejects.toBeTruthy();
    expect(() => io.assertOwner()).toThrow();
    expect(A.store.readEvents(w.threadId)).toEqual(logA);
    expect((await read(w, 'gpu')).items.some((i) => i.id === 'late')).toBe(false);
    // On the source: the tombstone refuses turns and every write of its old epoch.
    await expect(A.threads.startTurn({ thread: w.threadId, input: '$ touch x' })).rejects.toMatchObject({ name: 'FencedError' });
    await expect(A.threads.archive({ thread: w.threadId })).rejects.toMatchObject({ name: 'FencedError' });
    // On the destination: a stale source offering the thread again under the old epoch is refused.
    const offer = A.handoff.journal.all()[0]!;
    const stale = await B.handoff.handle({ type: 'commit', op: offer.op, newEpoch: 5 }, undefined);
    expect(stale).toMatchObject({ type: 'error' });
    expect((await read(w, 'gpu')).epoch).toBe(1);
    await w.pair.closeAll();
  });

  it('aborts, losing nothing, when a write slips into the source after the freeze', async () => {
    const w = await world('slip', { approvalPolicy: 'never' });
    const A = w.pair.get('local');
    const B = w.pair.get('gpu');
    w.pair.fault = (req, point, from) => {
      if (from === 'local' && req.type === 'stage' && point === 'before-delivery') {
        w.pair.fault = null;
        // Any writer the thread service does not fence by status (the safety net under it).
        void A.store.append(w.threadId, () => [{ kind: 'item_added', item: { id: 'slipped', type: 'agent_message', text: 'late', at: new Date().toISOString() } }], { epoch: 0 });
      }
    };
    const s = await A.handoff.run({ thread: w.threadId, to: 'gpu' });
    expect(s).toMatchObject({ state: 'aborted', error: { code: 'transfer-failed', message: expect.stringContaining('changed while it was being handed off') } });
    const t = await read(w, 'local');
    expect(t.status).toBe('idle');
    expect(t.items.some((i) => i.id === 'slipped')).toBe(true);
    expect(B.store.exists(w.threadId)).toBe(false);
    expect(A.handoff.journal.open()).toEqual([]);
    expect(B.handoff.journal.open()).toEqual([]);
    // …and the next attempt carries the slipped write along.
    expect((await A.handoff.run({ thread: w.threadId, to: 'gpu' })).state).toBe('moved');
    expect((await read(w, 'gpu')).items.some((i) => i.id === 'slipped')).toBe(true);
    await w.pair.closeAll();
  });

  it('lets a controller thread delegate a handoff with the agent tools, and refuses a thread moving itself', async () => {
    const w = await world('delegate', { approvalPolicy: 'never' });
    const A = w.pair.get('local');
    const controller = await A.threads.start({ project: 'app', title: 'controller' });
    const tools = handoffAgentToolsFor(A.handoff);
    await expect(tools.handoff_thread(w.threadId, { thread: w.threadId, destination: 'gpu' })).rejects.toMatchObject({ code: 'self-handoff' });
    await expect(tools.handoff_thread(controller.id, { thread: w.threadId })).rejects.toThrow(/destination/);
    const { operationId } = await tools.handoff_thread(controller.id, { thread: 'Fix it', destination: 'gpu', followUpPrompt: 'plan: [x] arrived' });
    await until('the handoff to finish', () => tools.handoff_status({ operationId }).state !== 'running');
    expect(tools.handoff_status({ operationId })).toMatchObject({ state: 'moved', destination: 'gpu', threadId: w.threadId });
    expect((await read(w, 'gpu')).host).toBe('gpu');
    expect((await A.store.read(controller.id)).status).toBe('idle');
    await w.pair.closeAll();
  });

  it('pre-stages objects and worktree while the review is open, so the click moves and applies only what changed since', async () => {
    const w = await world('prestage', { approvalPolicy: 'never', chunkBytes: 64 * 1024 });
    const A = w.pair.get('local');
    const B = w.pair.get('gpu');
    write(w.source, 'assets/big.bin', randomBytes(3 * 1024 * 1024)); // many chunks, over any one message
    const review = await A.handoff.prepare({ thread: w.threadId, to: 'gpu' });
    expect(A.handoff.status(review.operationId).prestage).toBe('running');
    await A.handoff.source.prestaged(review.operationId);
    expect(A.handoff.status(review.operationId).prestage).toBe('ready');
    const prestaged = g(w.dest, 'for-each-ref', '--format=%(refname)', 'refs/baton/prestaged/').trim();
    expect(prestaged).toBe(`refs/baton/prestaged/${w.threadId}`);
    // The worktree is there already, holding the review's files, HEAD detached, no branch moved.
    expect(visibleFiles(review.worktree.path)).toEqual(visibleFiles(w.source));
    expect(g(review.worktree.path, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('HEAD');
    expect(g(w.dest, 'branch', '--list', 'feature')).toBe('');
    expect(B.store.exists(w.threadId)).toBe(false); // nothing owned there
    expect((await read(w, 'local')).status).toBe('idle'); // nothing locked here
    write(w.source, 'late.txt', 'changed after the review opened\n');
    const status = await A.handoff.run({ operationId: review.operationId });
    expect(status.state).toBe('moved');
    expect(status.bytesTotal).toBeLessThan(200_000); // the 3 MB crossed before the click
    const onB = await read(w, 'gpu');
    expect(onB.worktreePath).toBe(review.worktree.path);
    expect(readFileSync(path.join(onB.worktreePath, 'late.txt'), 'utf8')).toBe('changed after the review opened\n');
    expect(visibleFiles(onB.worktreePath)).toEqual(visibleFiles(w.source));
    expect(gitView(onB.worktreePath)).toEqual(gitView(w.source));
    expect(g(w.dest, 'for-each-ref', 'refs/baton/prestaged/', 'refs/baton/backups/')).toBe(''); // nothing to back up: pre-staging's own state
    expect(existsSync(path.join(B.home, 'handoff', 'prepared', `${w.threadId}.json`))).toBe(false);
    await w.pair.closeAll();
  });

  it('the way back sends only what changed there, not the files the thread took along', async () => {
    const w = await world('way-back', { approvalPolicy: 'never' });
    const A = w.pair.get('local');
    const B = w.pair.get('gpu');
    write(w.source, 'assets/big.bin', randomBytes(2 * 1024 * 1024));
    const there = await A.handoff.run({ thread: w.threadId, to: 'gpu' });
    expect(there.state).toBe('moved');
    expect(there.prestageBytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(there.bytesTotal).toBeLessThan(10_000); // nothing changed since the review: no objects after the click
    // Work on B: a commit that takes the big file along, and one more change.
    const wt = (await read(w, 'gpu')).worktreePath;
    write(wt, 'from-b.txt', 'written on gpu\n');
    g(wt, 'add', '-A');
    g(wt, '-c', 'user.name=b', '-c', 'user.email=b@example.com', 'commit', '-qm', 'work on gpu');
    const back = await B.handoff.run({ thread: w.threadId, to: 'local' });
    expect(back.state).toBe('moved');
    // A kept a ref on what it sent, so B's pack leaves the 2 MB out (it is a sibling, not an ancestor).
    expect((back.prestageBytes ?? 0) + back.bytesTotal).toBeLessThan(50_000);
    expect(visibleFiles((await read(w, 'local')).worktreePath)).toEqual(visibleFiles(wt));
    await w.pair.closeAll();
  });

  it('a cancelled review leaves the prepared worktree for the next attempt, removed after the time limit', async () => {
    const w = await world('prestage-cancel', { approvalPolicy: 'never' });
    const A = w.pair.get('local');
    const B = w.pair.get('gpu');
    const review = await A.handoff.prepare({ thread: w.threadId, to: 'gpu' });
    await A.handoff.source.prestaged(review.operationId);
    await A.handoff.cancel(review.operationId);
    expect(existsSync(review.worktree.path)).toBe(true);
    // Recovery (start, reconnect) runs the cleanup: within the time limit everything stays.
    await B.handoff.recover();
    expect(existsSync(review.worktree.path)).toBe(true);
    const again = await A.handoff.prepare({ thread: w.threadId, to: 'gpu' });
    expect(again.worktree).toEqual({ path: review.worktree.path, reused: true });
    await A.handoff.source.prestaged(again.operationId);
    await A.handoff.cancel(again.operationId);
    // A day later (the record's time moved back): the worktree pre-staging created goes, with its ref.
    const record = path.join(B.home, 'handoff', 'prepared', `${w.threadId}.json`);
    const r = JSON.parse(readFileSync(record, 'utf8'));
    writeFileSync(record, JSON.stringify({ ...r, preparedAt: r.preparedAt - 25 * 3600_000 }));
    await B.handoff.recover();
    expect(existsSync(review.worktree.path)).toBe(false);
    expect(g(w.dest, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(g(w.dest, 'for-each-ref', 'refs/baton/prestaged/')).toBe('');
    expect(existsSync(record)).toBe(false);
    // The thread still moves there afterwards, into a new worktree.
    expect((await A.handoff.run({ thread: w.threadId, to: 'gpu' })).state).toBe('moved');
    expect(visibleFiles((await read(w, 'gpu')).worktreePath)).toEqual(visibleFiles(w.source));
    await w.pair.closeAll();
  });

  it('moves a thread of a project in a subdirectory; it works in that subdirectory of the new worktree', async () => {
    const dir = path.join(root, 'subproject');
    const { source, dest } = makeScenario(dir);
    const pair = new Pair({ local: homeOf(dir, 'local'), gpu: homeOf(dir, 'gpu') });
    await pair.get('local').projects.add(path.join(source, 'sub'), 'sub');
    await pair.get('gpu').projects.add(path.join(dest, 'sub'), 'sub');
    const t = await pair.get('local').threads.start({ project: 'sub', approvalPolicy: 'never' });
    const review = await pair.get('local').handoff.prepare({ thread: t.id, to: 'gpu' });
    expect(review.worktree.path.endsWith(`${t.id}/sub`)).toBe(true);
    expect((await pair.get('local').handoff.run({ operationId: review.operationId })).state).toBe('moved');
    const onB = await pair.get('gpu').store.read(t.id);
    expect(onB.worktreePath).toBe(review.worktree.path);
    expect(readFileSync(path.join(onB.worktreePath, 'keep.txt'), 'utf8')).toBe('keep\n');
    await pair.closeAll();
  });

  it('cancels mid-transfer: the thread stays live on the source, the destination keeps nothing; after the decision cancel is refused', async () => {
    const w = await world('cancel', { approvalPolicy: 'never', chunkBytes: 1024 });
    const A = w.pair.get('local');
    const B = w.pair.get('gpu');
    const review = await A.handoff.prepare({ thread: w.threadId, to: 'gpu' });
    let cancelled: Promise<unknown> | null = null;
    w.pair.fault = (req, point) => {
      if (req.type === 'part' && point === 'after-handling' && !cancelled) cancelled = A.handoff.cancel(review.operationId);
    };
    const s = await A.handoff.run({ operationId: review.operationId });
    expect(s).toMatchObject({ state: 'aborted', error: { code: 'cancelled' } });
    expect(await cancelled).toMatchObject({ cancelled: true, stage: 'aborted' });
    expect((await read(w, 'local')).status).toBe('idle');
    expect(B.store.exists(w.threadId)).toBe(false);
    expect(existsSync(path.join(B.home, 'handoff', 'staging', review.operationId))).toBe(false);
    w.pair.fault = null;
    // Once committed, it can only finish.
    const r2 = await A.handoff.prepare({ thread: w.threadId, to: 'gpu' });
    let late: Promise<unknown> | null = null;
    w.pair.fault = (req, point) => {
      // Caught at once: it rejects while run() is still going, before anything awaits it.
      if (req.type === 'commit' && point === 'before-delivery' && !late) late = A.handoff.cancel(r2.operationId).then(() => 'cancelled', (e: unknown) => e);
    };
    expect((await A.handoff.run({ operationId: r2.operationId })).state).toBe('moved');
    expect(await late).toMatchObject({ code: 'too-late-to-cancel' });
    await w.pair.closeAll();
  });

  it('runs only one of two handoffs of the same thread started at once', async () => {
    const w = await world('twice', { approvalPolicy: 'never' });
    const A = w.pair.get('local');
    const r1 = await A.handoff.prepare({ thread: w.threadId, to: 'gpu' });
    const r2 = await A.handoff.prepare({ thread: w.threadId, to: 'gpu' });
    // A host reconnecting while both reviews are open must not abort them.
    await A.handoff.recover();
    const [s1, s2] = await Promise.all([A.handoff.run({ operationId: r1.operationId }), A.handoff.run({ operationId: r2.operationId })]);
    expect([s1.state, s2.state].sort()).toEqual(['aborted', 'moved']);
    expect([s1, s2].find((s) => s.state === 'aborted')!.error?.code).toBe('already-handing-off');
    expect((await read(w, 'gpu')).status).toBe('idle');
    expect((await read(w, 'local')).status).toBe('moved');
    expect(A.handoff.journal.open()).toEqual([]);
    await w.pair.closeAll();
  });

  describe('refusals leave everything as it was', () => {
    async function expectRefused(w: World, run: () => Promise<unknown>, code: string) {
      const A = w.pair.get('local');
      const B = w.pair.get('gpu');
      const events = A.store.readEvents(w.threadId);
      const fp = sourceFingerprint(w.source);
      const destView = gitView(w.dest);
      const err = await run().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(HandoffFailure);
      expect((err as HandoffFailure).code).toBe(code);
      expect((err as HandoffFailure).message.length).toBeGreaterThan(20);
      expect(A.store.readEvents(w.threadId)).toEqual(events);
      expect((await read(w, 'local')).status).toBe('idle');
      expect(sourceFingerprint(w.source)).toEqual(fp);
      expect(g(w.source, 'for-each-ref', 'refs/baton/')).toBe('');
      expect(gitView(w.dest)).toEqual(destView);
      expect(B.store.exists(w.threadId)).toBe(false);
      expect(existsSync(path.join(B.home, 'worktrees'))).toBe(false);
      expect(A.handoff.journal.all()).toEqual([]);
      expect(B.handoff.journal.all()).toEqual([]);
    }

    it('a turn of the thread asking to hand off itself', async () => {
      const w = await world('self');
      await expectRefused(w, () => w.pair.get('local').handoff.prepare({ thread: w.threadId, to: 'gpu', requester: { kind: 'agent', threadId: w.threadId } }), 'self-handoff');
      await w.pair.closeAll();
    });

    it('the same host', async () => {
      const w = await world('same');
      await expectRefused(w, () => w.pair.get('local').handoff.prepare({ thread: w.threadId, to: 'local' }), 'same-host');
      await w.pair.closeAll();
    });

    it('a disconnected host', async () => {
      const w = await world('down');
      w.pair.down.add('gpu');
      await expectRefused(w, () => w.pair.get('local').handoff.prepare({ thread: w.threadId, to: 'gpu' }), 'not-connected');
      const list = await w.pair.get('local').handoff.destinations(w.threadId);
      expect(list.destinations).toEqual([
        expect.objectContaining({ host: 'local', eligible: false, reason: 'same-host' }),
        expect.objectContaining({ host: 'gpu', eligible: false, reason: 'not-connected' }),
      ]);
      await w.pair.closeAll();
    });

    it('a host running another protocol version', async () => {
      const w = await world('skew');
      const B = w.pair.get('gpu');
      const real = B.handoff.handle;
      B.handoff.handle = async (req, payload) => {
        const r = await real(req, payload);
        return r.type === 'description' ? { ...r, protocolVersion: 99, serverVersion: '9.0.0' } : r;
      };
      await expectRefused(w, () => w.pair.get('local').handoff.prepare({ thread: w.threadId, to: 'gpu' }), 'version-skew');
      await w.pair.closeAll();
    });

    it('a host without the project', async () => {
      const w = await world('noproject');
      const B = w.pair.get('gpu');
      B.projects.remove(B.projects.list()[0]!.id);
      await expectRefused(w, () => w.pair.get('local').handoff.prepare({ thread: w.threadId, to: 'gpu' }), 'no-matching-project');
      await w.pair.closeAll();
    });

    it('a host with the project at another subdirectory', async () => {
      const w = await world('subdir');
      const B = w.pair.get('gpu');
      B.projects.remove(B.projects.list()[0]!.id);
      await B.projects.add(path.join(w.dest, 'sub'), 'app-sub');
      await expectRefused(w, () => w.pair.get('local').handoff.prepare({ thread: w.threadId, to: 'gpu' }), 'subdirectory-differs');
      await w.pair.closeAll();
    });

    it('a diverged branch on the destination', async () => {
      const w = await world('diverged');
      g(w.dest, 'checkout', '-q', '-b', 'feature');
      write(w.dest, 'other.txt', 'made on the destination\n');
      g(w.dest, 'add', 'other.txt');
      g(w.dest, 'commit', '-q', '-m', 'diverging');
      g(w.dest, 'checkout', '-q', 'main');
      await expectRefused(w, () => w.pair.get('local').handoff.prepare({ thread: w.threadId, to: 'gpu' }), 'branch-diverged');
      await w.pair.closeAll();
    });
  });
});

/** PIDs of `sleep 30.4321` processes (the test's marker duration) still alive. */
function sleepPids(): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('30.4321')) out.push(Number(pid));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

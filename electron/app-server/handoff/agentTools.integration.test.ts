// Delegated handoff through a real agent turn: two app-servers started by startAppServer (so
// the handoff extension lends its tools exactly as in the desktop and `baton serve`), linked
// in-process over JSON-RPC. A controller thread's offline agent calls `handoff_thread` on
// another thread, with the approval asked and answered through the thread service; the other
// thread ends up live on the destination and `handoff_status` says so. A thread asking to move
// itself gets the self-handoff refusal as its tool result, and nothing changes.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handoffMethods } from '../../../shared/contracts/handoff';
import type { Thread, TranscriptItem } from '../../../shared/contracts/thread';
import { createRpcClient } from '../../../shared/rpc/client';
import { createAgent } from '../agent';
import { isolateGit, makeScenario, removeTree } from '../git/test-repos';
import { connectionPair } from '../rpc/stdio';
import { startAppServer, type AppServer } from '../server/appServer';
import { handoffServiceOf } from './extension';
import { until } from './harness.test-support';
import { RpcPeerLink } from './rpc';

let root: string;
let gitRoot: string;
/** A repository only `here` has: the box has no project for it. */
let lonely: string;
let here: AppServer;
let box: AppServer;

beforeAll(async () => {
  gitRoot = isolateGit();
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-handoff-agent-'));
  const { source, dest } = makeScenario(root);
  box = await startAppServer({ home: path.join(root, 'box'), hostId: 'box', createAgent: (s) => createAgent(s, { killGraceMs: 100 }) });
  await box.projects.add(dest, 'app');
  const [mine, theirs] = connectionPair();
  box.attach(theirs);
  const toBox = createRpcClient((t) => mine.send(t), { methods: handoffMethods });
  mine.onMessage((t) => toBox.receive(t));
  here = await startAppServer({
    home: path.join(root, 'here'),
    createAgent: (s) => createAgent(s, { killGraceMs: 100 }),
    handoff: { peers: (h) => (h === 'box' ? new RpcPeerLink('box', (m, p) => toBox.call(m, p as never)) : null), hosts: () => ['local', 'box'], retries: 0 },
  });
  await here.projects.add(source, 'app');
  lonely = makeScenario(path.join(root, 'lonely')).source;
  await here.projects.add(lonely, 'lonely');
});

afterAll(async () => {
  await here?.close();
  await box?.close();
  removeTree(root);
  removeTree(gitRoot);
});

const readOn = async (app: AppServer, id: string): Promise<Thread> => app.store.read(id);

/** Runs one turn of `thread` on `app` to its end, answering each approval it asks for with `answer`. */
async function runTurn(app: AppServer, thread: string, input: string, answer: 'allow' | 'deny' = 'allow'): Promise<{ items: TranscriptItem[]; asked: string[] }> {
  const { turnId } = await app.threads.startTurn({ thread, input });
  const asked: string[] = [];
  await until(`the turn ${turnId} to end`, async () => {
    const t = await readOn(app, thread);
    for (const i of t.items) {
      if (i.type !== 'approval_request' || i.turnId !== turnId || asked.includes(i.requestId)) continue;
      asked.push(i.requestId);
      await app.threads.respondApproval({ thread, requestId: i.requestId, decision: answer });
    }
    return t.activeTurnId !== turnId;
  }, 20_000);
  const t = await readOn(app, thread);
  return { items: t.items.filter((i) => i.turnId === turnId), asked: t.items.filter((i) => i.type === 'approval_request' && i.turnId === turnId).map((i) => (i as { summary: string }).summary) };
}

function toolItems(items: TranscriptItem[]) {
  return items.filter((i): i is Extract<TranscriptItem, { type: 'command_execution' }> => i.type === 'command_execution');
}

describe('handoff_thread / handoff_status as agent tools', () => {
  it('every thread on a server with the handoff extension is lent both tools', () => {
    expect(here.hostTools.list().map((t) => t.name)).toEqual(['handoff_thread', 'handoff_status']);
    expect(box.hostTools.list().map((t) => t.name)).toEqual(['handoff_thread', 'handoff_status']);
  });

  it('a controller thread moves another thread to the destination; handoff_status reports it', async () => {
    const worker = await here.threads.start({ project: 'app', title: 'Fix it' });
    const controller = await here.threads.start({ project: 'app', title: 'controller' });
    expect(controller.settings.permissions).toMatchObject({ approvalPolicy: 'on-request', sandbox: 'workspace-write' });

    const first = await runTurn(here, controller.id, 'Send the fix to the box.\ntool: handoff_thread {"thread": "Fix it", "destination": "box", "followUpPrompt": "plan: [x] arrived"}');
    // Moving a thread leaves the worktree: on-request asks, and the card says what will happen.
    expect(first.asked).toEqual(['Hand off thread "Fix it" to box, then start a turn there with the follow-up prompt (outside the workspace-write sandbox)']);
    const [call] = toolItems(first.items);
    expect(call).toMatchObject({ command: 'handoff_thread {"thread":"Fix it","destination":"box","followUpPrompt":"plan: [x] arrived"}', status: 'completed' });
    const started = JSON.parse(call!.output) as { operationId: string; status: { threadId: string; destination: string } };
    expect(started.status).toMatchObject({ threadId: worker.id, destination: 'box' });
    expect(first.items.at(-1)).toMatchObject({ type: 'agent_message', text: expect.stringContaining(`handoff_thread ok: {"operationId":"${started.operationId}"`) });

    const service = handoffServiceOf(here)!;
    await until('the handoff to end', () => service.status(started.operationId).state !== 'running', 20_000);
    const second = await runTurn(here, controller.id, `tool: handoff_status {"operationId": "${started.operationId}"}`);
    expect(second.asked).toEqual([]); // reading a status never asks
    const [status] = toolItems(second.items);
    expect(status).toMatchObject({ status: 'completed' });
    expect(JSON.parse(status!.output)).toMatchObject({ operationId: started.operationId, state: 'moved', threadId: worker.id, destination: 'box' });

    // The worker lives on the box now (and ran its follow-up there); here it is a tombstone.
    expect(await readOn(here, worker.id)).toMatchObject({ status: 'moved', movedTo: 'box' });
    const onBox = await until('the follow-up turn on the box', async () => {
      const t = await readOn(box, worker.id);
      return t.status === 'idle' && t.planHistory.length > 0 ? t : null;
    }, 20_000);
    expect(onBox).toMatchObject({ host: 'box', epoch: worker.epoch + 1 });
    expect(onBox.planHistory.at(-1)!.plan.steps).toEqual([{ step: 'arrived', status: 'completed' }]);
    // The controller stayed where it was, untouched by the move.
    expect(await readOn(here, controller.id)).toMatchObject({ host: 'local', status: 'idle', epoch: controller.epoch });
  });

  it('a thread asking to hand off itself gets the self-handoff refusal as its tool result; nothing changes', async () => {
    const t = await here.threads.start({ project: 'app', title: 'stay put', approvalPolicy: 'untrusted' });
    const turn = await runTurn(here, t.id, `tool: handoff_thread {"thread": "${t.id}", "destination": "box"}\n$ echo still here`);
    expect(turn.asked).toEqual(['Run `echo still here`']); // no card for the refused move
    const [refused, after] = toolItems(turn.items);
    expect(refused).toMatchObject({ status: 'failed', output: expect.stringMatching(/^\[self-handoff\] Thread .* cannot hand itself off: .*Ask from another thread \(delegate\)/) });
    expect(after).toMatchObject({ command: 'echo still here', status: 'completed' }); // the turn went on
    expect(turn.items.at(-1)).toMatchObject({ type: 'agent_message', text: expect.stringContaining('handoff_thread failed ([self-handoff]') });
    expect(await readOn(here, t.id)).toMatchObject({ host: 'local', status: 'idle', epoch: t.epoch });
    expect(box.store.exists(t.id)).toBe(false);
    expect(handoffServiceOf(here)!.journal.open()).toEqual([]);
  });

  it('a destination that cannot take the thread (not connected, no matching project) is refused before anyone is asked', async () => {
    const controller = await here.threads.start({ project: 'app', title: 'controller 2' });
    const other = await here.threads.start({ project: 'app', title: 'elsewhere' });
    const turn = await runTurn(here, controller.id, `tool: handoff_thread {"thread": "${other.id}", "destination": "gpu"}`);
    expect(turn.asked).toEqual([]);
    expect(toolItems(turn.items)[0]).toMatchObject({ status: 'failed', output: expect.stringMatching(/^\[not-connected\] .*gpu.* is not connected/) });
    expect(await readOn(here, other.id)).toMatchObject({ status: 'idle', epoch: other.epoch });

    const unmatched = await here.threads.start({ project: 'lonely', title: 'only here' });
    const again = await runTurn(here, controller.id, `tool: handoff_thread {"thread": "only here", "destination": "box"}`);
    expect(again.asked).toEqual([]);
    expect(toolItems(again.items)[0]).toMatchObject({ status: 'failed', output: expect.stringMatching(/^\[no-matching-project\] .*has no saved project for .*baton project add/) });
    expect(await readOn(here, unmatched.id)).toMatchObject({ status: 'idle', epoch: unmatched.epoch });
    expect(box.store.exists(unmatched.id)).toBe(false);
  });
});

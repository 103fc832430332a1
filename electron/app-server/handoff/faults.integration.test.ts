// Fault injection: a thread is handed back and forth between two app-servers while, in each
// seeded case, something breaks at a random message of the protocol — which, with small part
// chunks, is a random byte offset of the transfer (the pre-staging sent while the review is
// open, or the parts sent after the click): the connection is cut (for a few messages),
// the destination dies (kill -9: its objects dropped, reopened from its BATON_HOME), or the
// source dies mid-step (it never sees another answer) and restarts. After recovery on both
// sides there must be exactly one live owner and nothing lost: every event and the last
// uncommitted change of the thread are on the live side.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadEvent } from '../../../shared/contracts/events';
import type { PeerRequest } from '../../../shared/contracts/handoff';
import { isolateGit, makeScenario, removeTree } from '../git/test-repos';
import { homeOf, Pair, rng } from './harness.test-support';
import { sameEvent } from './threadAccess';

const CASES = 100;
const BLOCK = 25;

let root: string;
let gitRoot: string;
let pair: Pair;
let threadId: string;
let owner = 'local';
/** Messages of each chunked kind a clean handoff takes: where random offsets are drawn from. */
const typical = { part: 10, prestage: 10 };

beforeAll(async () => {
  gitRoot = isolateGit();
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-handoff-faults-'));
  const { source, dest } = makeScenario(root);
  pair = new Pair({ local: homeOf(root, 'local'), gpu: homeOf(root, 'gpu') }, { chunkBytes: 97, retries: 1, retryDelayMs: 5 });
  await pair.get('local').projects.add(source, 'app');
  await pair.get('gpu').projects.add(dest, 'app');
  threadId = (await pair.get('local').threads.start({ project: 'app', approvalPolicy: 'never' })).id;
});

afterAll(async () => {
  await pair.closeAll();
  removeTree(root);
  removeTree(gitRoot);
});


type Kind = 'cut' | 'kill-destination' | 'kill-source';

/** Where to strike: the nth message of a type (a `part` is a chunk: its index is a byte offset). */
interface Case {
  seed: number;
  kind: Kind;
  type: PeerRequest['type'];
  nth: number;
  point: 'before-delivery' | 'after-handling';
  cutFor: number;
}

function pickCase(seed: number): Case {
  const r = rng(seed);
  const kinds: Kind[] = ['cut', 'kill-destination', 'kill-source'];
  // Half the cases strike a step boundary, half a random chunk of the transfer.
  const steps: PeerRequest['type'][] = ['describe', 'probe', 'offer', 'stage', 'commit'];
  const kind = kinds[Math.floor(r() * kinds.length)]!;
  const boundary = r() < 0.5;
  const chunked = r() < 0.5 ? 'part' : 'prestage';
  return {
    seed,
    kind,
    type: boundary ? steps[Math.floor(r() * steps.length)]! : chunked,
    nth: boundary ? 0 : Math.floor(r() * typical[chunked]),
    point: r() < 0.5 ? 'before-delivery' : 'after-handling',
    cutFor: 1 + Math.floor(r() * 3),
  };
}

async function isLive(host: string): Promise<boolean> {
  const h = pair.get(host);
  if (!h.store.exists(threadId)) return false;
  const t = await h.store.read(threadId);
  return t.status !== 'moved' && t.status !== 'handing-off';
}

const results: Array<{ kind: Kind; moved: boolean }> = [];

async function runCase(c: Case): Promise<{ kind: Kind; moved: boolean }> {
  const from = owner;
  const to = from === 'local' ? 'gpu' : 'local';
  const src = pair.get(from);
  // Something new on the live side: an item in the log and an uncommitted change in the worktree.
  await src.store.append(threadId, () => [{ kind: 'item_added', item: { id: `case-${c.seed}`, type: 'user_message', text: `case ${c.seed}`, at: new Date().toISOString() } }], { epoch: (await src.store.read(threadId)).epoch });
  const wt = (await src.store.read(threadId)).worktreePath;
  writeFileSync(path.join(wt, 'case.txt'), `case ${c.seed}\n`);
  const before: ThreadEvent[] = src.store.readEvents(threadId);

  const seen = new Map<string, number>();
  let cutLeft = 0;
  let died: ((v: 'died') => void) | null = null;
  const dead = new Promise<'died'>((r) => (died = r));
  const victim = c.kind === 'kill-source' ? from : c.kind === 'kill-destination' ? to : null;
  pair.log = [];
  pair.fault = (req: PeerRequest, point, sender) => {
    if (sender !== from) return; // faults hit the handoff's own traffic, not recovery queries
    const nth = seen.get(req.type) ?? 0;
    if (point === 'after-handling') seen.set(req.type, nth + 1);
    if (cutLeft > 0 && point === 'before-delivery') {
      cutLeft--;
      return 'cut';
    }
    if (req.type !== c.type || nth !== c.nth || point !== c.point || died === null) return;
    const d = died;
    died = null;
    if (c.kind === 'cut') {
      cutLeft = c.cutFor - 1;
      return 'cut';
    }
    pair.down.add(victim!);
    d('died');
    return c.kind === 'kill-source' ? 'hang' : 'cut';
  };

  const run = pair
    .get(from)
    .handoff.run({ thread: threadId, to })
    .then((s) => s.state, (e: Error) => `refused: ${e.message}`);
  const outcome = await Promise.race([run, dead]);
  if (outcome === 'died' && c.kind === 'kill-destination') await run; // the source notices and gives up or waits
  pair.fault = null;
  if (victim && pair.down.has(victim)) {
    await pair.kill(victim);
    pair.open(victim);
  }
  // Recovery, as on start and on reconnect, on both sides until nothing is open.
  for (let round = 0; round < 4; round++) {
    await pair.get(from).handoff.recover();
    await pair.get(to).handoff.recover();
    if (!pair.get(from).handoff.journal.open().length && !pair.get(to).handoff.journal.open().length) break;
  }

  const live = [(await isLive('local')) && 'local', (await isLive('gpu')) && 'gpu'].filter(Boolean) as string[];
  const label = `seed ${c.seed} ${c.kind} at ${c.type} #${c.nth} ${c.point} (${from} → ${to}, run: ${outcome})`;
  expect(live, label).toHaveLength(1);
  expect(pair.get('local').handoff.journal.open(), label).toEqual([]);
  expect(pair.get('gpu').handoff.journal.open(), label).toEqual([]);
  const winner = pair.get(live[0]!);
  const after = winner.store.readEvents(threadId);
  // Nothing lost: everything the thread had before is still its history, in order.
  expect(after.length, label).toBeGreaterThanOrEqual(before.length);
  expect(before.every((e, i) => sameEvent(e, after[i]!)), label).toBe(true);
  const t = await winner.store.read(threadId);
  expect(t.items.some((i) => i.id === `case-${c.seed}`), label).toBe(true);
  expect(readFileSync(path.join(t.worktreePath, 'case.txt'), 'utf8'), label).toBe(`case ${c.seed}\n`);
  // The other side, if it has the thread, holds a tombstone pointing at the winner.
  const loser = pair.get(live[0] === 'local' ? 'gpu' : 'local');
  if (loser.store.exists(threadId)) expect(await loser.store.read(threadId), label).toMatchObject({ status: 'moved', movedTo: live[0] });
  owner = live[0]!;
  return { kind: c.kind, moved: owner !== from };
}

describe('handoff under faults', () => {
  it('a clean handoff first (and how many messages one takes)', async () => {
    const s = await pair.get('local').handoff.run({ thread: threadId, to: 'gpu' });
    expect(s.state).toBe('moved');
    typical.part = pair.log.filter((l) => l.from === 'local' && l.type === 'part').length;
    typical.prestage = pair.log.filter((l) => l.from === 'local' && l.type === 'prestage').length;
    expect(typical.part).toBeGreaterThan(2);
    expect(typical.prestage).toBeGreaterThan(2);
    owner = 'gpu';
  });

  for (let block = 0; block < CASES / BLOCK; block++) {
    it(`seeded cases ${block * BLOCK + 1}–${(block + 1) * BLOCK}: exactly one live owner, nothing lost`, async () => {
      const outcomes: Array<{ kind: Kind; moved: boolean }> = [];
      for (let seed = block * BLOCK + 1; seed <= (block + 1) * BLOCK; seed++) outcomes.push(await runCase(pickCase(seed)));
      results.push(...outcomes);
    });
  }

  it('the cases covered every kind of fault ending both ways (moved, and rolled back)', () => {
    expect(results).toHaveLength(CASES);
    for (const kind of ['cut', 'kill-destination', 'kill-source']) {
      const mine = results.filter((r) => r.kind === kind);
      expect(mine.some((r) => r.moved), kind).toBe(true);
      expect(mine.some((r) => !r.moved), kind).toBe(true);
    }
  });
});

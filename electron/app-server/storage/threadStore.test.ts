import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ThreadEvent } from '../../../shared/contracts/events';
import { StorageCorruptError, ThreadLockedError } from './errors';
import { readLog } from './eventLog';
import { ThreadStore } from './threadStore';

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'baton-store-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function created(id: string, title = 'A thread'): ThreadEvent {
  const at = new Date().toISOString();
  return {
    rev: 1,
    at,
    epoch: 0,
    kind: 'thread_created',
    meta: {
      id,
      title,
      project: { id: 'p1', name: 'proj', identity: 'github.com/acme/widgets', subdir: '' },
      host: 'local',
      branch: null,
      worktreePath: '/tmp/x',
      settings: { provider: 'offline', permissions: { name: 'default', approvalPolicy: 'untrusted', sandbox: 'workspace-write', writableRoots: [] }, hooks: { preToolUse: [], postToolUse: [] } },
      approvalRules: [],
      epoch: 0,
      createdAt: at,
    },
  };
}

const msg = (id: string, text: string) => ({ kind: 'item_added' as const, item: { id, type: 'user_message' as const, text, at: new Date().toISOString() } });

describe('ThreadStore', () => {
  it('creates, appends durably and reads back the same thread in a new store', async () => {
    const a = new ThreadStore(home);
    await a.create([created('t1')]);
    await a.append('t1', () => [msg('i1', 'hello')], { epoch: 0 });
    await a.append('t1', () => [{ kind: 'plan_updated', plan: { steps: [{ step: 'one', status: 'pending' }] } }], { epoch: 0 });
    await a.close();

    const b = new ThreadStore(home);
    const t = await b.read('t1');
    expect(t.revision).toBe(3);
    expect(t.items).toHaveLength(1);
    expect(t.planHistory).toHaveLength(1);
    expect(b.list().map((r) => [r.meta.id, r.preview])).toEqual([['t1', 'hello']]);
    await b.close();
  });

  it('loads a log whose last line was torn by a crash, and truncates it on the next write', async () => {
    const a = new ThreadStore(home);
    await a.create([created('t1')]);
    await a.append('t1', () => [msg('i1', 'kept')], { epoch: 0 });
    await a.close();
    const file = path.join(home, 'threads', 't1.jsonl');
    const goodSize = statSync(file).size;
    appendFileSync(file, '{"rev":3,"at":"2026-11-24T12:00:00.000Z","epoch":0,"kind":"item_ad');

    const b = new ThreadStore(home);
    const t = await b.read('t1');
    expect(t.revision).toBe(2);
    expect(t.items.map((i) => i.id)).toEqual(['i1']);
    expect(readLog(file).tornTail).toEqual({ line: 3, bytes: statSync(file).size - goodSize });

    await b.append('t1', () => [msg('i2', 'after the crash')], { epoch: 0 });
    await b.close();
    const log = readLog(file);
    expect(log.tornTail).toBeNull();
    expect(log.events.map((e) => e.rev)).toEqual([1, 2, 3]);
  });

  it('treats an unparsable complete last line as a torn tail too', async () => {
    const a = new ThreadStore(home);
    await a.create([created('t1')]);
    await a.close();
    appendFileSync(path.join(home, 'threads', 't1.jsonl'), '\u0000\u0000\u0000\n');
    const b = new ThreadStore(home);
    expect((await b.read('t1')).revision).toBe(1);
    await b.close();
  });

  it('names file and line of a corrupt line in the middle, and changes nothing', async () => {
    const a = new ThreadStore(home);
    await a.create([created('t1')]);
    await a.append('t1', () => [msg('i1', 'one')], { epoch: 0 });
    await a.append('t1', () => [msg('i2', 'two')], { epoch: 0 });
    await a.close();
    const file = path.join(home, 'threads', 't1.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = '{"rev":2,"kind":"garbage"}';
    writeFileSync(file, lines.join('\n'));
    const before = readFileSync(file);

    const b = new ThreadStore(home);
    await b.create([created('t2', 'healthy')]);
    // The list still shows every other thread, and says which one is damaged and where.
    const listed = b.listWithProblems();
    expect(listed.rows.map((r) => r.meta.id)).toEqual(['t2']);
    expect(listed.unreadable).toEqual([{ threadId: 't1', message: expect.stringContaining(`${file}:2 is corrupt`) }]);
    await expect(b.read('t1')).rejects.toThrow(StorageCorruptError);
    await expect(b.read('t1')).rejects.toThrow(`${file}:2 is corrupt`);
    await expect(b.append('t1', () => [msg('i3', 'x')], { epoch: 0 })).rejects.toThrow(StorageCorruptError);
    expect(readFileSync(file).equals(before)).toBe(true);
    await b.close();
  });

  it('rebuilds a missing or stale index from the logs', async () => {
    const a = new ThreadStore(home);
    await a.create([created('t1', 'first')]);
    await a.create([created('t2', 'second')]);
    await a.close();
    unlinkSync(path.join(home, 'threads', 'index.json'));
    const b = new ThreadStore(home);
    expect(b.list().map((r) => r.meta.title).sort()).toEqual(['first', 'second']);
    await b.close();
    // Stale: a log grew after the index was written (another writer, or a crash before the flush).
    appendFileSync(
      path.join(home, 'threads', 't1.jsonl'),
      JSON.stringify({ rev: 2, at: new Date().toISOString(), epoch: 0, kind: 'meta_changed', title: 'renamed' }) + '\n',
    );
    const c = new ThreadStore(home);
    expect(c.list().map((r) => r.meta.title).sort()).toEqual(['renamed', 'second']);
    await c.close();
  });

  it('refuses an event the reducer rejects without writing it', async () => {
    const a = new ThreadStore(home);
    await a.create([created('t1')]);
    await expect(
      a.append('t1', () => [{ kind: 'item_delta', itemId: 'nope', field: 'output', chunk: 'x' }], { epoch: 0 }),
    ).rejects.toThrow(/unknown item/);
    await a.append('t1', () => [msg('i1', 'fine')], { epoch: 0 });
    await a.close();
    expect(readLog(path.join(home, 'threads', 't1.jsonl')).events.map((e) => e.kind)).toEqual(['thread_created', 'item_added']);
  });

  it('serializes concurrent appends in one process', async () => {
    const a = new ThreadStore(home);
    await a.create([created('t1')]);
    await Promise.all(Array.from({ length: 50 }, (_, i) => a.append('t1', () => [msg(`i${i}`, `m${i}`)], { epoch: 0 })));
    await a.close();
    expect(readLog(path.join(home, 'threads', 't1.jsonl')).events.map((e) => e.rev)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
  });

  it('refuses to write a thread another live process holds, and takes over once that process is gone', async () => {
    const a = new ThreadStore(home);
    await a.create([created('t1')]);
    await a.close();
    // A real other process "holds" the lock.
    const holder = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(home, 'threads', 't1.lock'), JSON.stringify({ pid: holder.pid, at: new Date().toISOString() }));
      const b = new ThreadStore(home);
      await expect(b.append('t1', () => [msg('i1', 'x')], { epoch: 0 })).rejects.toThrow(ThreadLockedError);
      await expect(b.append('t1', () => [msg('i1', 'x')], { epoch: 0 })).rejects.toThrow(`pid ${holder.pid}`);
      const exited = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await exited;
      await b.append('t1', () => [msg('i1', 'x')], { epoch: 0 });
      expect(JSON.parse(readFileSync(path.join(home, 'threads', 't1.lock'), 'utf8')).pid).toBe(process.pid);
      await b.close();
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('runs the guard inside the queue and writes nothing when it throws', async () => {
    const a = new ThreadStore(home);
    await a.create([created('t1')]);
    await expect(
      a.append('t1', () => [msg('i1', 'x')], {
        epoch: 0,
        guard: () => {
          throw new Error('fenced');
        },
      }),
    ).rejects.toThrow('fenced');
    expect((await a.read('t1')).revision).toBe(1);
    await a.close();
  });

  it('appends replicated events verbatim, keeping their times, and refuses a gap', async () => {
    const a = new ThreadStore(home);
    await a.create([created('t1')]);
    const remote: ThreadEvent[] = [
      { rev: 2, at: '2026-01-01T00:00:00.000Z', epoch: 1, kind: 'ownership_changed', host: 'gpu', newEpoch: 1, worktreePath: '/w' },
      { rev: 3, at: '2026-01-01T00:00:01.000Z', epoch: 1, ...msg('i1', 'from afar') },
    ];
    await a.appendVerbatim('t1', remote);
    await expect(a.appendVerbatim('t1', [{ ...remote[1]!, rev: 5 }])).rejects.toThrow(/revision 3; event rev 5/);
    await a.close();
    expect(readLog(path.join(home, 'threads', 't1.jsonl')).events.slice(1)).toEqual(remote);
  });

  it('announces bulk history only from announceFrom on (listeners see the gap and catch up by reading)', async () => {
    const a = new ThreadStore(home);
    const heard: Array<[string, number]> = [];
    a.onEvent((id, e) => heard.push([id, e.rev]));
    const at = '2026-01-01T00:00:00.000Z';
    const history: ThreadEvent[] = [created('t9'), ...Array.from({ length: 5 }, (_, i) => ({ rev: i + 2, at, epoch: 0, ...msg(`h${i}`, 'old') }))];
    await a.create(history, { announceFrom: 6 });
    expect(heard).toEqual([['t9', 6]]);
    await a.appendVerbatim('t9', [7, 8, 9].map((rev) => ({ rev, at, epoch: 0, ...msg(`n${rev}`, 'new') })), { announceFrom: 9 });
    expect(heard).toEqual([['t9', 6], ['t9', 9]]);
    expect((await a.read('t9')).revision).toBe(9); // everything was written, only the announcement is trimmed
    await a.close();
  });

  it('readState is the thread without its transcript and plan history, with the item count', async () => {
    const a = new ThreadStore(home);
    await a.create([created('t10')]);
    await a.append('t10', () => [msg('i1', 'one'), msg('i2', 'two')], { epoch: 0 });
    const full = await a.read('t10');
    const state = await a.readState('t10');
    const { items, planHistory: _h, ...rest } = full;
    expect(state).toEqual({ ...rest, itemCount: items.length });
    expect(state.itemCount).toBe(2);
    expect('items' in state).toBe(false);
    await a.close();
    // Not open for writing (another store): read from disk, same answer.
    expect(await new ThreadStore(home).readState('t10')).toEqual(state);
  });
});

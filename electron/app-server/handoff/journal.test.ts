import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, JournalError } from './journal';

const dirs: string[] = [];
function home() {
  const d = mkdtempSync(path.join(os.tmpdir(), 'baton-journal-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const A = 'op_aaaaaaaa';
const B = 'op_bbbbbbbb';

describe('Journal', () => {
  it('keeps phases and merged data across a reopen', () => {
    const h = home();
    const j = new Journal(h);
    j.record(A, 'source', 'prepared', { thread: 't1', to: 'gpu' });
    j.record(A, 'source', 'frozen', { epoch: 3 });
    j.record(B, 'destination', 'receiving', { thread: 't2' });
    j.dispose();
    const k = new Journal(h);
    expect(k.phase(A, 'source')).toBe('frozen');
    expect(k.phase(A, 'destination')).toBe('none');
    expect(k.get(A)!.data).toEqual({ thread: 't1', to: 'gpu', epoch: 3 });
    expect(k.phase(B, 'destination')).toBe('receiving');
    expect(k.phase('op_unknown1', 'source')).toBe('none');
    k.dispose();
  });

  it('lists only operations not closed, and still answers for closed ones', () => {
    const j = new Journal(home());
    j.record(A, 'source', 'prepared');
    j.record(A, 'source', 'aborted');
    j.record(B, 'destination', 'staged');
    j.close(A);
    j.close(A); // idempotent
    expect(j.open().map((e) => e.op)).toEqual([B]);
    expect(j.phase(A, 'source')).toBe('aborted');
    j.dispose();
  });

  it.each([
    ['source', ['prepared', 'frozen', 'committed', 'aborted']],
    ['source', ['prepared', 'frozen', 'aborted', 'committed']],
    ['source', ['prepared', 'moved']],
    ['source', ['frozen']],
    ['source', ['prepared', 'moved']],
    ['destination', ['receiving', 'staged', 'committed', 'aborted']],
    ['destination', ['receiving', 'staged', 'committed', 'receiving']],
    ['destination', ['receiving', 'applied']],
    ['destination', ['committed', 'applied', 'receiving']],
  ] as const)('refuses an illegal sequence for the %s: %j', (side, phases) => {
    const j = new Journal(home());
    const run = () => {
      for (const p of phases) j.record(A, side, p as never);
    };
    expect(run).toThrow(JournalError);
    j.dispose();
  });

  it('refuses one operation on both sides of one host', () => {
    const j = new Journal(home());
    j.record(A, 'source', 'prepared');
    expect(() => j.record(A, 'destination', 'receiving')).toThrow(/cannot also be destination/);
    j.dispose();
  });

  it.each([
    ['a line cut mid-way', (f: string) => appendFileSync(f, '{"op":"op_cccccccc","seq":9,"at":"x","si')],
    ['a garbled last line', (f: string) => appendFileSync(f, 'garbage\n')],
  ])('drops %s after a crash and appends cleanly after it', (_n, tear) => {
    const h = home();
    const j = new Journal(h);
    j.record(A, 'source', 'prepared');
    j.record(A, 'source', 'frozen');
    j.dispose();
    tear(path.join(h, 'handoff', 'journal.jsonl'));
    const k = new Journal(h);
    expect(k.phase(A, 'source')).toBe('frozen');
    expect(k.phase('op_cccccccc', 'source')).toBe('none');
    k.record(A, 'source', 'committed');
    k.dispose();
    const lines = readFileSync(path.join(h, 'handoff', 'journal.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).phase)).toEqual(['prepared', 'frozen', 'committed']);
    expect(new Journal(h).phase(A, 'source')).toBe('committed');
  });

  it('refuses to start over real corruption in the middle, naming the file and line', () => {
    const h = home();
    const j = new Journal(h);
    j.record(A, 'source', 'prepared');
    j.dispose();
    const f = path.join(h, 'handoff', 'journal.jsonl');
    writeFileSync(f, 'not json\n' + readFileSync(f, 'utf8'));
    expect(() => new Journal(h)).toThrow(/journal\.jsonl:1 is corrupt/);
  });
});

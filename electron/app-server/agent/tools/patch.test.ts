import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './diff';
import { applyChunks, applyPatchToFiles, parsePatch } from './patch';

const P = (...lines: string[]) => ['*** Begin Patch', ...lines, '*** End Patch'].join('\n');

describe('parsePatch', () => {
  it('reads add, delete and update sections', () => {
    const ops = parsePatch(
      P('*** Add File: a.txt', '+one', '+two', '*** Delete File: b.txt', '*** Update File: c.ts', '@@ function f() {', ' keep', '-old', '+new', '*** End of File'),
    );
    expect(ops).toEqual([
      { type: 'add', path: 'a.txt', lines: ['one', 'two'] },
      { type: 'delete', path: 'b.txt' },
      { type: 'update', path: 'c.ts', chunks: [{ header: 'function f() {', old: ['keep', 'old'], new: ['keep', 'new'], atEof: true }] },
    ]);
  });

  it.each([
    ['no Begin', '*** Add File: a\n+x\n*** End Patch', /must start with/],
    ['no End', '*** Begin Patch\n*** Add File: a\n+x', /must end with/],
    ['empty', P(), /changes no files/],
    ['add line without +', P('*** Add File: a', 'x'), /every line starts with "\+"/],
    ['garbage section', P('hello'), /expected "\*\*\* Add File:"/],
    ['bad hunk line', P('*** Update File: a', '@@', '?x'), /expected a line starting/],
    ['move', P('*** Update File: a', '*** Move to: b', '@@', '-x'), /Move to/],
    ['update without changes', P('*** Update File: a'), /no changes/],
  ])('refuses %s', (_n, text, msg) => {
    expect(() => parsePatch(text)).toThrow(msg);
  });
});

describe('applyChunks', () => {
  const file = 'a\nb\nc\nd\ne\n';
  it.each([
    ['replace a middle line', [{ old: ['b', 'c'], new: ['b', 'C'], atEof: false }], 'a\nb\nC\nd\ne\n'],
    ['two chunks in order', [{ old: ['a'], new: ['A'], atEof: false }, { old: ['e'], new: ['E'], atEof: false }], 'A\nb\nc\nd\nE\n'],
    ['insert after a header', [{ header: 'b', old: [], new: ['b2'], atEof: false }], 'a\nb\nb2\nc\nd\ne\n'],
    ['append at the end', [{ old: [], new: ['f'], atEof: false }], 'a\nb\nc\nd\ne\nf\n'],
    ['context with wrong indentation still matches', [{ old: ['  c  '], new: ['x'], atEof: false }], 'a\nb\nx\nd\ne\n'],
    ['delete lines', [{ old: ['c', 'd'], new: [], atEof: false }], 'a\nb\ne\n'],
  ])('%s', (_n, chunks, want) => {
    expect(applyChunks('f', file, chunks)).toBe(want);
  });

  it('end-of-file chunks match only at the end', () => {
    expect(applyChunks('f', 'x\ny\nx\n', [{ old: ['x'], new: ['z'], atEof: true }])).toBe('x\ny\nz\n');
  });

  it('says which lines it could not find', () => {
    expect(() => applyChunks('f.ts', file, [{ old: ['nope'], new: [], atEof: false }])).toThrow(/could not find these lines in f.ts:\nnope/);
  });

  it('a chunk is looked for after the previous one', () => {
    expect(() => applyChunks('f', file, [{ old: ['d'], new: ['D'], atEof: false }, { old: ['b'], new: ['B'], atEof: false }])).toThrow(/could not find/);
  });
});

describe('applyPatchToFiles', () => {
  const files: Record<string, string | null> = { 'a.txt': 'hello\n', 'gone.txt': 'bye\n', 'new.txt': null };
  const lookup = (p: string) => ({ abs: '/wt/' + p, rel: p, content: files[p] ?? null });
  it('computes every change before anything is written', () => {
    const changes = applyPatchToFiles(parsePatch(P('*** Update File: a.txt', '-hello', '+hi', '*** Delete File: gone.txt', '*** Add File: new.txt', '+n')), lookup);
    expect(changes.map((c) => [c.rel, c.kind, c.before, c.after])).toEqual([
      ['a.txt', 'modify', 'hello\n', 'hi\n'],
      ['gone.txt', 'delete', 'bye\n', null],
      ['new.txt', 'add', null, 'n\n'],
    ]);
  });
  it.each([
    ['adding an existing file', P('*** Add File: a.txt', '+x'), /already exists/],
    ['deleting a missing file', P('*** Delete File: new.txt'), /does not exist/],
    ['updating a missing file', P('*** Update File: new.txt', '-x'), /does not exist/],
    ['one file twice', P('*** Update File: a.txt', '-hello', '+x', '*** Delete File: a.txt'), /appears twice/],
  ])('refuses %s', (_n, text, msg) => {
    expect(() => applyPatchToFiles(parsePatch(text), lookup)).toThrow(msg);
  });
});

describe('unifiedDiff', () => {
  // The diff is checked by the real tool: `git apply` must turn the old file into the new one.
  const pairs: [string, string | null, string | null][] = [
    ['one line changed', 'a\nb\nc\n', 'a\nB\nc\n'],
    ['far apart changes make two hunks', Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n') + '\n', Array.from({ length: 30 }, (_, i) => (i === 2 || i === 25 ? `L${i}` : `l${i}`)).join('\n') + '\n'],
    ['insertions and deletions', 'a\nb\nc\nd\n', 'x\na\nc\nd\ny\n'],
    ['new file', null, 'hello\nworld\n'],
    ['deleted file', 'bye\n', null],
    ['no newline at end', 'a\nb', 'a\nc'],
    ['everything replaced', 'a\nb\n', 'c\nd\n'],
  ];
  it.each(pairs)('%s applies with git apply', (_n, before, after) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-diff-'));
    try {
      const diff = unifiedDiff('f.txt', before, after);
      if (before !== null) writeFileSync(path.join(dir, 'f.txt'), before);
      writeFileSync(path.join(dir, 'p.diff'), diff);
      execFileSync('git', ['apply', '--unidiff-zero', 'p.diff'], { cwd: dir, stdio: 'pipe' });
      if (after === null) expect(() => readFileSync(path.join(dir, 'f.txt'))).toThrow();
      else expect(readFileSync(path.join(dir, 'f.txt'), 'utf8')).toBe(after);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('is empty when nothing changed', () => {
    expect(unifiedDiff('f', 'a\n', 'a\n')).toBe('');
  });
});

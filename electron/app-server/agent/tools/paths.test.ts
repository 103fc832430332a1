import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveToolPath } from './paths';

let base: string;
let wt: string;
let extra: string;
let outside: string;

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'baton-paths-'));
  wt = path.join(base, 'wt');
  extra = path.join(base, 'extra');
  outside = path.join(base, 'outside');
  for (const d of [wt, extra, outside, path.join(wt, 'src')]) mkdirSync(d);
  writeFileSync(path.join(outside, 'secret'), 's');
  symlinkSync(outside, path.join(wt, 'out-dir'));
  symlinkSync(path.join(outside, 'secret'), path.join(wt, 'out-file'));
  symlinkSync(path.join(wt, 'src'), path.join(wt, 'in-dir'));
  symlinkSync(path.join(outside, 'missing'), path.join(wt, 'dangling'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('resolveToolPath', () => {
  const ok: [string, () => string, () => string][] = [
    ['relative file', () => 'src/a.ts', () => path.join(wt, 'src/a.ts')],
    ['new nested file', () => 'new/dir/a.ts', () => path.join(wt, 'new/dir/a.ts')],
    ['harmless ..', () => 'src/../b.ts', () => path.join(wt, 'b.ts')],
    ['absolute inside', () => path.join(wt, 'x'), () => path.join(wt, 'x')],
    ['the worktree itself', () => '.', () => wt],
    ['absolute inside a writable root', () => path.join(extra, 'y'), () => path.join(extra, 'y')],
    ['symlink staying inside', () => 'in-dir/a.ts', () => path.join(wt, 'in-dir/a.ts')],
  ];
  it.each(ok)('allows %s', (_n, req, want) => {
    expect(resolveToolPath({ worktree: wt, extraRoots: [extra] }, req())).toBe(want());
  });

  const refused: [string, () => string, RegExp][] = [
    ['.. out of the worktree', () => '../outside/secret', /outside the worktree/],
    ['.. deep', () => 'src/../../outside', /outside the worktree/],
    ['absolute outside', () => path.join(outside, 'secret'), /outside the worktree/],
    ['/etc/passwd', () => '/etc/passwd', /outside the worktree/],
    ['sibling with a shared prefix', () => wt + '-evil/x', /outside the worktree/],
    ['through a symlinked dir', () => 'out-dir/new.txt', /symlink that leads outside/],
    ['a symlinked file', () => 'out-file', /symlink that leads outside/],
    ['a dangling symlink', () => 'dangling', /symlink whose target does not exist/],
    ['empty', () => ' ', /empty/],
    ['NUL', () => 'a\0b', /NUL/],
  ];
  it.each(refused)('refuses %s', (_n, req, msg) => {
    expect(() => resolveToolPath({ worktree: wt, extraRoots: [extra] }, req())).toThrow(msg);
  });

  it('without the writable root, the same absolute path is refused', () => {
    expect(() => resolveToolPath({ worktree: wt, extraRoots: [] }, path.join(extra, 'y'))).toThrow(/outside the worktree/);
  });
});

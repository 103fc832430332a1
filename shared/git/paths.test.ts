import { describe, expect, it } from 'vitest';
import { pathProblem, unsafeEntries } from './paths';
import { branchRefProblem } from './refs';

describe('pathProblem', () => {
  const cases: [string, boolean][] = [
    ['src/index.ts', true],
    ['a/b/c.bin', true],
    ['.gitignore', true],
    ['.github/workflows/ci.yml', true],
    ['dir/.gitkeep', true],
    ['', false],
    ['/etc/passwd', false],
    ['C:/Windows/x', false],
    ['../outside', false],
    ['a/../../outside', false],
    ['a/./b', false],
    ['a//b', false],
    ['trailing/', false],
    ['.git/config', false],
    ['sub/.git/hooks/post-checkout', false],
    ['.GIT/config', false],
    ['.git./config', false],
    ['.git /config', false],
    ['GIT~1/config', false],
    ['a\\..\\b', false],
    ['nul\0byte', false],
  ];
  it.each(cases)('%j safe=%s', (path, safe) => expect(pathProblem(path) === null).toBe(safe));
});

describe('unsafeEntries', () => {
  it('accepts an ordinary tree, including symlinks pointing anywhere that nothing is written through', () => {
    expect(
      unsafeEntries([
        { mode: '100644', path: 'a.txt' },
        { mode: '100755', path: 'bin/run' },
        { mode: '120000', path: 'link' },
        { mode: '100644', path: 'linked/x' },
        { mode: '160000', path: 'vendor/sub' },
      ]),
    ).toEqual([]);
  });

  const bad: [string, { mode: string; path: string }[], string][] = [
    ['write through a symlink', [{ mode: '120000', path: 'out' }, { mode: '100644', path: 'out/passwd' }], 'out/passwd'],
    ['write through a symlink, other case', [{ mode: '120000', path: 'Out' }, { mode: '100644', path: 'out/x' }], 'out/x'],
    ['deep write through a symlink', [{ mode: '120000', path: 'a/b' }, { mode: '100644', path: 'a/b/c/d' }], 'a/b/c/d'],
    ['dot-dot', [{ mode: '100644', path: '../x' }], '../x'],
    ['.git entry', [{ mode: '100644', path: '.git/hooks/pre-commit' }], '.git/hooks/pre-commit'],
    ['absolute', [{ mode: '100644', path: '/tmp/x' }], '/tmp/x'],
    ['odd mode', [{ mode: '040000', path: 'dir' }], 'dir'],
  ];
  it.each(bad)('refuses %s', (_name, entries, path) => {
    expect(unsafeEntries(entries).map((p) => p.path)).toEqual([path]);
  });
});

describe('branchRefProblem', () => {
  const cases: [string, boolean][] = [
    ['refs/heads/main', true],
    ['refs/heads/feature/x-1', true],
    ['refs/heads/a.b', true],
    ['refs/tags/v1', false],
    ['refs/heads/', false],
    ['refs/heads/../../config', false],
    ['refs/heads/a..b', false],
    ['refs/heads/.hidden', false],
    ['refs/heads/x.lock', false],
    ['refs/heads/a b', false],
    ['refs/heads/a~1', false],
    ['refs/heads/a@{1}', false],
    ['refs/heads/a//b', false],
    ['refs/heads/a/', false],
    ['refs/heads/@', false],
  ];
  it.each(cases)('%j ok=%s', (name, ok) => expect(branchRefProblem(name) === null).toBe(ok));
});

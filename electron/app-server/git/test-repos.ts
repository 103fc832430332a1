// Test support for the Git state suites: an isolated git environment, repositories built with
// the git CLI, and fingerprints of a checkout to compare before/after or source/destination.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Makes every git this process runs independent of the machine: no system config, a fresh HOME
 * with a known identity, `main` as the default branch. Returns the temp root to remove.
 */
export function isolateGit(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'baton-git-test-'));
  const home = path.join(root, 'home');
  mkdirSync(home);
  writeFileSync(
    path.join(home, '.gitconfig'),
    '[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n[gc]\n\tauto = 0\n',
  );
  Object.assign(process.env, {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  });
  return root;
}

/** Runs git synchronously for test setup; throws with stderr on failure. */
export function g(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${r.stderr}`);
  return r.stdout;
}

export function write(dir: string, rel: string, content: string | Buffer, mode = 0o644): void {
  const p = path.join(dir, rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, content, { mode });
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export interface FileState {
  kind: 'file' | 'symlink' | 'dir';
  mode: number;
  sha?: string;
  target?: string;
  mtimeMs?: number;
}

/** Every path under `dir` except `.git`, with bytes, mode and (optionally) mtime. */
export function walk(dir: string, withMtime: boolean): Record<string, FileState> {
  const out: Record<string, FileState> = {};
  const visit = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      if (rel === '' && name === '.git') continue;
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(path.join(dir, r));
      const mtime = withMtime ? { mtimeMs: st.mtimeMs } : {};
      if (st.isSymbolicLink()) out[r] = { kind: 'symlink', mode: 0, target: readlinkSync(path.join(dir, r)), ...mtime };
      else if (st.isDirectory()) {
        out[r] = { kind: 'dir', mode: 0 };
        visit(r);
      } else out[r] = { kind: 'file', mode: st.mode & 0o777, sha: sha(readFileSync(path.join(dir, r))), ...mtime };
    }
  };
  visit('');
  return out;
}

/** What a user sees of a checkout through git: compared between source and destination. */
export function gitView(dir: string): Record<string, string> {
  return {
    status: g(dir, 'status', '--porcelain=v2', '--untracked-files=all'),
    diff: g(dir, 'diff', '--binary'),
    cached: g(dir, 'diff', '--cached', '--binary'),
    lsFiles: g(dir, 'ls-files', '-s'),
    head: g(dir, 'rev-parse', 'HEAD'),
  };
}

/** Bytes/modes of every file git shows (tracked + untracked, not ignored). */
export function visibleFiles(dir: string): Record<string, FileState> {
  const all = walk(dir, false);
  const listed = g(dir, 'ls-files', '-z', '--cached', '--others', '--exclude-standard').split('\0').filter(Boolean);
  const out: Record<string, FileState> = {};
  for (const p of new Set(listed)) if (all[p]) out[p] = all[p]!;
  return out;
}

/** The source's user-visible state, precise enough to prove capture touched nothing. */
export function sourceFingerprint(dir: string): Record<string, unknown> {
  const gitDir = path.resolve(dir, g(dir, 'rev-parse', '--git-dir').trim());
  return {
    head: g(dir, 'rev-parse', 'HEAD'),
    symbolic: spawnSync('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: dir, encoding: 'utf8' }).stdout,
    indexSha: sha(readFileSync(path.join(gitDir, 'index'))),
    indexMtime: lstatSync(path.join(gitDir, 'index')).mtimeMs,
    files: walk(dir, true),
  };
}

export function removeTree(p: string): void {
  rmSync(p, { recursive: true, force: true });
}

/**
 * A source repository with history, cloned (as the destination) before its last commit, then
 * given every kind of change: staged and unstaged edits of one file, a binary, a deletion, a
 * rename, a mode change, symlinks, untracked files, ignored files and an ignored extra path.
 */
export function makeScenario(root: string): { source: string; dest: string; origin: string } {
  const origin = path.join(root, 'origin');
  mkdirSync(origin, { recursive: true });
  g(origin, 'init', '-q');
  write(origin, 'a.txt', 'line 1\nline 2\n');
  write(origin, 'bin.dat', Buffer.from([0, 1, 2, 255, 0, 10, 13, 0]));
  write(origin, 'script.sh', '#!/bin/sh\necho hi\n');
  write(origin, 'old-name.txt', 'I will be renamed\n'.repeat(20));
  write(origin, 'deleted.txt', 'delete me\n');
  write(origin, 'staged-delete.txt', 'staged delete\n');
  write(origin, 'sub/keep.txt', 'keep\n');
  write(origin, '.gitignore', '*.log\nbuild/\n.env\n');
  g(origin, 'add', '-A');
  g(origin, 'commit', '-q', '-m', 'first');
  g(origin, 'symbolic-ref', 'HEAD', 'refs/heads/main');

  const dest = path.join(root, 'dest');
  g(root, 'clone', '-q', origin, dest);

  const source = path.join(root, 'source');
  g(root, 'clone', '-q', origin, source);
  g(source, 'checkout', '-q', '-b', 'feature');
  write(source, 'a.txt', 'line 1\nline 2\nline 3 committed\n');
  g(source, 'commit', '-q', '-am', 'second');

  // staged, then more unstaged on top
  write(source, 'a.txt', 'line 1\nline 2\nline 3 committed\nstaged line\n');
  g(source, 'add', 'a.txt');
  write(source, 'a.txt', 'line 1\nline 2\nline 3 committed\nstaged line\nunstaged line\n');
  write(source, 'bin.dat', Buffer.from([0, 1, 2, 3, 4, 0, 0, 255, 254]));
  g(source, 'add', 'bin.dat');
  g(source, 'mv', 'old-name.txt', 'new-name.txt');
  g(source, 'rm', '-q', 'staged-delete.txt');
  rmSync(path.join(source, 'deleted.txt'));
  spawnSync('chmod', ['+x', path.join(source, 'script.sh')]);
  spawnSync('ln', ['-s', 'sub/keep.txt', path.join(source, 'link-staged')]);
  g(source, 'add', 'link-staged');
  spawnSync('ln', ['-s', '../a.txt', path.join(source, 'sub/link-untracked')]);
  write(source, 'notes/untracked.txt', 'untracked\n');
  write(source, 'notes/naïve name with spaces\tand tab.txt', 'odd name\n');
  write(source, 'notes/intent.txt', 'intent to add\n');
  g(source, 'add', '--intent-to-add', 'notes/intent.txt');
  write(source, 'tools/run', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]), 0o755);
  write(source, 'debug.log', 'ignored\n');
  write(source, 'build/out.o', 'ignored\n');
  write(source, '.env', 'SECRET=1\n');
  return { source, dest, origin };
}

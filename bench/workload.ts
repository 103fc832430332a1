// The standard handoff workload of issue 9, generated deterministically (same seed, same bytes):
// a repository of 5,000 files and 300 commits (~50 MB of history), a branch 3 commits ahead of
// the destination's clone, and 40 changed files (staged, unstaged, untracked, one 5 MB binary).
// Built with `git fast-import` because 300 porcelain commits over 5,000 files would take
// minutes and measure git's porcelain, not the thing under test.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, chmodSync, rmSync, symlinkSync, renameSync } from 'node:fs';
import path from 'node:path';

export interface WorkloadShape {
  files: number;
  commits: number;
  /** Average bytes of a file's content. */
  fileBytes: number;
  /** Files rewritten per commit after the first. */
  touchPerCommit: number;
  aheadCommits: number;
  changedFiles: number;
  binaryBytes: number;
}

export const STANDARD: WorkloadShape = {
  files: 5000,
  commits: 300,
  fileBytes: 5000,
  touchPerCommit: 25,
  aheadCommits: 3,
  changedFiles: 40,
  binaryBytes: 5 * 1024 * 1024,
};

/** xorshift32: deterministic bytes without depending on Math.random. */
export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const alphabet = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789(){};=\n';
function text(next: () => number, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += alphabet[next() % alphabet.length];
  return out;
}

export const gitEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid',
};

export function git(cwd: string, args: string[], input?: string | Buffer): string {
  return execFileSync('git', args, { cwd, env: gitEnv, input, maxBuffer: 1 << 30, encoding: 'utf8' });
}

/**
 * Creates `<dir>/origin` (bare, full history + the branch `work` ahead by `aheadCommits`),
 * `<dir>/source` (a clone on `work` with the uncommitted changes) and `<dir>/dest` (a clone
 * without the last `aheadCommits` commits of `work`).
 */
export function makeWorkload(dir: string, shape: WorkloadShape = STANDARD, seed = 42) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const origin = path.join(dir, 'origin.git');
  git(dir, ['init', '-q', '--bare', '-b', 'main', origin]);
  const next = rng(seed);
  const stream: Buffer[] = [];
  const push = (s: string | Buffer) => stream.push(typeof s === 'string' ? Buffer.from(s) : s);
  const blob = (content: string) => {
    const b = Buffer.from(content);
    push(`data ${b.length}\n`);
    push(b);
    push('\n');
  };
  const fileName = (i: number) => `src/mod${Math.floor(i / 100)}/file${i}.txt`;
  const total = shape.commits + shape.aheadCommits;
  for (let c = 0; c < total; c++) {
    const branch = c < shape.commits ? 'main' : 'work';
    push(`commit refs/heads/${branch}\nmark :${c + 1}\n`);
    push(`committer Bench <bench@example.invalid> ${1_700_000_000 + c * 60} +0000\n`);
    const msg = `commit ${c}`;
    push(`data ${msg.length}\n${msg}\n`);
    if (c === shape.commits) push(`from :${c}\n`);
    const touched = c === 0 ? shape.files : shape.touchPerCommit;
    for (let k = 0; k < touched; k++) {
      const i = c === 0 ? k : next() % shape.files;
      push(`M 100644 inline ${fileName(i)}\n`);
      blob(text(next, Math.max(64, shape.fileBytes / 2 + (next() % shape.fileBytes))));
    }
    push('\n');
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: origin, env: gitEnv, input: Buffer.concat(stream), maxBuffer: 1 << 30 });
  git(origin, ['repack', '-adq']);

  const source = path.join(dir, 'source');
  git(dir, ['clone', '-q', '--no-local', origin, source]);
  git(source, ['checkout', '-q', 'work']);
  // The destination has the shared history but not the branch's last commits.
  const dest = path.join(dir, 'dest');
  git(dir, ['clone', '-q', '--no-local', '--single-branch', '-b', 'main', origin, dest]);

  applyChanges(source, shape, next);
  return { origin, source, dest };
}

/** `changedFiles` changes: staged and unstaged edits, staged new files, deletions, a rename, untracked files, a binary. */
function applyChanges(repo: string, shape: WorkloadShape, next: () => number) {
  const n = shape.changedFiles;
  const f = (i: number) => path.join(repo, `src/mod${Math.floor(i / 100)}/file${i}.txt`);
  const quarter = Math.floor(n / 4);
  for (let k = 0; k < quarter; k++) {
    writeFileSync(f(k * 7), text(next, 3000));
  }
  git(repo, ['add', '-A']);
  for (let k = 0; k < quarter; k++) writeFileSync(f(k * 7 + 1), text(next, 3000)); // unstaged edits
  // The rest: untracked files, and one each of deletion, rename, mode change, symlink, binary.
  for (let k = 0; k < n - 2 * quarter - 5; k++) {
    mkdirSync(path.join(repo, 'new'), { recursive: true });
    writeFileSync(path.join(repo, 'new', `untracked${k}.txt`), text(next, 2000));
  }
  git(repo, ['rm', '-q', path.relative(repo, f(5))]);
  renameSync(f(6), path.join(repo, 'renamed.txt'));
  chmodSync(f(8), 0o755);
  symlinkSync('src/mod0/file9.txt', path.join(repo, 'link-to-file9'));
  const bin = Buffer.alloc(shape.binaryBytes);
  for (let i = 0; i < bin.length; i += 4) bin.writeUInt32LE(next(), i);
  writeFileSync(path.join(repo, 'model.bin'), bin);
}

if (process.argv[1] && process.argv[1].endsWith('workload.ts')) {
  const dir = process.argv[2] ?? '/tmp/baton-workload';
  const t0 = Date.now();
  const r = makeWorkload(dir);
  console.log(`workload in ${dir} (${Date.now() - t0} ms):`, r);
  console.log(git(r.source, ['count-objects', '-vH']));
  console.log(git(r.source, ['status', '--porcelain', '-uall']).split('\n').length - 1, 'changed paths');
}

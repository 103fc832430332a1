// The manual baseline of issue 9: what a careful engineer would script with OpenSSH and git to
// move a branch with uncommitted work to another host. Every step is a real ssh/scp/git call
// against a real sshd, so Baton's handoff is compared with the real alternative, not a model.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitEnv } from './workload';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  identityFile: string;
  knownHostsFile: string;
}

export interface ManualResult {
  totalMs: number;
  steps: Record<string, number>;
  /** Bytes of every file copied with scp. */
  bytesCopied: number;
}

function sshArgs(t: SshTarget): string[] {
  return ['-p', String(t.port), '-i', t.identityFile, '-o', `UserKnownHostsFile=${t.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'];
}

function ssh(t: SshTarget, command: string): string {
  return execFileSync('ssh', [...sshArgs(t), `${t.user}@${t.host}`, command], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Moves `branch` of `source` (with its staged, unstaged and untracked changes) and the thread's
 * transcript file into a new worktree `remoteWorktree` of the remote clone `remoteRepo`.
 */
export function manualHandoff(opts: {
  source: string;
  branch: string;
  transcriptFile: string;
  target: SshTarget;
  remoteRepo: string;
  remoteWorktree: string;
}): ManualResult {
  const { source, branch, target: t } = opts;
  const steps: Record<string, number> = {};
  const time = <T>(name: string, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    steps[name] = performance.now() - t0;
    return r;
  };
  const work = mkdtempSync(path.join(os.tmpdir(), 'baton-manual-'));
  const g = (args: string[]) => execFileSync('git', args, { cwd: source, env: gitEnv, maxBuffer: 1 << 30 });
  try {
    const t0 = performance.now();
    const haves = time('ask destination for its tips', () =>
      ssh(t, `git -C ${q(opts.remoteRepo)} for-each-ref --format='%(objectname)'`).split('\n').filter(Boolean),
    );
    const bundle = path.join(work, 'work.bundle');
    time('git bundle (branch minus the destination tips)', () =>
      g(['bundle', 'create', '-q', bundle, branch, ...[...new Set(haves)].map((h) => `^${h}`)]),
    );
    const staged = path.join(work, 'staged.patch');
    const unstaged = path.join(work, 'unstaged.patch');
    const untracked = path.join(work, 'untracked.tgz');
    time('git diff --binary + tar of untracked files', () => {
      writeFileSync(staged, g(['diff', '--cached', '--binary']));
      writeFileSync(unstaged, g(['diff', '--binary']));
      execFileSync('sh', ['-c', `git ls-files -o --exclude-standard -z | tar --null -T - -czf ${q(untracked)}`], { cwd: source, env: gitEnv });
    });
    const files = [bundle, staged, unstaged, untracked, opts.transcriptFile];
    const remoteTmp = `/tmp/baton-manual-${process.pid}-${Date.now()}`;
    time('scp bundle, patches, tarball and transcript', () => {
      ssh(t, `mkdir -p ${q(remoteTmp)}`);
      execFileSync('scp', ['-q', '-P', String(t.port), ...sshArgs(t).slice(2), ...files, `${t.user}@${t.host}:${remoteTmp}/`]);
    });
    time('git fetch from the bundle, worktree add, apply changes', () =>
      ssh(
        t,
        [
          `set -e`,
          `cd ${q(opts.remoteRepo)}`,
          `git fetch -q ${remoteTmp}/work.bundle ${branch}:${branch}`,
          `git worktree add -q ${q(opts.remoteWorktree)} ${branch}`,
          `cd ${q(opts.remoteWorktree)}`,
          `git apply --whitespace=nowarn --index ${remoteTmp}/staged.patch`,
          `git apply --whitespace=nowarn ${remoteTmp}/unstaged.patch`,
          `tar -xzf ${remoteTmp}/untracked.tgz`,
          `rm -rf ${q(remoteTmp)}`,
        ].join(' && '),
      ),
    );
    return {
      totalMs: performance.now() - t0,
      steps,
      bytesCopied: files.reduce((n, f) => n + statSync(f).size, 0),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

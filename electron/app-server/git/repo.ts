// Where a repository keeps things, and what state it is in.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { git, gitText, GitError } from './git';
import { GitStateError } from './errors';

export interface RepoPaths {
  /** Top of the working tree (a linked worktree's own top, not the main checkout's). */
  top: string;
  /** This worktree's git dir (`.git`, or `.git/worktrees/<name>` for a linked worktree). */
  gitDir: string;
  /** The shared git dir: objects, refs, config. */
  commonDir: string;
  objectsDir: string;
}

export async function repoPaths(cwd: string): Promise<RepoPaths> {
  let top: string;
  try {
    top = await gitText(['rev-parse', '--show-toplevel'], { cwd });
  } catch (e) {
    if (e instanceof GitError) {
      throw new GitStateError('not-a-repository', `${cwd} is not inside a git working tree.`, 'Open the project folder that holds the repository.', { stderr: e.stderr });
    }
    throw e;
  }
  // Older git prints these relative to the current directory; asking from the top keeps it simple.
  const [gitDir, commonDir] = (await gitText(['rev-parse', '--git-dir', '--git-common-dir'], { cwd: top })).split('\n');
  const abs = (p: string) => path.resolve(top, p);
  const common = abs(commonDir!);
  return { top, gitDir: abs(gitDir!), commonDir: common, objectsDir: path.join(common, 'objects') };
}

// Marker file in the git dir → what is going on, and how the user gets out of it.
const IN_PROGRESS: [marker: string, what: string, abort: string][] = [
  ['MERGE_HEAD', 'a merge', 'git merge --abort'],
  ['rebase-merge', 'a rebase', 'git rebase --abort'],
  ['rebase-apply', 'a rebase or `git am`', 'git rebase --abort` or `git am --abort'],
  ['CHERRY_PICK_HEAD', 'a cherry-pick', 'git cherry-pick --abort'],
  ['REVERT_HEAD', 'a revert', 'git revert --abort'],
  ['BISECT_LOG', 'a bisect', 'git bisect reset'],
];

/** Refuses a repository in the middle of an operation: its index and HEAD are not a state to move. */
export function assertNoOperationInProgress(p: RepoPaths): void {
  for (const [marker, what, abort] of IN_PROGRESS) {
    if (existsSync(path.join(p.gitDir, marker)) || existsSync(path.join(p.commonDir, marker))) {
      throw new GitStateError(
        'operation-in-progress',
        `${p.top} is in the middle of ${what}; its Git state cannot be captured.`,
        `Finish ${what}, or abort it with \`${abort}\`, then try again.`,
        { marker },
      );
    }
  }
}

/**
 * `git status --porcelain=v2` including untracked files; empty means clean. Without optional
 * locks: a plain `git status` refreshes and rewrites the index, and this is used on checkouts
 * that are not ours to touch.
 */
export async function statusPorcelain(cwd: string): Promise<string> {
  const r = await git(['--no-optional-locks', 'status', '--porcelain=v2', '--untracked-files=all'], { cwd });
  return r.stdout.toString('utf8');
}

/** Does an object of this id exist (in the repository, or in a quarantine given by env)? */
export async function objectType(cwd: string, oid: string, env?: Record<string, string>): Promise<string | null> {
  const r = await git(['cat-file', '-t', oid], { cwd, env, okExitCodes: [128, 1] });
  return r.exitCode === 0 ? r.stdout.toString('utf8').trim() : null;
}

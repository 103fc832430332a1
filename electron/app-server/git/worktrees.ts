// Linked worktrees: list, add, remove. Parsing `git worktree list --porcelain` (git ≥ 2.7; `-z`
// would need 2.36, so paths with newlines are not supported).
import { git, gitText } from './git';

export interface WorktreeInfo {
  path: string;
  head: string | null;
  /** `refs/heads/x`, or null when detached or bare. */
  branch: string | null;
  bare: boolean;
}

export async function listWorktrees(cwd: string): Promise<WorktreeInfo[]> {
  const out = await gitText(['worktree', 'list', '--porcelain'], { cwd });
  const result: WorktreeInfo[] = [];
  let cur: WorktreeInfo | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) {
      cur = { path: line.slice(9), head: null, branch: null, bare: false };
      result.push(cur);
    } else if (cur && line.startsWith('HEAD ')) cur.head = line.slice(5);
    else if (cur && line.startsWith('branch ')) cur.branch = line.slice(7);
    else if (cur && line === 'bare') cur.bare = true;
  }
  return result;
}

/** Registers a worktree detached at `commit` with an empty index and no files; restore fills it. */
export async function addWorktreeNoCheckout(cwd: string, worktreePath: string, commit: string): Promise<void> {
  await git(['worktree', 'add', '--no-checkout', '--detach', worktreePath, commit], { cwd });
}

export async function removeWorktree(cwd: string, worktreePath: string): Promise<void> {
  await git(['worktree', 'remove', '--force', '--force', worktreePath], { cwd, okExitCodes: [128] });
  await git(['worktree', 'prune'], { cwd });
}

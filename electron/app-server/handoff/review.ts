// What the review dialog lists, read from the source's repository with the git CLI: the commits
// the destination lacks and the uncommitted changes that will move. Read-only queries on the
// snapshot's commits (never the user's index or files).
import type { HandoffReview } from '../../../shared/contracts/handoff';
import type { SnapshotManifest } from '../../../shared/contracts/snapshot';
import { gitText } from '../git/git';
import { existingCommits } from '../git/packs';

const MAX_COMMITS = 200;
const MAX_FILES = 5_000;

/** Commits reachable from HEAD that the destination does not have, newest first. */
export async function missingCommits(repo: string, head: string, haves: string[]): Promise<{ commits: HandoffReview['commits']; truncated: boolean }> {
  const known = await existingCommits(repo, haves);
  const out = await gitText(['log', '--format=%H%x00%s', `--max-count=${MAX_COMMITS + 1}`, head, '--not', ...known, '--'], { cwd: repo });
  const commits = out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [sha, subject] = l.split('\0');
      return { sha: sha!, subject: subject ?? '' };
    });
  return { commits: commits.slice(0, MAX_COMMITS), truncated: commits.length > MAX_COMMITS };
}

/**
 * Uncommitted changes in the snapshot: HEAD → index tree is what is staged; index → working
 * tree is what is unstaged, and a path the index does not have is untracked.
 */
export async function changedFiles(repo: string, m: SnapshotManifest): Promise<HandoffReview['files']> {
  const diff = async (a: string, b: string) => {
    const out = await gitText(['diff-tree', '-r', '-z', '--no-commit-id', '--name-status', '-M', a, b], { cwd: repo });
    const parts = out.split('\0').filter((x) => x.length > 0);
    const rows: Array<{ status: string; path: string }> = [];
    for (let i = 0; i < parts.length; ) {
      const status = parts[i++]!;
      if (status.startsWith('R') || status.startsWith('C')) {
        i++; // old path
        rows.push({ status, path: parts[i++]! });
      } else rows.push({ status, path: parts[i++]! });
    }
    return rows;
  };
  const change = (s: string): HandoffReview['files'][number]['change'] =>
    s.startsWith('A') ? 'added' : s.startsWith('D') ? 'deleted' : s.startsWith('R') ? 'renamed' : s.startsWith('T') ? 'type-changed' : 'modified';
  const files: HandoffReview['files'] = [];
  for (const r of await diff(m.head.commit, m.indexCommit)) files.push({ path: r.path, state: 'staged', change: change(r.status) });
  for (const r of await diff(m.indexCommit, m.worktreeCommit)) {
    files.push({ path: r.path, state: r.status === 'A' ? 'untracked' : 'unstaged', change: change(r.status) });
  }
  return files.slice(0, MAX_FILES);
}

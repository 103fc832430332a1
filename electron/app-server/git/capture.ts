// Capture: the exact Git state of a worktree as two commits, without touching the user's HEAD,
// index or files. The index tree comes from a *copy* of the index (even `git write-tree` may
// rewrite the index it reads, to cache trees); the working tree is `git add -A` on that copy.
// Layout (like `git stash`): indexCommit = tree of the index, parent HEAD; worktreeCommit = tree
// of the working files, parents HEAD and indexCommit. One ref on worktreeCommit keeps it all.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SnapshotId, SnapshotManifest } from '../../../shared/contracts/snapshot';
import { ThreadId } from '../../../shared/contracts/thread';
import { pathProblem } from '../../../shared/git/paths';
import { GitError } from './git';
import { GitStateError } from './errors';
import { assertNoOperationInProgress, repoPaths, type RepoPaths } from './repo';
import { deleteRef, headBranch, listRefs, resolveCommit, updateRef, upstreamOf } from './refs';
import { addAll, addForce, commitTree, listIgnored, listIndexPaths, lsTree, writeTree } from './trees';

export interface CaptureOptions {
  /** Any directory inside the worktree to capture. */
  cwd: string;
  thread: string;
  /** Default: time-ordered and unique. */
  snapshotId?: string;
  /** Ignored paths (relative to the worktree top) the project carries anyway, e.g. `.env`. */
  extraPaths?: string[];
  now?: Date;
  /** Ref namespace under refs/baton/: `backups` is restore's safety copy of a worktree it reuses. */
  namespace?: 'snapshots' | 'backups';
  /**
   * An earlier snapshot of this worktree: when the worktree still reads exactly as it (HEAD,
   * branch, upstream, both trees, intent-to-add and extra paths), it is returned instead of
   * recording a new one — the same state needs no second pair of commits (a handoff whose
   * review snapshot is still true at the click).
   */
  unchangedFrom?: SnapshotManifest;
}

const MAX_IGNORED_LISTED = 10_000;

export function newSnapshotId(now = new Date()): string {
  return `${now.getTime().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function snapshotRef(thread: string, snapshotId: string, namespace: 'snapshots' | 'backups' = 'snapshots'): string {
  return `refs/baton/${namespace}/${thread}/${snapshotId}`;
}

export async function captureSnapshot(opts: CaptureOptions): Promise<SnapshotManifest> {
  const now = opts.now ?? new Date();
  const snapshotId = opts.snapshotId ?? newSnapshotId(now);
  // Both become part of a ref name: check them before anything is written.
  if (!ThreadId.safeParse(opts.thread).success || !SnapshotId.safeParse(snapshotId).success) {
    throw new GitStateError('manifest-invalid', `Thread id "${opts.thread}" or snapshot id "${snapshotId}" is not valid.`, 'Ids are letters, digits, "_" and "-".');
  }
  const paths = await repoPaths(opts.cwd);
  const { top } = paths;
  assertNoOperationInProgress(paths);

  const head = await resolveCommit(top, 'HEAD');
  if (!head) {
    throw new GitStateError('no-commits', `${top} has no commits yet, so there is no branch to carry.`, 'Make a first commit, then try again.');
  }
  if (head.length !== 40) {
    throw new GitStateError('git-failed', `${top} uses SHA-256 object ids, which Baton cannot move yet.`, 'Use a SHA-1 repository for threads that move between hosts.');
  }
  const branch = await headBranch(top);
  const upstreamRef = branch ? await upstreamOf(top, branch) : null;
  const upstream = upstreamRef ? { ref: upstreamRef, commit: await resolveCommit(top, upstreamRef) } : null;

  for (const p of opts.extraPaths ?? []) {
    const problem = pathProblem(p);
    if (problem) throw new GitStateError('unsafe-path', `Extra path "${p}" cannot be carried: ${problem}.`, 'List extra paths relative to the project root, without "..".');
  }

  const trees = await readTrees(paths, opts.extraPaths ?? []);
  const { indexTree, worktreeTree } = trees;
  const was = opts.unchangedFrom;
  if (
    was &&
    JSON.stringify([was.head, was.indexTree, was.worktreeTree, was.intentToAdd, was.extraPaths]) ===
      JSON.stringify([{ commit: head, branch, upstream }, indexTree, worktreeTree, trees.intentToAdd, trees.extraPaths]) &&
    (await resolveCommit(top, was.ref)) === was.worktreeCommit
  ) {
    return was;
  }
  const indexCommit = await commitTree(top, indexTree, [head], `baton index of thread ${opts.thread}`, now);
  const worktreeCommit = await commitTree(top, worktreeTree, [head, indexCommit], `baton snapshot ${snapshotId} of thread ${opts.thread}`, now);
  const ref = snapshotRef(opts.thread, snapshotId, opts.namespace);
  await updateRef(top, ref, worktreeCommit, '', `baton: capture ${snapshotId}`);

  return SnapshotManifest.parse({
    version: 1,
    thread: opts.thread,
    snapshotId,
    createdAt: now.toISOString(),
    head: { commit: head, branch, upstream },
    indexCommit,
    indexTree,
    worktreeCommit,
    worktreeTree,
    ref,
    ignored: trees.ignored.slice(0, MAX_IGNORED_LISTED),
    ignoredTruncated: trees.ignored.length > MAX_IGNORED_LISTED,
    extraPaths: trees.extraPaths,
    intentToAdd: trees.intentToAdd,
  });
}

/** The thread's snapshots (and restore's backups) kept in this repository, oldest id first. */
export async function listSnapshots(repoDir: string, thread: string): Promise<{ ref: string; commit: string }[]> {
  const refs = [...(await listRefs(repoDir, `refs/baton/snapshots/${thread}/`)), ...(await listRefs(repoDir, `refs/baton/backups/${thread}/`))];
  return refs.map((r) => ({ ref: r.ref, commit: r.oid }));
}

/**
 * Lets a snapshot go (after a handoff committed, or when the user discards it): its objects
 * become unreachable and `git gc` collects them in its own time.
 */
export async function deleteSnapshot(repoDir: string, ref: string): Promise<void> {
  if (!/^refs\/baton\/(snapshots|backups|incoming)\//.test(ref)) {
    throw new GitStateError('manifest-invalid', `${ref} is not a Baton snapshot ref.`, 'Pass a ref under refs/baton/snapshots/, refs/baton/backups/ or refs/baton/incoming/.');
  }
  await deleteRef(repoDir, ref);
}

export interface WorktreeTrees {
  indexTree: string;
  worktreeTree: string;
  ignored: string[];
  /** The extra paths that exist and were carried. */
  extraPaths: string[];
  intentToAdd: string[];
}

/**
 * The index and working trees of a worktree, computed on a copy of its index (even
 * `git write-tree` may rewrite the index it reads, to cache trees), so nothing of the user's
 * changes. Capture records them; restore recomputes them to prove its result.
 */
export async function readTrees(paths: RepoPaths, extraPaths: string[]): Promise<WorktreeTrees> {
  const { top } = paths;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'baton-capture-'));
  try {
    const tempIndex = path.join(tmp, 'index');
    const realIndex = path.join(paths.gitDir, 'index');
    if (existsSync(realIndex)) await copyFile(realIndex, tempIndex);
    const env = { GIT_INDEX_FILE: tempIndex };

    let indexTree: string;
    try {
      indexTree = await writeTree(top, env);
    } catch (e) {
      if (e instanceof GitError && /unmerged|conflict/i.test(e.stderr)) {
        throw new GitStateError('unmerged-paths', `${top} has unresolved conflicts in its index.`, 'Resolve the conflicts (`git status` lists them) and stage the result, then try again.');
      }
      throw e;
    }
    // `git add -N` entries are left out of written trees; remember them to re-create on restore.
    // (Both only read — objects, and the index write-tree is done with — so they run together:
    // capture and restore's check sit on the click path.)
    const [indexEntries, indexPaths] = await Promise.all([lsTree(top, indexTree), listIndexPaths(top, env)]);
    const inIndexTree = new Set(indexEntries.map((e) => e.path));
    const notInIndexTree = indexPaths.filter((p) => !inIndexTree.has(p));
    await addAll(top, env);
    const extras = extraPaths.filter((p) => existsSync(path.join(top, p)));
    await addForce(top, extras, env);
    const worktreeTree = await writeTree(top, env);
    // An intent-to-add file deleted since cannot be re-added on the destination; it is dropped.
    const [worktreeEntries, ignored] = await Promise.all([lsTree(top, worktreeTree), listIgnored(top, env)]);
    const inWorktreeTree = new Set(worktreeEntries.map((e) => e.path));
    const intentToAdd = notInIndexTree.filter((p) => inWorktreeTree.has(p));
    return { indexTree, worktreeTree, ignored, extraPaths: extras, intentToAdd };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

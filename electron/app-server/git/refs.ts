// Refs: read, compare, create, move and delete — one function per git operation.
import { git, gitText } from './git';

/** The commit `rev` names, or null when it does not exist. */
export async function resolveCommit(cwd: string, rev: string, env?: Record<string, string>): Promise<string | null> {
  const r = await git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd, env, okExitCodes: [1, 128] });
  return r.exitCode === 0 ? r.stdout.toString('utf8').trim() : null;
}

/** `refs/heads/x` when HEAD is on a branch, null when detached. */
export async function headBranch(cwd: string): Promise<string | null> {
  const r = await git(['symbolic-ref', '--quiet', 'HEAD'], { cwd, okExitCodes: [1] });
  return r.exitCode === 0 ? r.stdout.toString('utf8').trim() : null;
}

/** The branch's upstream as a full ref (`refs/remotes/origin/x`), or null. */
export async function upstreamOf(cwd: string, branchRef: string): Promise<string | null> {
  const out = await gitText(['for-each-ref', '--format=%(upstream)', branchRef], { cwd });
  return out.trim() || null;
}

export async function mergeBase(cwd: string, a: string, b: string): Promise<string | null> {
  const r = await git(['merge-base', a, b], { cwd, okExitCodes: [1] });
  return r.exitCode === 0 ? r.stdout.toString('utf8').trim() : null;
}

/**
 * Moves `ref` to `newOid` only if it still points at `oldOid` ('' = must not exist yet): a
 * concurrent change makes this fail instead of being overwritten.
 */
export async function updateRef(cwd: string, ref: string, newOid: string, oldOid: string, reason: string): Promise<void> {
  await git(['update-ref', '-m', reason, ref, newOid, oldOid], { cwd });
}

export async function deleteRef(cwd: string, ref: string, oldOid?: string): Promise<void> {
  await git(['update-ref', '-d', ref, ...(oldOid ? [oldOid] : [])], { cwd });
}

/** Points this worktree's HEAD at a branch without touching the index or files. */
export async function setHeadToBranch(cwd: string, branchRef: string): Promise<void> {
  await git(['symbolic-ref', '-m', 'baton: restore', 'HEAD', branchRef], { cwd });
}

/** Detaches this worktree's HEAD at `oid` without touching the index or files. */
export async function setHeadDetached(cwd: string, oid: string): Promise<void> {
  await git(['update-ref', '--no-deref', '-m', 'baton: restore', 'HEAD', oid], { cwd });
}

export async function setUpstream(cwd: string, branchRef: string, upstreamRef: string): Promise<void> {
  await git(['branch', `--set-upstream-to=${upstreamRef}`, branchRef.replace(/^refs\/heads\//, '')], { cwd });
}

/** Commit ids at the tips of refs under the given prefixes (tags peeled); the "haves" of a host. */
export async function commitTips(cwd: string, prefixes: string[]): Promise<string[]> {
  const out = await gitText(['for-each-ref', '--format=%(objecttype) %(objectname) %(*objecttype) %(*objectname)', ...prefixes], { cwd });
  const tips = new Set<string>();
  for (const line of out.split('\n')) {
    const [type, oid, peeledType, peeled] = line.split(' ');
    if (type === 'commit' && oid) tips.add(oid);
    else if (peeledType === 'commit' && peeled) tips.add(peeled);
  }
  const head = await resolveCommit(cwd, 'HEAD');
  if (head) tips.add(head);
  return [...tips].sort();
}

/** Refs under `prefix` with the commit each points at. */
export async function listRefs(cwd: string, prefix: string): Promise<{ ref: string; oid: string }[]> {
  const out = await gitText(['for-each-ref', '--format=%(refname) %(objectname)', prefix], { cwd });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [ref, oid] = l.split(' ');
      return { ref: ref!, oid: oid! };
    });
}

// Does a repository (or a quarantine of received objects, via env) hold the snapshot a manifest
// describes, shaped as capture makes it, with only paths that are safe to write? Run before a
// received pack joins the object store, and again before restore writes anything.
import type { SnapshotManifest } from '../../../shared/contracts/snapshot';
import { unsafeEntries } from '../../../shared/git/paths';
import { GitStateError } from './errors';
import { objectType } from './repo';
import { commitParents, lsTree } from './trees';

type Env = Record<string, string>;

export function invalidManifest(message: string): GitStateError {
  return new GitStateError('manifest-invalid', message, 'The snapshot description is damaged or crafted; capture it again on the source.');
}

export async function checkSnapshotObjects(cwd: string, m: SnapshotManifest, env?: Env): Promise<void> {
  for (const oid of [m.head.commit, m.indexCommit, m.worktreeCommit]) {
    if ((await objectType(cwd, oid, env)) !== 'commit') {
      throw new GitStateError('pack-incomplete', `Commit ${oid} of snapshot ${m.snapshotId} is not in the repository at ${cwd} or the received pack.`, 'Nothing was written. Send the snapshot again (receivePack / importArchive) before restoring.');
    }
  }
  const w = await commitParents(cwd, m.worktreeCommit, env);
  const i = await commitParents(cwd, m.indexCommit, env);
  if (w.tree !== m.worktreeTree || i.tree !== m.indexTree || w.parents.join() !== [m.head.commit, m.indexCommit].join() || i.parents.join() !== m.head.commit) {
    throw invalidManifest(`Snapshot ${m.snapshotId}'s commits do not match its manifest.`);
  }
  await assertSafeTree(cwd, m.worktreeTree, env);
  await assertSafeTree(cwd, m.indexTree, env);
}

/** Refuses a tree with a path that could write outside the worktree (see shared/git/paths.ts). */
export async function assertSafeTree(cwd: string, tree: string, env?: Env): Promise<void> {
  const problems = unsafeEntries(await lsTree(cwd, tree, env));
  if (problems.length > 0) {
    const list = problems.slice(0, 5).map((p) => `"${p.path}" (${p.reason})`).join(', ');
    throw new GitStateError('unsafe-path', `The snapshot contains paths that would be written outside the worktree or into .git: ${list}.`, 'Nothing was written. This snapshot was crafted or damaged; do not restore it.', { problems });
  }
}

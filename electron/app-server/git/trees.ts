// Trees, commits and indexes: the plumbing a snapshot is built from and restored with. Functions
// taking `env` work on a temporary index (GIT_INDEX_FILE) or a quarantined object store.
import type { TreeEntry } from '../../../shared/git/paths';
import { git, gitText } from './git';

type Env = Record<string, string>;

/** Stages everything in the worktree as `git add -A` does (ignored files stay out). */
export async function addAll(top: string, env: Env): Promise<void> {
  await git(['add', '--all', '--', ':/'], { cwd: top, env });
}

/** Stages paths even if ignored (the project's extra paths to carry). */
export async function addForce(top: string, paths: string[], env: Env): Promise<void> {
  if (paths.length === 0) return;
  await git(['add', '--force', '--all', '--', ...paths], { cwd: top, env: { ...env, GIT_LITERAL_PATHSPECS: '1' } });
}

/**
 * Records paths as intent-to-add (`git add -N`) in the worktree's index; forced, because they
 * were in the source's index even if this host's excludes would ignore them.
 */
export async function addIntentToAdd(top: string, paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  await git(['add', '--force', '--intent-to-add', '--', ...paths], { cwd: top, env: { GIT_LITERAL_PATHSPECS: '1' } });
}

/** Paths in the index (each once, even when unmerged). */
export async function listIndexPaths(top: string, env: Env): Promise<string[]> {
  const out = await git(['ls-files', '-z', '--cached', '--full-name'], { cwd: top, env });
  return [...new Set(out.stdout.toString('utf8').split('\0').filter(Boolean))];
}

/** Ignored files and directories (`dir/`) that capture leaves behind. */
export async function listIgnored(top: string, env: Env): Promise<string[]> {
  const out = await git(['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory'], { cwd: top, env });
  return out.stdout.toString('utf8').split('\0').filter(Boolean);
}

export async function writeTree(cwd: string, env?: Env): Promise<string> {
  return gitText(['write-tree'], { cwd, env });
}

/** A commit with a fixed identity, so capture works where user.name/email are not configured. */
export async function commitTree(cwd: string, tree: string, parents: string[], message: string, when: Date): Promise<string> {
  const stamp = `${Math.floor(when.getTime() / 1000)} +0000`;
  const identity = {
    GIT_AUTHOR_NAME: 'Baton',
    GIT_AUTHOR_EMAIL: 'baton@localhost',
    GIT_AUTHOR_DATE: stamp,
    GIT_COMMITTER_NAME: 'Baton',
    GIT_COMMITTER_EMAIL: 'baton@localhost',
    GIT_COMMITTER_DATE: stamp,
  };
  return gitText(['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message], { cwd, env: identity });
}

/**
 * Makes the index exactly `tree`. With `update`, the worktree's files follow: files of the old
 * index that are not in `tree` are removed and files in the way are overwritten (`--reset`).
 */
export async function readTree(cwd: string, tree: string, opts: { update: boolean }): Promise<void> {
  await git(['read-tree', ...(opts.update ? ['-u', '--reset'] : []), tree], { cwd });
}

/** Every blob, symlink and gitlink of a tree with its full path. */
export async function lsTree(cwd: string, tree: string, env?: Env): Promise<TreeEntry[]> {
  const out = await git(['ls-tree', '-r', '-z', '--full-tree', tree], { cwd, env });
  return out.stdout
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode] = line.slice(0, tab).split(' ');
      return { mode: mode!, path: line.slice(tab + 1) };
    });
}

/** A commit's tree and parents, in order, read from the raw object. */
export async function commitParents(cwd: string, commit: string, env?: Env): Promise<{ tree: string; parents: string[] }> {
  const raw = await gitText(['cat-file', 'commit', commit], { cwd, env });
  const header = raw.slice(0, raw.indexOf('\n\n') >>> 0);
  let tree = '';
  const parents: string[] = [];
  for (const line of header.split('\n')) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
  }
  return { tree, parents };
}

/** Removes untracked, not ignored files and directories (those not in the index). */
export async function cleanUntracked(cwd: string): Promise<void> {
  await git(['clean', '-f', '-d', '-q'], { cwd });
}

// Restore: put a captured snapshot into the thread's worktree on this host, exactly — HEAD on the
// right commit (and branch, when that is safe), the index tree as the index, the working tree as
// the files. The branch decision is shared/git/tips.ts; this file gathers its facts and obeys.
// All or nothing: every change pushes its undo, and a failure runs them in reverse.
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { mkdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { ProjectKey, SnapshotManifest } from '../../../shared/contracts/snapshot';
import { pathProblem } from '../../../shared/git/paths';
import { branchRefProblem, shortBranch } from '../../../shared/git/refs';
import { classifyTip, decidePlacement, type Placement, type TipRelation } from '../../../shared/git/tips';
import { git } from './git';
import { GitStateError } from './errors';
import { captureSnapshot, newSnapshotId, readTrees } from './capture';
import { repoPaths, statusPorcelain } from './repo';
import { deleteRef, headBranch, mergeBase, resolveCommit, setHeadDetached, setHeadToBranch, setUpstream, updateRef } from './refs';
import { addIntentToAdd, cleanUntracked, readTree } from './trees';
import { checkSnapshotObjects, invalidManifest as invalid } from './snapshot-objects';
import { addWorktreeNoCheckout, listWorktrees, removeWorktree, type WorktreeInfo } from './worktrees';
import { runSetup, setupCommandFor, type SetupResult } from './setup-script';

export interface RestoreOptions {
  /** The destination repository (any checkout of it). Its objects must already hold the snapshot (receivePack). */
  repoDir: string;
  batonHome: string;
  /** Names the worktree folder: BATON_HOME/worktrees/<project>/<thread>. */
  project: string;
  manifest: SnapshotManifest;
  /** The user agreed to take the branch from another, clean checkout (which is left detached on its commit). */
  allowMoveBranch?: boolean;
  /** Shell command run in a newly created worktree; default `.baton/setup.sh` if present; null: none. */
  setupCommand?: string | null;
  onSetupOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /**
   * What pre-staging (prepareWorktree) left in the thread's worktree. That state needs no backup
   * (the source still has it), and a worktree pre-staging created still gets its setup command.
   */
  prepared?: PreparedWorktree;
  /**
   * The caller has already checked this manifest's objects here (receivePack did, for a staged
   * handoff). Objects are immutable, so the check still holds; restore skips repeating it.
   */
  objectsVerified?: boolean;
}

/** A worktree filled ahead of a handoff: detached at the snapshot's HEAD, holding its files and index. */
export interface PreparedWorktree {
  worktreePath: string;
  head: string;
  indexTree: string;
  worktreeTree: string;
  /** Pre-staging created the worktree (so no setup command has run in it yet). */
  created: boolean;
}

export interface RestoreResult {
  worktreePath: string;
  /** False when the thread's existing worktree was reused. */
  created: boolean;
  placement: Placement;
  /** How the incoming tip relates to this host's branch (local, else remote-tracking), when there is one. */
  relation: TipRelation | null;
  /** The branch checked out, or null when detached. */
  branch: string | null;
  /** The source's branch, recorded even when the worktree had to be detached. */
  recordedBranch: string | null;
  /** Keeps the snapshot reachable here: refs/baton/snapshots/<thread>/<id>. */
  snapshotRef: string;
  /** The reused worktree's previous uncommitted state, saved before it was replaced. */
  backupRef: string | null;
  verification: Verification;
  setup: SetupResult | null;
}

export function worktreePathFor(batonHome: string, project: string, thread: string): string {
  return path.resolve(batonHome, 'worktrees', project, thread);
}

export function incomingRef(thread: string, snapshotId: string): string {
  return `refs/baton/incoming/${thread}/${snapshotId}`;
}

const same = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
};


interface BranchFacts {
  placement: Placement;
  relation: TipRelation | null;
}

async function decide(repo: string, m: SnapshotManifest, own: WorktreeInfo | undefined, worktrees: WorktreeInfo[], allowMoveBranch: boolean): Promise<BranchFacts> {
  const incoming = m.head.commit;
  const branch = m.head.branch;
  const relationTo = async (tip: string) => classifyTip({ incoming, destination: tip, mergeBase: await mergeBase(repo, incoming, tip) });
  let local: { tip: string; relation: TipRelation } | null = null;
  let remote: { ref: string; tip: string; relation: TipRelation } | null = null;
  let checkedOutElsewhere: { path: string; clean: boolean } | null = null;
  if (branch) {
    const localTip = await resolveCommit(repo, branch);
    if (localTip) local = { tip: localTip, relation: await relationTo(localTip) };
    else {
      for (const ref of [m.head.upstream?.ref, `refs/remotes/origin/${shortBranch(branch)}`]) {
        const tip = ref && ref.startsWith('refs/remotes/') ? await resolveCommit(repo, ref) : null;
        if (ref && tip) {
          remote = { ref, tip, relation: await relationTo(tip) };
          break;
        }
      }
    }
    const other = worktrees.find((w) => w.branch === branch && w !== own);
    if (other) checkedOutElsewhere = { path: other.path, clean: (await statusPorcelain(other.path)) === '' };
  }
  const placement = decidePlacement({ branch, incoming, local, remote, checkedOutElsewhere, allowMoveBranch });
  return { placement, relation: local?.relation ?? remote?.relation ?? null };
}

/**
 * Checks a manifest from another host or a file before anything is written: its schema, the
 * branch name it would create, and the project key that becomes a folder name.
 */
export function validateManifest(manifest: unknown, project?: string): SnapshotManifest {
  const parsed = SnapshotManifest.safeParse(manifest);
  if (!parsed.success) throw invalid(`The snapshot manifest is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const m = parsed.data;
  if (project !== undefined && !ProjectKey.safeParse(project).success) throw invalid(`"${project}" is not a usable project key for a folder name.`);
  const branchProblem = m.head.branch ? branchRefProblem(m.head.branch) : null;
  if (branchProblem) throw invalid(`The snapshot's branch "${m.head.branch}" is not acceptable: ${branchProblem}.`);
  for (const p of m.intentToAdd) {
    const problem = pathProblem(p);
    if (problem) throw invalid(`The snapshot's intent-to-add path "${p}" is not acceptable: ${problem}.`);
  }
  const upstream = m.head.upstream?.ref;
  if (upstream && (!upstream.startsWith('refs/remotes/') || upstream.includes('..'))) throw invalid(`The snapshot's upstream "${upstream}" is not a remote-tracking ref.`);
  return m;
}

/** The registered worktrees, and the thread's own among them (a dead registration is dropped first). */
async function findOwnWorktree(repo: string, wtPath: string): Promise<{ worktrees: WorktreeInfo[]; own: WorktreeInfo | undefined }> {
  let worktrees = await listWorktrees(repo);
  let own = worktrees.find((w) => same(w.path, wtPath));
  if (own && !existsSync(wtPath)) {
    // Registered but its folder was deleted: a dead registration that would still block the branch.
    await removeWorktree(repo, wtPath);
    worktrees = await listWorktrees(repo);
    own = undefined;
  }
  if (!own && existsSync(wtPath) && readdirSync(wtPath).length > 0) {
    throw new GitStateError('worktree-conflict', `${wtPath} exists and is not a worktree of ${repo}.`, 'Move that folder away (it may belong to another repository), then restore again.');
  }
  return { worktrees, own };
}

/** Whether the worktree's trees (read as capture reads them) are exactly these. */
function holds(current: { indexTree: string; worktreeTree: string; intentToAdd: string[] }, head: string, want: { head: string; indexTree: string; worktreeTree: string; intentToAdd?: string[] }): boolean {
  return (
    head === want.head &&
    current.indexTree === want.indexTree &&
    current.worktreeTree === want.worktreeTree &&
    (want.intentToAdd === undefined || current.intentToAdd.join('\0') === want.intentToAdd.join('\0'))
  );
}

/**
 * Makes the files and the index of a worktree the snapshot's, HEAD already set. A reused
 * worktree first loses its untracked files (saved in a backup by the caller; ignored ones like
 * node_modules/ stay), so no git version has to decide whether to overwrite them. Then the files
 * become the working tree (`--reset -u` also removes files of the old index that W lacks, and
 * leaves alone those whose index entry is unchanged: a refreshed worktree costs only what
 * differs), and finally the index becomes the index tree without touching the files.
 */
async function fill(wtPath: string, m: SnapshotManifest, reused: boolean): Promise<void> {
  if (reused) await cleanUntracked(wtPath);
  await readTree(wtPath, m.worktreeTree, { update: true });
  await readTree(wtPath, m.indexTree, { update: false });
  await addIntentToAdd(wtPath, m.intentToAdd);
  await git(['update-index', '-q', '--refresh'], { cwd: wtPath, okExitCodes: [1] });
}

/** HEAD, branch and trees of the thread's existing worktree. */
async function readOwnState(wtPath: string, extraPaths: string[]) {
  const [head, branch, current] = await Promise.all([resolveCommit(wtPath, 'HEAD'), headBranch(wtPath), repoPaths(wtPath).then((p) => readTrees(p, extraPaths))]);
  return { head: head!, branch, current };
}

/** Saves a reused worktree's uncommitted state under refs/baton/backups/ when it has any. */
async function backupIfDirty(wtPath: string, thread: string): Promise<SnapshotManifest | null> {
  if ((await statusPorcelain(wtPath)) === '') return null;
  return captureSnapshot({ cwd: wtPath, thread, snapshotId: `before-${newSnapshotId()}`, namespace: 'backups' });
}

/**
 * Pre-staging: fills the thread's worktree with a snapshot ahead of the handoff (the review is
 * still open), so that the restore after the click only changes what changed since. HEAD is
 * left detached at the snapshot's commit: no branch moves and nothing is owned until the
 * handoff commits. A reused worktree's own uncommitted state is backed up first, as restore does.
 * Objects must already be here (receivePack). Running it again on an already prepared worktree
 * reads it and changes nothing.
 */
export async function prepareWorktree(opts: Pick<RestoreOptions, 'repoDir' | 'batonHome' | 'project' | 'manifest'>): Promise<PreparedWorktree> {
  const m = validateManifest(opts.manifest, opts.project);
  const repo = (await repoPaths(opts.repoDir)).top;
  await checkSnapshotObjects(repo, m);
  const wtPath = worktreePathFor(opts.batonHome, opts.project, m.thread);
  const { own } = await findOwnWorktree(repo, wtPath);
  const result: PreparedWorktree = { worktreePath: wtPath, head: m.head.commit, indexTree: m.indexTree, worktreeTree: m.worktreeTree, created: !own };
  if (own) {
    const { head, current } = await readOwnState(wtPath, m.extraPaths);
    if (holds(current, head, { ...m, head: m.head.commit })) return result;
    await backupIfDirty(wtPath, m.thread);
    await setHeadDetached(wtPath, m.head.commit);
    await fill(wtPath, m, true);
    return result;
  }
  await mkdir(path.dirname(wtPath), { recursive: true });
  await addWorktreeNoCheckout(repo, wtPath, m.head.commit);
  try {
    await fill(wtPath, m, false);
  } catch (e) {
    await removeWorktree(repo, wtPath).catch(() => undefined);
    await rm(wtPath, { recursive: true, force: true });
    throw e;
  }
  return result;
}

export async function restoreSnapshot(opts: RestoreOptions): Promise<RestoreResult> {
  const m = validateManifest(opts.manifest, opts.project);
  const repo = (await repoPaths(opts.repoDir)).top;
  if (!opts.objectsVerified) await checkSnapshotObjects(repo, m);

  const wtPath = worktreePathFor(opts.batonHome, opts.project, m.thread);
  const { worktrees, own } = await findOwnWorktree(repo, wtPath);

  // A reused worktree's state is read while the branch is decided: both only read, and this is
  // on the click path of a handoff.
  const ownState = own ? readOwnState(wtPath, m.extraPaths) : null;
  ownState?.catch(() => undefined); // awaited below; a refusal in between must not leave it unhandled
  const { placement, relation } = await decide(repo, m, own, worktrees, opts.allowMoveBranch ?? false);
  if (placement.kind === 'stop') {
    const keep = incomingRef(m.thread, m.snapshotId);
    await git(['update-ref', '-m', 'baton: incoming work kept', keep, m.worktreeCommit], { cwd: repo });
    const name = shortBranch(m.head.branch!);
    const how = placement.relation === 'diverged' ? 'have diverged' : 'share no history';
    throw new GitStateError(
      placement.relation === 'diverged' ? 'branch-diverged' : 'branch-unrelated',
      `Branch ${name} here (${placement.destinationTip}) and the incoming ${name} (${m.head.commit}) ${how}; nothing was changed.`,
      `The incoming work is kept at ${keep} (its first parent is the incoming ${name}). Merge or rebase one onto the other, then move the thread again.`,
      { destinationTip: placement.destinationTip, incomingTip: m.head.commit, keptAt: keep },
    );
  }

  const undo: (() => Promise<unknown>)[] = [];
  const snapRef = `refs/baton/snapshots/${m.thread}/${m.snapshotId}`;
  let backupRef: string | null = null;
  let verification: Verification;
  try {
    const existingSnap = await resolveCommit(repo, snapRef);
    if (existingSnap !== m.worktreeCommit) {
      await updateRef(repo, snapRef, m.worktreeCommit, existingSnap ?? '', `baton: restore ${m.snapshotId}`);
      undo.push(() => (existingSnap ? updateRef(repo, snapRef, existingSnap, m.worktreeCommit, 'baton: undo') : deleteRef(repo, snapRef)));
    }

    // A reused worktree holds what the thread left here last time; save it before replacing it.
    let previous: { head: string; branch: string | null; backup: SnapshotManifest | null } | null = null;
    // The worktree already holds exactly this snapshot: a repeated restore, or one pre-staging
    // prepared. Then only HEAD moves; files and index stay as they are.
    let already = false;
    if (own) {
      const { head, branch, current } = await ownState!;
      let backup = null;
      already = holds(current, head, { ...m, head: m.head.commit });
      // Nothing to save when the worktree holds this snapshot or what pre-staging put there.
      const disposable = opts.prepared ? holds(current, head, opts.prepared) : false;
      if (!already && !disposable) {
        backup = await backupIfDirty(wtPath, m.thread);
        backupRef = backup?.ref ?? null;
      }
      previous = { head, branch, backup };
    }

    if (placement.kind === 'branch' && placement.detachOther) {
      const other = placement.detachOther;
      const otherHead = (await resolveCommit(other, 'HEAD'))!;
      await setHeadDetached(other, otherHead);
      undo.push(() => setHeadToBranch(other, m.head.branch!));
    }
    if (placement.kind === 'branch' && placement.update !== 'none') {
      const branch = m.head.branch!;
      const old = (await resolveCommit(repo, branch)) ?? '';
      await updateRef(repo, branch, m.head.commit, old, `baton: restore thread ${m.thread}`);
      undo.push(() =>
        old ? updateRef(repo, branch, old, m.head.commit, 'baton: undo') : git(['branch', '-D', shortBranch(branch)], { cwd: repo }),
      );
      if (placement.upstream) await setUpstream(repo, branch, placement.upstream);
    }

    if (!own) {
      const parent = path.dirname(wtPath);
      const firstCreated = await mkdir(parent, { recursive: true });
      undo.push(async () => {
        // Remove only the folders this restore made, and only if they are still empty.
        if (!firstCreated) return;
        for (let d = parent; d.startsWith(firstCreated); d = path.dirname(d)) await rmdir(d).catch(() => undefined);
      });
      const existedEmpty = existsSync(wtPath);
      await addWorktreeNoCheckout(repo, wtPath, m.head.commit);
      undo.push(async () => {
        await removeWorktree(repo, wtPath);
        if (!existedEmpty) await rm(wtPath, { recursive: true, force: true });
      });
    } else {
      const prev = previous!;
      undo.push(async () => {
        if (prev.branch) await setHeadToBranch(wtPath, prev.branch);
        else await setHeadDetached(wtPath, prev.head);
        await cleanUntracked(wtPath);
        await readTree(wtPath, prev.backup?.worktreeTree ?? `${prev.head}^{tree}`, { update: true });
        await readTree(wtPath, prev.backup?.indexTree ?? `${prev.head}^{tree}`, { update: false });
        await addIntentToAdd(wtPath, prev.backup?.intentToAdd ?? []);
      });
    }

    if (placement.kind === 'branch') await setHeadToBranch(wtPath, m.head.branch!);
    else await setHeadDetached(wtPath, m.head.commit);
    if (already) {
      // Read back just now, before HEAD moved to the same commit: it is exact.
      verification = { exact: true, differences: [] };
    } else {
      await fill(wtPath, m, !!own);
      verification = await verify(wtPath, m);
    }
  } catch (e) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw e;
  }

  // A new worktree gets its setup command, also when pre-staging created it ahead of the click.
  const created = !own || (opts.prepared?.created ?? false);
  const command = created ? setupCommandFor(wtPath, opts.setupCommand) : null;
  const setup = command ? await runSetup(wtPath, command, opts.onSetupOutput) : null;
  return {
    worktreePath: wtPath,
    created,
    placement,
    relation,
    branch: placement.kind === 'branch' ? m.head.branch : null,
    recordedBranch: m.head.branch,
    snapshotRef: snapRef,
    backupRef,
    verification,
    setup,
  };
}

export interface Verification {
  /** The worktree, read back the way capture reads it, gives the snapshot's trees and HEAD. */
  exact: boolean;
  /** What differs, for the review screen (e.g. files this host's global excludes hide). */
  differences: string[];
}

/**
 * Reads the restored worktree back as capture would. A difference is reported, not fatal: it
 * comes from this host's own configuration (global excludes, filters), and the files are there.
 */
async function verify(wtPath: string, m: SnapshotManifest): Promise<Verification> {
  const back = await readTrees(await repoPaths(wtPath), m.extraPaths);
  const differences: string[] = [];
  if ((await resolveCommit(wtPath, 'HEAD')) !== m.head.commit) differences.push('HEAD is not the snapshot\'s commit');
  if (back.indexTree !== m.indexTree) differences.push(`the index reads as tree ${back.indexTree}, not ${m.indexTree}`);
  if (back.worktreeTree !== m.worktreeTree) differences.push(`the files read as tree ${back.worktreeTree}, not ${m.worktreeTree} (check this host's core.excludesFile and filters)`);
  if (back.intentToAdd.join('\0') !== m.intentToAdd.join('\0')) differences.push('intent-to-add entries differ');
  return { exact: differences.length === 0, differences };
}

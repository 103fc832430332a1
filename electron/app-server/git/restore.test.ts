import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { captureSnapshot } from './capture';
import { buildPack, listHaves, receivePack } from './transfer';
import { prepareWorktree, restoreSnapshot, worktreePathFor, type RestoreOptions } from './restore';
import { g, gitView, isolateGit, makeScenario, removeTree, sourceFingerprint, visibleFiles, walk, write } from './test-repos';
import type { SnapshotManifest } from '../../../shared/contracts/snapshot';

let root: string;
beforeAll(() => {
  root = isolateGit();
});
afterAll(() => removeTree(root));

/** Capture on the source, send only what the destination lacks, verify it there. */
async function transfer(source: string, dest: string, thread: string) {
  const before = sourceFingerprint(source);
  const manifest = await captureSnapshot({ cwd: source, thread, extraPaths: ['.env'] });
  const pack = await buildPack(source, { wants: [manifest.worktreeCommit], haves: await listHaves(dest) });
  expect(sourceFingerprint(source)).toEqual(before);
  await receivePack(dest, {
    pack: { bytes: pack.bytes },
    size: pack.size,
    sha256: pack.sha256,
    snapshot: manifest,
  });
  return { manifest, pack };
}

function expectSameState(source: string, wt: string) {
  expect(gitView(wt)).toEqual(gitView(source));
  expect(visibleFiles(wt)).toEqual(visibleFiles(source));
}

function fsckClean(dir: string) {
  // Throws (non-zero exit) on any error; --strict also reports questionable trees.
  g(dir, 'fsck', '--strict', '--no-progress', '--no-dangling');
}

/** Everything about a destination that restore must leave alone when it stops. */
function destState(dest: string, batonHome: string) {
  return {
    refs: g(dest, 'for-each-ref', '--format=%(refname) %(objectname)').split('\n').filter((l) => !l.startsWith('refs/baton/incoming/')),
    worktrees: g(dest, 'worktree', 'list', '--porcelain'),
    checkout: sourceFingerprint(dest),
    home: existsSync(batonHome) ? walk(batonHome, false) : null,
  };
}

function scenario(name: string) {
  const dir = path.join(root, name);
  const s = makeScenario(dir);
  return { ...s, batonHome: path.join(dir, 'baton-home') };
}

const opts = (dest: string, batonHome: string, manifest: SnapshotManifest, extra: Partial<RestoreOptions> = {}): RestoreOptions => ({
  repoDir: dest,
  batonHome,
  project: 'proj',
  manifest,
  ...extra,
});

describe('restoreSnapshot', () => {
  it('recreates staged, unstaged and untracked state byte for byte in a new worktree', async () => {
    const { source, dest, batonHome } = scenario('exact');
    const destBefore = sourceFingerprint(dest);
    const { manifest } = await transfer(source, dest, 't1');
    const r = await restoreSnapshot(opts(dest, batonHome, manifest));

    expect(r.created).toBe(true);
    expect(r.worktreePath).toBe(worktreePathFor(batonHome, 'proj', 't1'));
    expect(r.placement).toMatchObject({ kind: 'branch', update: 'create' });
    expect(r.verification).toEqual({ exact: true, differences: [] });
    expect(g(r.worktreePath, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/feature');
    expectSameState(source, r.worktreePath);
    // The carried ignored file arrived; other ignored files did not.
    expect(readFileSync(path.join(r.worktreePath, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(existsSync(path.join(r.worktreePath, 'debug.log'))).toBe(false);
    // Every kind of change is really there (so the equality above is not vacuous).
    const status = g(r.worktreePath, 'status', '--porcelain=v2', '--untracked-files=all');
    expect(status).toMatch(/^2 R\. .* new-name.txt\told-name.txt$/m);
    expect(status).toMatch(/^1 \.D .* deleted.txt$/m);
    expect(status).toMatch(/^1 D\. .* staged-delete.txt$/m);
    expect(status).toMatch(/^1 \.M N\.\.\. 100644 100644 100755 .* script.sh$/m);
    expect(status).toMatch(/^1 MM .* a.txt$/m);
    expect(status).toMatch(/^1 M\. .* bin.dat$/m);
    expect(status).toMatch(/^1 A\. .* 120000 .* link-staged$/m);
    expect(status).toMatch(/^\? sub\/link-untracked$/m);
    expect(status).toMatch(/^\? tools\/run$/m);
    expect(status).toMatch(/^1 \.A .* notes\/intent.txt$/m);
    expect(visibleFiles(r.worktreePath)['tools/run']).toMatchObject({ mode: 0o755 });
    expect(visibleFiles(r.worktreePath)['sub/link-untracked']).toMatchObject({ kind: 'symlink', target: '../a.txt' });

    fsckClean(source);
    fsckClean(dest);
    expect(sourceFingerprint(dest)).toEqual(destBefore); // the user's own checkout on the destination
  });

  it('reuses the thread\'s worktree on a second arrival, saving what was left there', async () => {
    const { source, dest, batonHome } = scenario('reuse');
    const first = await transfer(source, dest, 't1');
    const r1 = await restoreSnapshot(opts(dest, batonHome, first.manifest));
    // Leftovers in the old worktree: an ignored cache (kept) and a stale untracked file (replaced).
    write(r1.worktreePath, 'build/cache.bin', 'cache');
    write(r1.worktreePath, 'stale.txt', 'stale');

    write(source, 'a.txt', 'committed again\n');
    g(source, 'commit', '-q', '-am', 'third');
    write(source, 'later.txt', 'later\n');
    const second = await transfer(source, dest, 't1');
    const r2 = await restoreSnapshot(opts(dest, batonHome, second.manifest, { setupCommand: 'echo should-not-run' }));

    expect(r2.created).toBe(false);
    expect(r2.verification.exact).toBe(true);
    expect(r2.worktreePath).toBe(r1.worktreePath);
    expect(r2.relation).toBe('fast-forward');
    expect(r2.setup).toBeNull();
    expectSameState(source, r2.worktreePath);
    expect(existsSync(path.join(r2.worktreePath, 'stale.txt'))).toBe(false);
    expect(readFileSync(path.join(r2.worktreePath, 'build/cache.bin'), 'utf8')).toBe('cache');
    expect(r2.backupRef).toMatch(/^refs\/baton\/backups\/t1\//);
    expect(g(dest, 'show', `${r2.backupRef}:stale.txt`)).toBe('stale');
    expect(g(dest, 'worktree', 'list').trim().split('\n')).toHaveLength(2);
    fsckClean(dest);
  });

  it('restores the same snapshot again from an empty pack (everything already here)', async () => {
    const { source, dest, batonHome } = scenario('again');
    const { manifest } = await transfer(source, dest, 't1');
    await restoreSnapshot(opts(dest, batonHome, manifest));
    const pack = await buildPack(source, { wants: [manifest.worktreeCommit], haves: await listHaves(dest) });
    expect(pack.objectCount).toBe(0);
    await receivePack(dest, { pack: { bytes: pack.bytes }, size: pack.size, sha256: pack.sha256, snapshot: manifest });
    const r = await restoreSnapshot(opts(dest, batonHome, manifest));
    expect(r.created).toBe(false);
    expect(r.backupRef).toBeNull(); // it already held this snapshot: nothing to save
    expect(r.relation).toBe('same');
    expectSameState(source, r.worktreePath);
  });

  it('recreates the thread\'s worktree when its folder was deleted but still registered', async () => {
    const { source, dest, batonHome } = scenario('deleted');
    const { manifest } = await transfer(source, dest, 't1');
    const r1 = await restoreSnapshot(opts(dest, batonHome, manifest));
    removeTree(r1.worktreePath);
    const r2 = await restoreSnapshot(opts(dest, batonHome, manifest));
    expect(r2.created).toBe(true);
    expect(r2.placement).toMatchObject({ kind: 'branch' });
    expectSameState(source, r2.worktreePath);
  });

  it('refuses a folder in the way that is not the thread\'s worktree', async () => {
    const { source, dest, batonHome } = scenario('in-the-way');
    const { manifest } = await transfer(source, dest, 't1');
    write(worktreePathFor(batonHome, 'proj', 't1'), 'mine.txt', 'not yours');
    await expect(restoreSnapshot(opts(dest, batonHome, manifest))).rejects.toMatchObject({ code: 'worktree-conflict' });
    expect(readFileSync(path.join(worktreePathFor(batonHome, 'proj', 't1'), 'mine.txt'), 'utf8')).toBe('not yours');
  });

  it('restores a detached source detached', async () => {
    const { source, dest, batonHome } = scenario('detached');
    g(source, 'checkout', '-q', '--detach');
    const { manifest } = await transfer(source, dest, 't1');
    const r = await restoreSnapshot(opts(dest, batonHome, manifest));
    expect(r.placement).toMatchObject({ kind: 'detached', reason: 'source-detached' });
    expect(r.branch).toBeNull();
    expect(spawnSync('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: r.worktreePath }).status).toBe(1);
    expectSameState(source, r.worktreePath);
  });

  it('reports, without failing, when this host\'s own excludes hide carried files', async () => {
    const { source, dest, batonHome } = scenario('excludes');
    write(dest, '../dest-excludes', 'notes/\n');
    g(dest, 'config', 'core.excludesFile', path.resolve(dest, '../dest-excludes'));
    const { manifest } = await transfer(source, dest, 't1');
    const r = await restoreSnapshot(opts(dest, batonHome, manifest));
    expect(r.verification.exact).toBe(false);
    expect(r.verification.differences.join()).toMatch(/core.excludesFile/);
    expect(readFileSync(path.join(r.worktreePath, 'notes/untracked.txt'), 'utf8')).toBe('untracked\n');
  });

  it('fast-forwards an existing local branch that is behind', async () => {
    const { source, dest, batonHome } = scenario('ff');
    g(dest, 'update-ref', 'refs/heads/feature', 'HEAD');
    const { manifest } = await transfer(source, dest, 't1');
    const r = await restoreSnapshot(opts(dest, batonHome, manifest));
    expect(r.relation).toBe('fast-forward');
    expect(g(dest, 'rev-parse', 'refs/heads/feature').trim()).toBe(manifest.head.commit);
    expectSameState(source, r.worktreePath);
  });

  it('creates a local branch from a remote-only branch and tracks it', async () => {
    const { source, dest, origin, batonHome } = scenario('remote-only');
    g(source, 'push', '-q', origin, 'feature');
    g(source, 'fetch', '-q', 'origin');
    g(source, 'branch', '-q', '--set-upstream-to=origin/feature');
    g(dest, 'fetch', '-q', 'origin');
    expect(g(dest, 'branch', '--list', 'feature')).toBe('');
    write(source, 'a.txt', 'after push\n');
    g(source, 'commit', '-q', '-am', 'after push');
    const { manifest } = await transfer(source, dest, 't1');
    const r = await restoreSnapshot(opts(dest, batonHome, manifest));
    expect(r.relation).toBe('fast-forward');
    expect(r.branch).toBe('refs/heads/feature');
    expect(g(dest, 'rev-parse', '--abbrev-ref', 'feature@{upstream}').trim()).toBe('origin/feature');
    expectSameState(source, r.worktreePath);
  });

  it('places the worktree detached, branch untouched, when this host\'s branch is ahead', async () => {
    const { source, dest, batonHome } = scenario('ahead');
    const { manifest } = await transfer(source, dest, 't1');
    const ahead = g(dest, 'commit-tree', `${manifest.head.commit}^{tree}`, '-p', manifest.head.commit, '-m', 'ahead').trim();
    g(dest, 'update-ref', 'refs/heads/feature', ahead);
    const r = await restoreSnapshot(opts(dest, batonHome, manifest));
    expect(r.relation).toBe('destination-ahead');
    expect(r.placement).toMatchObject({ kind: 'detached', reason: 'destination-ahead' });
    expect(r.recordedBranch).toBe('refs/heads/feature');
    expect(g(dest, 'rev-parse', 'refs/heads/feature').trim()).toBe(ahead);
    expectSameState(source, r.worktreePath);
  });

  it.each([
    ['diverged', 'branch-diverged', (dest: string, first: string) => g(dest, 'commit-tree', `${first}^{tree}`, '-p', first, '-m', 'other work').trim()],
    ['unrelated', 'branch-unrelated', (dest: string, first: string) => g(dest, 'commit-tree', `${first}^{tree}`, '-m', 'orphan').trim()],
  ])('stops on %s tips with nothing changed, keeping the incoming work', async (name, code, makeTip) => {
    const { source, dest, batonHome } = scenario(`stop-${name}`);
    const { manifest } = await transfer(source, dest, 't1');
    const tip = makeTip(dest, g(dest, 'rev-parse', 'HEAD').trim());
    g(dest, 'update-ref', 'refs/heads/feature', tip);
    const before = destState(dest, batonHome);

    const err = await restoreSnapshot(opts(dest, batonHome, manifest)).catch((e) => e);
    expect(err.code).toBe(code);
    expect(err.message).toContain(tip);
    expect(err.message).toContain(manifest.head.commit);
    expect(err.hint).toContain(`refs/baton/incoming/t1/${manifest.snapshotId}`);
    expect(destState(dest, batonHome)).toEqual(before);
    expect(existsSync(worktreePathFor(batonHome, 'proj', 't1'))).toBe(false);
    expect(g(dest, 'rev-parse', `refs/baton/incoming/t1/${manifest.snapshotId}`).trim()).toBe(manifest.worktreeCommit);
  });

  it('does not take a branch checked out in the user\'s checkout unless allowed and clean', async () => {
    const { source, dest, batonHome } = scenario('busy');
    g(dest, 'checkout', '-q', '-b', 'feature');
    const { manifest } = await transfer(source, dest, 't1');
    const destBefore = sourceFingerprint(dest);

    const r = await restoreSnapshot(opts(dest, batonHome, manifest));
    expect(r.placement).toMatchObject({ kind: 'detached', reason: 'checked-out-elsewhere' });
    expect(r.recordedBranch).toBe('refs/heads/feature');
    expect(sourceFingerprint(dest)).toEqual(destBefore);
    expectSameState(source, r.worktreePath);

    // Allowed, and the other checkout is clean: it is detached on its own commit (files untouched)
    // and the thread's worktree takes the branch.
    const r2 = await restoreSnapshot(opts(dest, batonHome, manifest, { allowMoveBranch: true }));
    expect(r2.placement).toMatchObject({ kind: 'branch', update: 'fast-forward', detachOther: dest });
    expect(g(r2.worktreePath, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/feature');
    expect(g(dest, 'rev-parse', 'HEAD').trim()).toBe(String(destBefore.head).trim());
    expect(walk(dest, true)).toEqual(destBefore.files);
    expectSameState(source, r2.worktreePath);
  });

  it('runs the setup script in a new worktree, streaming output; its failure is reported, not fatal', async () => {
    const { source, dest, batonHome } = scenario('setup');
    write(source, '.baton/setup.sh', 'echo preparing "$BATON_WORKTREE"\necho oops >&2\nexit 3\n');
    const { manifest } = await transfer(source, dest, 't1');
    const out: string[] = [];
    const r = await restoreSnapshot(opts(dest, batonHome, manifest, { onSetupOutput: (c, s) => out.push(`${s}:${c}`) }));
    expect(r.setup).toMatchObject({ ok: false, exitCode: 3, command: 'sh .baton/setup.sh' });
    expect(out.join('')).toContain(`stdout:preparing ${r.worktreePath}`);
    expect(out.join('')).toContain('stderr:oops');
    expectSameState(source, r.worktreePath);
  });

  it('undoes everything when restore fails midway', async () => {
    const { dest, batonHome } = scenario('rollback');
    const head = g(dest, 'rev-parse', 'HEAD').trim();
    // A snapshot whose working tree names a blob this repository does not have: checkout fails
    // after the branch, the snapshot ref and the worktree were already created.
    const missingTree = spawnMktree(dest, `100644 blob ${'1'.repeat(40)}\tghost.txt\n`);
    const indexTree = g(dest, 'rev-parse', 'HEAD^{tree}').trim();
    const ic = g(dest, 'commit-tree', indexTree, '-p', head, '-m', 'i').trim();
    const wc = g(dest, 'commit-tree', missingTree, '-p', head, '-p', ic, '-m', 'w').trim();
    const manifest: SnapshotManifest = {
      version: 1,
      thread: 't9',
      snapshotId: 's1',
      createdAt: new Date().toISOString(),
      head: { commit: head, branch: 'refs/heads/newbranch', upstream: null },
      indexCommit: ic,
      indexTree,
      worktreeCommit: wc,
      worktreeTree: missingTree,
      ref: 'refs/baton/snapshots/t9/s1',
      ignored: [],
      ignoredTruncated: false,
      extraPaths: [],
      intentToAdd: [],
    };
    const before = destState(dest, batonHome);
    await expect(restoreSnapshot(opts(dest, batonHome, manifest))).rejects.toThrow(/read-tree/);
    expect(destState(dest, batonHome)).toEqual({ ...before, home: null });
    expect(existsSync(path.join(batonHome, 'worktrees'))).toBe(false);
  });

  it('puts a reused worktree back exactly as it was when restore fails midway', async () => {
    const { source, dest, batonHome } = scenario('rollback-reuse');
    const { manifest } = await transfer(source, dest, 't1');
    const r1 = await restoreSnapshot(opts(dest, batonHome, manifest));
    const wt = r1.worktreePath;
    write(wt, 'work-here.txt', 'agent wrote this\n');
    write(wt, 'a.txt', 'edited again\n');
    g(wt, 'add', 'a.txt');
    const view = gitView(wt);
    const files = visibleFiles(wt);
    const refs = g(dest, 'for-each-ref', 'refs/heads/');

    const head = manifest.head.commit;
    const missingTree = spawnMktree(dest, `100644 blob ${'2'.repeat(40)}\tghost.txt\n`);
    const indexTree = g(dest, 'rev-parse', `${head}^{tree}`).trim();
    const ic = g(dest, 'commit-tree', indexTree, '-p', head, '-m', 'i').trim();
    const wc = g(dest, 'commit-tree', missingTree, '-p', head, '-p', ic, '-m', 'w').trim();
    const bad: SnapshotManifest = { ...manifest, snapshotId: 'bad', indexCommit: ic, indexTree, worktreeCommit: wc, worktreeTree: missingTree, ref: 'refs/baton/snapshots/t1/bad' };
    await expect(restoreSnapshot(opts(dest, batonHome, bad))).rejects.toThrow(/read-tree/);

    expect(gitView(wt)).toEqual(view);
    expect(visibleFiles(wt)).toEqual(files);
    expect(g(dest, 'for-each-ref', 'refs/heads/')).toBe(refs);
    expect(g(dest, 'for-each-ref', 'refs/baton/snapshots/t1/bad')).toBe('');
    // The saved copy stays: it is the user's work and costs nothing.
    expect(g(dest, 'for-each-ref', '--format=%(refname)', 'refs/baton/backups/t1/')).toMatch(/^refs\/baton\/backups\/t1\/before-/);
  });
});

describe('prepareWorktree (pre-staging)', () => {
  it('fills a new worktree detached, moves no branch, and the restore after it only moves HEAD and runs setup', async () => {
    const { source, dest, batonHome } = scenario('prepare-new');
    write(source, '.baton/setup.sh', 'echo set up\n');
    const { manifest } = await transfer(source, dest, 't1');
    const branchesBefore = g(dest, 'for-each-ref', 'refs/heads/');
    const p = await prepareWorktree(opts(dest, batonHome, manifest));
    expect(p).toMatchObject({ worktreePath: worktreePathFor(batonHome, 'proj', 't1'), created: true, head: manifest.head.commit });
    expect(g(p.worktreePath, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('HEAD'); // detached
    expect(g(dest, 'for-each-ref', 'refs/heads/')).toBe(branchesBefore);
    expect(visibleFiles(p.worktreePath)).toEqual(visibleFiles(source));

    const r = await restoreSnapshot(opts(dest, batonHome, manifest, { prepared: p }));
    expect(r).toMatchObject({ created: true, backupRef: null, verification: { exact: true, differences: [] } });
    expect(r.setup).toMatchObject({ ok: true });
    expect(g(r.worktreePath, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/feature');
    expectSameState(source, r.worktreePath);
    fsckClean(dest);
  });

  it('a change after pre-staging is applied over the prepared worktree without a backup of it', async () => {
    const { source, dest, batonHome } = scenario('prepare-changed');
    const review = await transfer(source, dest, 't1');
    const p = await prepareWorktree(opts(dest, batonHome, review.manifest));
    write(source, 'late.txt', 'after the review\n');
    write(source, 'a.txt', 'edited after the review\n');
    const final = await transfer(source, dest, 't1');
    const r = await restoreSnapshot(opts(dest, batonHome, final.manifest, { prepared: p }));
    expect(r.backupRef).toBeNull();
    expect(r.verification.exact).toBe(true);
    expectSameState(source, r.worktreePath);
  });

  it('refreshes a reused worktree, backing up what the thread left there, and is idempotent', async () => {
    const { source, dest, batonHome } = scenario('prepare-reuse');
    const first = await transfer(source, dest, 't1');
    const r1 = await restoreSnapshot(opts(dest, batonHome, first.manifest));
    write(r1.worktreePath, 'left-here.txt', 'work left on this host\n');
    write(source, 'a.txt', 'committed again\n');
    g(source, 'commit', '-q', '-am', 'third');
    const second = await transfer(source, dest, 't1');
    const p = await prepareWorktree(opts(dest, batonHome, second.manifest));
    expect(p.created).toBe(false);
    const backups = g(dest, 'for-each-ref', '--format=%(refname)', 'refs/baton/backups/t1/').trim().split('\n');
    expect(backups).toHaveLength(1);
    expect(g(dest, 'show', `${backups[0]}:left-here.txt`)).toBe('work left on this host\n');
    expect(visibleFiles(p.worktreePath)).toEqual(visibleFiles(source));
    // Again: it already holds the snapshot; nothing is backed up or rewritten.
    await prepareWorktree(opts(dest, batonHome, second.manifest));
    expect(g(dest, 'for-each-ref', '--format=%(refname)', 'refs/baton/backups/t1/').trim().split('\n')).toHaveLength(1);
    const r = await restoreSnapshot(opts(dest, batonHome, second.manifest, { prepared: p, setupCommand: 'echo should-not-run' }));
    expect(r).toMatchObject({ created: false, setup: null, backupRef: null });
    expectSameState(source, r.worktreePath);
  });

  it('a worktree changed by hand after pre-staging is backed up by the restore, not lost', async () => {
    const { source, dest, batonHome } = scenario('prepare-hand');
    const { manifest } = await transfer(source, dest, 't1');
    const p = await prepareWorktree(opts(dest, batonHome, manifest));
    write(p.worktreePath, 'by-hand.txt', 'typed on this host\n');
    const r = await restoreSnapshot(opts(dest, batonHome, manifest, { prepared: p }));
    expect(r.backupRef).toMatch(/^refs\/baton\/backups\/t1\//);
    expect(g(dest, 'show', `${r.backupRef}:by-hand.txt`)).toBe('typed on this host\n');
    expectSameState(source, r.worktreePath);
  });
});

function spawnMktree(cwd: string, input: string): string {
  const r = spawnSync('git', ['mktree', '--missing'], { cwd, input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

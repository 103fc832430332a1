import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { captureSnapshot, deleteSnapshot, listSnapshots } from './capture';
import { GitStateError } from './errors';
import { g, isolateGit, makeScenario, removeTree, sourceFingerprint, write } from './test-repos';

let root: string;
beforeAll(() => {
  root = isolateGit();
});
afterAll(() => removeTree(root));

describe('captureSnapshot', () => {
  it('records branch, HEAD, upstream, index and working trees without touching the source', async () => {
    const dir = path.join(root, 'cap1');
    const { source } = makeScenario(dir);
    g(source, 'branch', '-q', '--set-upstream-to=origin/main');
    // `git status` may refresh the index file, so the byte fingerprint is taken around capture
    // alone, and status is compared on its own.
    const statusBefore = g(source, 'status', '--porcelain=v2', '--untracked-files=all');
    const before = sourceFingerprint(source);

    const m = await captureSnapshot({ cwd: path.join(source, 'sub'), thread: 't1', extraPaths: ['.env', 'missing.env'] });

    expect(sourceFingerprint(source)).toEqual(before);
    expect(g(source, 'status', '--porcelain=v2', '--untracked-files=all')).toBe(statusBefore);

    expect(m.head.branch).toBe('refs/heads/feature');
    expect(m.head.commit).toBe(g(source, 'rev-parse', 'HEAD').trim());
    expect(m.head.upstream).toEqual({ ref: 'refs/remotes/origin/main', commit: g(source, 'rev-parse', 'origin/main').trim() });
    expect(g(source, 'rev-parse', m.ref).trim()).toBe(m.worktreeCommit);
    expect(m.ref).toBe(`refs/baton/snapshots/t1/${m.snapshotId}`);
    // The index tree is exactly what `git write-tree` gives for the real index.
    expect(m.indexTree).toBe(g(source, 'write-tree').trim());
    expect(g(source, 'rev-parse', `${m.worktreeCommit}^1`, `${m.worktreeCommit}^2`, `${m.indexCommit}^1`).trim().split('\n')).toEqual([
      m.head.commit,
      m.indexCommit,
      m.head.commit,
    ]);

    const wt = g(source, 'ls-tree', '-r', '--name-only', m.worktreeTree).split('\n');
    expect(wt).toEqual(expect.arrayContaining(['notes/untracked.txt', 'tools/run', 'sub/link-untracked', 'new-name.txt', '.env']));
    expect(wt).not.toContain('deleted.txt');
    expect(wt).not.toContain('old-name.txt');
    expect(wt).not.toContain('debug.log');
    expect(g(source, 'ls-tree', m.worktreeTree, 'script.sh')).toMatch(/^100755 /);
    expect(g(source, 'ls-tree', m.worktreeTree, 'sub/link-untracked')).toMatch(/^120000 /);
    expect(m.ignored.sort()).toEqual(['build/', 'debug.log']);
    expect(m.extraPaths).toEqual(['.env']);
  });

  it('captures a linked worktree without touching it or the main checkout', async () => {
    const dir = path.join(root, 'cap-linked');
    const { source } = makeScenario(dir);
    const linked = path.join(dir, 'linked');
    g(source, 'worktree', 'add', '-q', '-b', 'side', linked, 'HEAD');
    write(linked, 'a.txt', 'changed in the linked worktree\n');
    g(linked, 'add', 'a.txt');
    write(linked, 'new.txt', 'untracked\n');
    const statusBefore = g(linked, 'status', '--porcelain=v2', '--untracked-files=all');
    const mainBefore = sourceFingerprint(source);
    const before = sourceFingerprint(linked);
    const m = await captureSnapshot({ cwd: linked, thread: 'tl' });
    expect(sourceFingerprint(linked)).toEqual(before);
    expect(sourceFingerprint(source)).toEqual(mainBefore);
    expect(g(linked, 'status', '--porcelain=v2', '--untracked-files=all')).toBe(statusBefore);
    expect(m.head.branch).toBe('refs/heads/side');
    expect(g(linked, 'show', `${m.indexTree}:a.txt`)).toBe('changed in the linked worktree\n');
    expect(g(linked, 'show', `${m.worktreeTree}:new.txt`)).toBe('untracked\n');

    expect((await listSnapshots(source, 'tl')).map((s) => s.ref)).toEqual([m.ref]);
    await deleteSnapshot(source, m.ref);
    expect(await listSnapshots(source, 'tl')).toEqual([]);
    await expect(deleteSnapshot(source, 'refs/heads/main')).rejects.toMatchObject({ code: 'manifest-invalid' });
  });

  it('returns an earlier snapshot the worktree still reads as, and records a new one once anything changed', async () => {
    const { source } = makeScenario(path.join(root, 'cap-unchanged'));
    const first = await captureSnapshot({ cwd: source, thread: 't3' });
    const again = await captureSnapshot({ cwd: source, thread: 't3', unchangedFrom: first });
    expect(again).toBe(first);
    expect(await listSnapshots(source, 't3')).toHaveLength(1); // no second pair of commits
    write(source, 'notes/untracked.txt', 'changed since\n');
    const changed = await captureSnapshot({ cwd: source, thread: 't3', unchangedFrom: first });
    expect(changed.snapshotId).not.toBe(first.snapshotId);
    expect(changed.worktreeTree).not.toBe(first.worktreeTree);
    // A reference that is gone cannot be handed out again either.
    await deleteSnapshot(source, changed.ref);
    const afterDelete = await captureSnapshot({ cwd: source, thread: 't3', unchangedFrom: changed });
    expect(afterDelete.snapshotId).not.toBe(changed.snapshotId);
  });

  it('captures a detached HEAD', async () => {
    const dir = path.join(root, 'cap2');
    const { source } = makeScenario(dir);
    g(source, 'checkout', '-q', '--detach');
    const m = await captureSnapshot({ cwd: source, thread: 't2' });
    expect(m.head.branch).toBeNull();
    expect(m.head.upstream).toBeNull();
  });

  it.each([
    ['merge', (s: string) => {
      g(s, 'checkout', '-q', '-b', 'other', 'HEAD~1');
      write(s, 'a.txt', 'conflict\n');
      g(s, 'commit', '-q', '-am', 'other');
      g(s, 'checkout', '-q', 'feature');
      const r = spawnSync('git', ['merge', 'other'], { cwd: s });
      expect(r.status).not.toBe(0);
    }, /middle of a merge.*merge --abort/s],
    ['bisect', (s: string) => {
      g(s, 'bisect', 'start');
    }, /middle of a bisect/],
    ['cherry-pick', (s: string) => {
      g(s, 'checkout', '-q', '-b', 'other', 'HEAD~1');
      write(s, 'a.txt', 'conflict\n');
      g(s, 'commit', '-q', '-am', 'other');
      g(s, 'checkout', '-q', 'feature');
      spawnSync('git', ['cherry-pick', 'other'], { cwd: s });
    }, /middle of a cherry-pick/],
    ['rebase', (s: string) => {
      g(s, 'checkout', '-q', '-b', 'other', 'HEAD~1');
      write(s, 'a.txt', 'conflict\n');
      g(s, 'commit', '-q', '-am', 'other');
      g(s, 'checkout', '-q', 'feature');
      spawnSync('git', ['rebase', 'other'], { cwd: s });
    }, /middle of a rebase/],
  ])('refuses a repository in the middle of a %s, writing no ref', async (name, setup, message) => {
    const dir = path.join(root, `cap-${name}`);
    const { source } = makeScenario(dir);
    g(source, 'add', '-A');
    g(source, 'commit', '-q', '-m', 'clean slate');
    setup(source);
    const err = await captureSnapshot({ cwd: source, thread: 't3' }).catch((e) => e);
    expect(err).toBeInstanceOf(GitStateError);
    expect(err.code).toBe('operation-in-progress');
    expect(err.message + ' ' + err.hint).toMatch(message);
    expect(g(source, 'for-each-ref', 'refs/baton/')).toBe('');
  });

  it('refuses unresolved conflicts in the index and ids that cannot be ref names, writing no ref', async () => {
    const dir = path.join(root, 'cap-unmerged');
    const { source } = makeScenario(dir);
    const blob = g(source, 'rev-parse', 'HEAD:a.txt').trim();
    g(source, 'update-index', '--force-remove', 'a.txt');
    spawnSync('git', ['update-index', '--index-info'], { cwd: source, input: `100644 ${blob} 1\ta.txt\n100644 ${blob} 2\ta.txt\n100644 ${blob} 3\ta.txt\n` });
    expect(g(source, 'ls-files', '-u')).toContain('a.txt');
    await expect(captureSnapshot({ cwd: source, thread: 't5' })).rejects.toMatchObject({ code: 'unmerged-paths' });
    await expect(captureSnapshot({ cwd: source, thread: '../x' })).rejects.toMatchObject({ code: 'manifest-invalid' });
    await expect(captureSnapshot({ cwd: source, thread: 't5', snapshotId: 'a/../../b' })).rejects.toMatchObject({ code: 'manifest-invalid' });
    expect(g(source, 'for-each-ref', 'refs/baton/')).toBe('');
  });

  it('refuses a repository with no commits, a SHA-256 repository and a path that is not a repository', async () => {
    const empty = path.join(root, 'empty');
    g(root, 'init', '-q', empty);
    writeFileSync(path.join(empty, 'x'), 'x');
    await expect(captureSnapshot({ cwd: empty, thread: 't4' })).rejects.toMatchObject({ code: 'no-commits' });
    await expect(captureSnapshot({ cwd: root, thread: 't4' })).rejects.toMatchObject({ code: 'not-a-repository' });
    const sha256Repo = path.join(root, 'sha256');
    g(root, 'init', '-q', '--object-format=sha256', sha256Repo);
    g(sha256Repo, 'commit', '-q', '--allow-empty', '-m', 'x');
    await expect(captureSnapshot({ cwd: sha256Repo, thread: 't4' })).rejects.toMatchObject({ code: 'git-failed', message: /SHA-256/ });
  });
});

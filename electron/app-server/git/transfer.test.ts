import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { captureSnapshot } from './capture';
import { buildPack, listHaves, receivePack, sha256 } from './transfer';
import { g, isolateGit, removeTree, write } from './test-repos';
import type { SnapshotManifest } from '../../../shared/contracts/snapshot';
import { craftSnapshot, objectStoreState, type CraftedEntry } from './test-crafted';

let root: string;
beforeAll(() => {
  root = isolateGit();
});
afterAll(() => removeTree(root));

describe('transfer', () => {
  it('sends only the missing objects of a 2,000-file repository where one commit differs', async () => {
    const source = path.join(root, 'big');
    for (let d = 0; d < 20; d++) for (let f = 0; f < 100; f++) write(source, `d${d}/f${f}.txt`, `file ${d}/${f}\n`);
    g(root, 'init', '-q', source);
    g(source, 'add', '-A');
    g(source, 'commit', '-q', '-m', 'two thousand files');
    const dest = path.join(root, 'big-dest');
    g(root, 'clone', '-q', '--no-local', source, dest);
    write(source, 'd3/f7.txt', 'changed\n');
    g(source, 'commit', '-q', '-am', 'one change');

    const m = await captureSnapshot({ cwd: source, thread: 'big' });
    const haves = await listHaves(dest);
    expect(haves).toContain(g(dest, 'rev-parse', 'HEAD').trim());
    const pack = await buildPack(source, { wants: [m.worktreeCommit], haves: [...haves, 'f'.repeat(40)] });
    // new commit + root tree + d3/ tree + the changed blob + the index and worktree commits
    // (their trees are HEAD's, already counted).
    expect(pack.objectCount).toBe(6);
    const full = await buildPack(source, { wants: [m.worktreeCommit], haves: [] });
    expect(full.objectCount).toBeGreaterThan(2000);

    const received = await receivePack(dest, { pack: { bytes: pack.bytes }, size: pack.size, sha256: pack.sha256, snapshot: m });
    expect(received.objectCount).toBeGreaterThanOrEqual(6);
    expect(g(dest, 'cat-file', '-t', m.worktreeCommit).trim()).toBe('commit');
    g(dest, 'fsck', '--strict', '--no-progress', '--no-dangling');
  });

  it('receives a thin pack into a repository whose path contains ":" and a quote', async () => {
    const source = path.join(root, 'colon-src');
    write(source, 'big.txt', 'line\n'.repeat(5000));
    g(root, 'init', '-q', source);
    g(source, 'add', '-A');
    g(source, 'commit', '-q', '-m', 'a');
    const dest = path.join(root, 'dest:with "odd" name');
    g(root, 'clone', '-q', '--no-local', source, dest);
    write(source, 'big.txt', 'line\n'.repeat(5000) + 'one more\n');
    const m = await captureSnapshot({ cwd: source, thread: 'colon' });
    const pack = await buildPack(source, { wants: [m.worktreeCommit], haves: await listHaves(dest) });
    await receivePack(dest, { pack: { bytes: pack.bytes }, size: pack.size, sha256: pack.sha256, snapshot: m });
    expect(g(dest, 'cat-file', '-t', m.worktreeCommit).trim()).toBe('commit');
    g(dest, 'fsck', '--strict', '--no-progress', '--no-dangling');
  });

  it('removes quarantines a crash left behind, once they are a day old', async () => {
    const source = path.join(root, 'stale-src');
    write(source, 'a.txt', 'a\n');
    g(root, 'init', '-q', source);
    g(source, 'add', '-A');
    g(source, 'commit', '-q', '-m', 'a');
    const dest = path.join(root, 'stale-dest');
    g(root, 'clone', '-q', '--no-local', source, dest);
    const objects = path.join(dest, '.git', 'objects');
    mkdirSync(path.join(objects, 'tmp_objdir-baton-old', 'pack'), { recursive: true });
    mkdirSync(path.join(objects, 'tmp_objdir-baton-fresh', 'pack'), { recursive: true });
    const dayAgo = new Date(Date.now() - 25 * 3600_000);
    utimesSync(path.join(objects, 'tmp_objdir-baton-old'), dayAgo, dayAgo);
    const m = await captureSnapshot({ cwd: source, thread: 'stale' });
    const pack = await buildPack(source, { wants: [m.worktreeCommit], haves: await listHaves(dest) });
    await receivePack(dest, { pack: { bytes: pack.bytes }, size: pack.size, sha256: pack.sha256, snapshot: m });
    expect(readdirSync(objects).filter((n) => n.startsWith('tmp_'))).toEqual(['tmp_objdir-baton-fresh']);
  });

  describe('refuses bad packs before any object is stored', () => {
    let source: string;
    let dest: string;
    let good: Awaited<ReturnType<typeof buildPack>>;
    let snapshot: SnapshotManifest;
    beforeAll(async () => {
      source = path.join(root, 'bad-src');
      write(source, 'a.txt', 'a\n');
      g(root, 'init', '-q', source);
      g(source, 'add', '-A');
      g(source, 'commit', '-q', '-m', 'a');
      dest = path.join(root, 'bad-dest');
      g(root, 'clone', '-q', '--no-local', source, dest);
      write(source, 'b.txt', 'b\n');
      const m = await captureSnapshot({ cwd: source, thread: 'bad' });
      good = await buildPack(source, { wants: [m.worktreeCommit], haves: await listHaves(dest) });
      snapshot = m;
    });

    const cases: [string, () => { bytes: Buffer; size: number; sha256: string; maxBytes?: number; snapshot?: SnapshotManifest }, string][] = [
      ['truncated', () => ({ bytes: good.bytes.subarray(0, good.size - 7), size: good.size, sha256: good.sha256 }), 'archive-truncated'],
      ['tampered', () => {
        const b = Buffer.from(good.bytes);
        b[b.length - 30]! ^= 0xff;
        return { bytes: b, size: good.size, sha256: good.sha256 };
      }, 'archive-tampered'],
      ['oversized', () => ({ bytes: good.bytes, size: good.size, sha256: good.sha256, maxBytes: good.size - 1 }), 'pack-too-large'],
      ['corrupt but with a matching hash', () => {
        const b = Buffer.from(good.bytes);
        b[20]! ^= 0xff;
        return { bytes: b, size: b.length, sha256: sha256(b) };
      }, 'pack-invalid'],
      ['incomplete (a snapshot it does not contain)', () => ({ ...good, snapshot: { ...snapshot, worktreeCommit: 'e'.repeat(40) } }), 'pack-incomplete'],
      ['not matching its manifest', () => ({ ...good, snapshot: { ...snapshot, worktreeTree: snapshot.indexTree } }), 'manifest-invalid'],
    ];
    it.each(cases)('%s', async (_name, make, code) => {
      const before = objectStoreState(dest);
      const p = make();
      const err = await receivePack(dest, { pack: { bytes: p.bytes }, size: p.size, sha256: p.sha256, maxBytes: p.maxBytes, snapshot: p.snapshot ?? snapshot }).catch((e) => e);
      expect(err.code).toBe(code);
      expect(err.hint).toBeTruthy();
      expect(objectStoreState(dest)).toEqual(before);
    });
  });

  it.each([
    ['a "../" entry', [{ mode: '100644', name: '..', content: 'x' }], 'pack-invalid', /hasDotdot/],
    ['a ".git" entry', [{ mode: '40000', name: '.git', children: [{ mode: '100644', name: 'config', content: '[core]\n' }] }], 'pack-invalid', /hasDotgit/],
    ['a ".GIT" entry', [{ mode: '40000', name: '.GIT', children: [{ mode: '100644', name: 'config', content: '[core]\n' }] }], 'pack-invalid', /hasDotgit/],
    ['an absolute-looking name with slashes', [{ mode: '100644', name: '/etc/x', content: 'x' }], 'pack-invalid', /fullPathname/],
    ['a symlink and a directory of the same name', [
      { mode: '120000', name: 'out', content: '/tmp' },
      { mode: '40000', name: 'out', children: [{ mode: '100644', name: 'x', content: 'x' }] },
    ], 'pack-invalid', /duplicateEntries/],
    ['a symlink and a directory differing only in case', [
      { mode: '120000', name: 'OUT', content: '/tmp' },
      { mode: '40000', name: 'out', children: [{ mode: '100644', name: 'x', content: 'x' }] },
    ], 'unsafe-path', /written through the symlink OUT/],
  ] as [string, CraftedEntry[], string, RegExp][])('refuses a pack whose snapshot tree has %s, storing nothing', async (_name, entries, code, why) => {
    const source = path.join(root, `crafted-${Math.random().toString(36).slice(2)}`);
    write(source, 'a.txt', 'a\n');
    g(root, 'init', '-q', source);
    g(source, 'add', '-A');
    g(source, 'commit', '-q', '-m', 'a');
    const dest = `${source}-dest`;
    g(root, 'clone', '-q', '--no-local', source, dest);
    const m = craftSnapshot(source, 'evil', entries);
    const pack = await buildPack(source, { wants: [m.worktreeCommit], haves: await listHaves(dest) });
    const before = objectStoreState(dest);
    const err = await receivePack(dest, { pack: { bytes: pack.bytes }, size: pack.size, sha256: pack.sha256, snapshot: m }).catch((e) => e);
    // git's fsck rules (index-pack --strict) catch most; the case-folded symlink prefix is ours.
    expect(err.code).toBe(code);
    expect(err.message).toMatch(why);
    expect(objectStoreState(dest)).toEqual(before);
    expect(readdirSync(path.join(dest, '.git', 'objects')).filter((n) => n.startsWith('tmp_'))).toEqual([]);
  });
});

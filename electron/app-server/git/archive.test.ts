import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportArchive, importArchive, readArchive } from './archive';
import { packObjects } from './packs';
import { g, gitView, isolateGit, makeScenario, removeTree, sourceFingerprint, visibleFiles, walk, write } from './test-repos';
import { craftSnapshot, objectStoreState, type CraftedEntry } from './test-crafted';

let root: string;
beforeAll(() => {
  root = isolateGit();
});
afterAll(() => removeTree(root));

const events = Buffer.from(
  [
    { rev: 1, at: '2026-11-24T12:00:00.000Z', epoch: 0, kind: 'status_changed', status: 'idle' },
    { rev: 2, at: '2026-11-24T12:00:01.000Z', epoch: 0, kind: 'turn_started', turnId: 'u1' },
  ]
    .map((e) => JSON.stringify(e) + '\n')
    .join(''),
);

/**
 * An independent writer that follows PROTOCOL.md §3 byte for byte, used to build archives the
 * real writer never would (crafted manifests and packs with valid hashes).
 */
function writeArchiveFile(file: string, thread: string, parts: { name: string; bytes: Buffer }[]): void {
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const header = Buffer.from(
    JSON.stringify({ format: 'baton-archive', version: 1, thread, createdAt: '2026-11-24T12:00:00.000Z', parts: parts.map((p) => ({ name: p.name, size: p.bytes.length, sha256: sha(p.bytes) })) }),
  );
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  const body = Buffer.concat([Buffer.from('BATONAR\x01', 'latin1'), len, header, ...parts.map((p) => p.bytes)]);
  writeFileSync(file, Buffer.concat([body, createHash('sha256').update(body).digest()]));
}

/** Destination state that a refused import must leave exactly as it was. */
function destState(dest: string, batonHome: string, outside: string) {
  return {
    store: objectStoreState(dest),
    worktrees: g(dest, 'worktree', 'list', '--porcelain'),
    checkout: sourceFingerprint(dest),
    home: existsSync(batonHome) ? walk(batonHome, false) : null,
    outside: walk(outside, true),
  };
}

describe('exportArchive / importArchive', () => {
  it('carries a thread whole: events byte for byte and the Git state exactly', async () => {
    const { source, dest } = makeScenario(path.join(root, 'roundtrip'));
    const batonHome = path.join(root, 'roundtrip', 'home');
    const before = sourceFingerprint(source);
    const file = path.join(root, 'roundtrip', 'work.baton');
    const exported = await exportArchive({ repoDir: source, thread: 't1', events, outFile: file, extraPaths: ['.env'] });
    expect(sourceFingerprint(source)).toEqual(before);
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    expect(exported.size).toBe(lstatSync(file).size);

    const r = await importArchive({ file, repoDir: dest, batonHome, project: 'proj' });
    expect(r.events.equals(events)).toBe(true);
    expect(r.restore.verification.exact).toBe(true);
    expect(r.manifest).toEqual(exported.manifest);
    expect(gitView(r.restore.worktreePath)).toEqual(gitView(source));
    expect(visibleFiles(r.restore.worktreePath)).toEqual(visibleFiles(source));
    g(dest, 'fsck', '--strict', '--no-progress', '--no-dangling');
    g(source, 'fsck', '--strict', '--no-progress', '--no-dangling');
  });

  it('brings a thread back: destination worktree → archive → the source repository', async () => {
    const dir = path.join(root, 'back');
    const { source, dest } = makeScenario(dir);
    write(source, '.baton/setup.sh', 'echo ran > setup-ran.txt\n');
    const f1 = path.join(dir, 'there.baton');
    await exportArchive({ repoDir: source, thread: 't1', events, outFile: f1 });
    const there = await importArchive({ file: f1, repoDir: dest, batonHome: path.join(dir, 'home-dest'), project: 'proj' });
    expect(there.setup).toBeNull(); // an archive's setup script does not run unless asked
    const wt = there.restore.worktreePath;
    write(wt, 'made-there.txt', 'agent output\n');
    g(wt, 'add', 'made-there.txt');
    write(wt, 'a.txt', 'edited there\n');

    const f2 = path.join(dir, 'back.baton');
    await exportArchive({ repoDir: wt, thread: 't1', events, outFile: f2 });
    const back = await importArchive({ file: f2, repoDir: source, batonHome: path.join(dir, 'home-src'), project: 'proj', runProjectSetup: true });
    // `feature` is checked out in the user's own checkout on the source: the thread lands detached beside it.
    expect(back.restore.placement).toMatchObject({ kind: 'detached', reason: 'checked-out-elsewhere' });
    expect(back.setup).toMatchObject({ ok: true });
    expect(readFileSync(path.join(back.restore.worktreePath, 'setup-ran.txt'), 'utf8')).toBe('ran\n');
    rmSync(path.join(back.restore.worktreePath, 'setup-ran.txt'));
    expect(gitView(back.restore.worktreePath)).toEqual(gitView(wt));
    expect(visibleFiles(back.restore.worktreePath)).toEqual(visibleFiles(wt));
  });

  it('exports only what the reader lacks when given its haves', async () => {
    const { source, dest } = makeScenario(path.join(root, 'haves'));
    const full = await exportArchive({ repoDir: source, thread: 't1', events, outFile: path.join(root, 'haves', 'full.baton') });
    const thin = await exportArchive({ repoDir: source, thread: 't1', events, outFile: path.join(root, 'haves', 'thin.baton'), haves: [g(dest, 'rev-parse', 'HEAD').trim()] });
    expect(thin.objectCount).toBeLessThan(full.objectCount);
  });

  it('a symlink pointing out, then a write through it on the next arrival, writes nothing outside', async () => {
    const dir = path.join(root, 'linkout');
    const { source, dest } = makeScenario(dir);
    const batonHome = path.join(dir, 'home');
    const outside = path.join(dir, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'precious.txt'), 'precious');
    const outsideBefore = walk(outside, true);
    symlinkSync(outside, path.join(source, 'out'));
    const f1 = path.join(dir, '1.baton');
    await exportArchive({ repoDir: source, thread: 't1', events, outFile: f1 });
    const r1 = await importArchive({ file: f1, repoDir: dest, batonHome, project: 'proj' });
    expect(lstatSync(path.join(r1.restore.worktreePath, 'out')).isSymbolicLink()).toBe(true);

    rmSync(path.join(source, 'out'));
    write(source, 'out/precious.txt', 'overwritten through the link');
    write(source, 'out/new.txt', 'new');
    const f2 = path.join(dir, '2.baton');
    await exportArchive({ repoDir: source, thread: 't1', events, outFile: f2 });
    const r2 = await importArchive({ file: f2, repoDir: dest, batonHome, project: 'proj' });
    expect(lstatSync(path.join(r2.restore.worktreePath, 'out')).isDirectory()).toBe(true);
    expect(walk(outside, true)).toEqual(outsideBefore);
    expect(visibleFiles(r2.restore.worktreePath)).toEqual(visibleFiles(source));
  });

  describe('refuses bad archives with nothing written', () => {
    const dir = () => path.join(root, 'bad');
    let source: string;
    let dest: string;
    let good: Buffer;
    let goodManifest: Record<string, unknown>;
    let goodPack: Buffer;
    const batonHome = () => path.join(dir(), 'home');
    const outside = () => path.join(dir(), 'outside');
    beforeAll(async () => {
      ({ source, dest } = makeScenario(dir()));
      mkdirSync(outside());
      writeFileSync(path.join(outside(), 'x'), 'x');
      const file = path.join(dir(), 'good.baton');
      const e = await exportArchive({ repoDir: source, thread: 't1', events, outFile: file });
      good = readFileSync(file);
      goodManifest = e.manifest as unknown as Record<string, unknown>;
      const a = await readArchive(file);
      goodPack = good.subarray(a.pack.offset, a.pack.offset + a.pack.size);
    });

    const crafted = (thread: string, entries: CraftedEntry[]) => async (file: string) => {
      const m = craftSnapshot(source, thread, entries);
      const pack = await packObjects(source, [m.worktreeCommit], []);
      writeArchiveFile(file, thread, [
        { name: 'manifest', bytes: Buffer.from(JSON.stringify(m)) },
        { name: 'events', bytes: events },
        { name: 'pack', bytes: pack },
      ]);
    };
    const withManifest = (patch: (m: Record<string, unknown>) => Record<string, unknown>, thread = 't1') => async (file: string) => {
      writeArchiveFile(file, thread, [
        { name: 'manifest', bytes: Buffer.from(JSON.stringify(patch(structuredClone(goodManifest)))) },
        { name: 'events', bytes: events },
        { name: 'pack', bytes: goodPack },
      ]);
    };

    const cases: [string, (file: string) => Promise<void> | void, string, { maxBytes?: number; project?: string }?][] = [
      ['truncated in a part', (f) => writeFileSync(f, good.subarray(0, good.length - 100)), 'archive-truncated'],
      ['truncated in the header', (f) => writeFileSync(f, good.subarray(0, 40)), 'archive-truncated'],
      ['not an archive', (f) => writeFileSync(f, Buffer.from('PACK but not really, just text')), 'archive-invalid'],
      ['trailing bytes', (f) => writeFileSync(f, Buffer.concat([good, Buffer.from('x')])), 'archive-invalid'],
      ['a pack byte changed', (f) => {
        const b = Buffer.from(good);
        b[b.length - 40]! ^= 1;
        writeFileSync(f, b);
      }, 'archive-tampered'],
      ['the header changed (same length)', (f) => {
        const b = Buffer.from(good);
        const at = b.indexOf('2026', 12);
        b[at + 3] = b[at + 3] === 0x36 ? 0x37 : 0x36;
        writeFileSync(f, b);
      }, 'archive-tampered'],
      ['the manifest changed with hashes recomputed', withManifest((m) => ({ ...m, worktreeTree: m.indexTree })), 'manifest-invalid'],
      ['over the size cap', (f) => writeFileSync(f, good), 'archive-too-large', { maxBytes: 1000 }],
      ['a header length over the limit', (f) => {
        const b = Buffer.from(good);
        b.writeUInt32BE(0x7fffffff, 8);
        writeFileSync(f, b);
      }, 'archive-invalid'],
      ['a header thread id escaping the worktrees folder', withManifest((m) => m, '../../escape'), 'archive-invalid'],
      ['a manifest thread id escaping the worktrees folder', withManifest((m) => ({ ...m, thread: '../x' })), 'manifest-invalid'],
      ['a branch name escaping refs/heads', withManifest((m) => ({ ...m, head: { ...(m.head as object), branch: 'refs/heads/../../config' } })), 'manifest-invalid'],
      ['a project key escaping the worktrees folder', (f) => writeFileSync(f, good), 'manifest-invalid', { project: '../..' }],
      ['a "../" tree entry', crafted('t2', [{ mode: '100644', name: '..', content: 'x' }]), 'pack-invalid'],
      ['an absolute path tree entry', crafted('t3', [{ mode: '100644', name: '/etc/passwd', content: 'x' }]), 'pack-invalid'],
      ['a ".git/" tree entry', crafted('t4', [{ mode: '40000', name: '.git', children: [{ mode: '100644', name: 'config', content: '[core]\n\tfsmonitor = touch /tmp/pwned\n' }] }]), 'pack-invalid'],
      ['a symlink pointing out and a write through it', crafted('t5', [
        { mode: '120000', name: 'out', content: '../../../outside' },
        { mode: '40000', name: 'out', children: [{ mode: '100644', name: 'x', content: 'pwned' }] },
      ]), 'pack-invalid'],
      ['a symlink pointing out and a write through it by another case', crafted('t6', [
        { mode: '120000', name: 'Out', content: '../../../outside' },
        { mode: '40000', name: 'out', children: [{ mode: '100644', name: 'x', content: 'pwned' }] },
      ]), 'unsafe-path'],
      ['a pack missing the snapshot\'s objects', withManifest((m) => ({ ...m, worktreeCommit: 'e'.repeat(40) })), 'pack-incomplete'],
    ];
    it.each(cases)('%s', async (name, make, code, extra) => {
      const file = path.join(dir(), `${name.replace(/\W+/g, '-')}.baton`);
      await make(file);
      const before = destState(dest, batonHome(), outside());
      const err = await importArchive({ file, repoDir: dest, batonHome: batonHome(), project: extra?.project ?? 'proj', maxBytes: extra?.maxBytes }).catch((e) => e);
      expect(err.code, String(err)).toBe(code);
      expect(err.hint).toBeTruthy();
      expect(destState(dest, batonHome(), outside())).toEqual(before);
      expect(existsSync(batonHome())).toBe(false);
    });
  });
});

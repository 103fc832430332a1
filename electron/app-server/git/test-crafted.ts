// Test support: snapshots with hand-made (malicious) trees, written with `hash-object --literally`
// because git's porcelain refuses to create them, and a view of an object store to prove that a
// refused pack stored nothing.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { SnapshotManifest } from '../../../shared/contracts/snapshot';
import { g } from './test-repos';

export interface CraftedEntry {
  mode: string;
  name: string;
  content?: string;
  children?: CraftedEntry[];
}

function hashObject(repo: string, type: string, data: Buffer): string {
  const r = spawnSync('git', ['hash-object', '--literally', '-t', type, '-w', '--stdin'], { cwd: repo, input: data });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return r.stdout.toString().trim();
}

function writeTree(repo: string, entries: CraftedEntry[]): string {
  const parts = entries.map((e) => {
    const oid = e.children ? writeTree(repo, e.children) : hashObject(repo, 'blob', Buffer.from(e.content ?? ''));
    return Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`, 'latin1'), Buffer.from(oid, 'hex')]);
  });
  return hashObject(repo, 'tree', Buffer.concat(parts));
}

/** A snapshot (index = working tree = the crafted tree) on top of the repo's HEAD. */
export function craftSnapshot(repo: string, thread: string, entries: CraftedEntry[]): SnapshotManifest {
  const tree = writeTree(repo, entries);
  const head = g(repo, 'rev-parse', 'HEAD').trim();
  const ic = g(repo, 'commit-tree', tree, '-p', head, '-m', 'i').trim();
  const wc = g(repo, 'commit-tree', tree, '-p', head, '-p', ic, '-m', 'w').trim();
  g(repo, 'update-ref', `refs/baton/snapshots/${thread}/evil`, wc);
  return {
    version: 1,
    thread,
    snapshotId: 'evil',
    createdAt: new Date().toISOString(),
    head: { commit: head, branch: 'refs/heads/evil', upstream: null },
    indexCommit: ic,
    indexTree: tree,
    worktreeCommit: wc,
    worktreeTree: tree,
    ref: `refs/baton/snapshots/${thread}/evil`,
    ignored: [],
    ignoredTruncated: false,
    extraPaths: [],
    intentToAdd: [],
  };
}

/** Packs, loose objects and refs of a repository. */
export function objectStoreState(repo: string): Record<string, unknown> {
  const objects = path.join(repo, '.git', 'objects');
  return {
    dirs: readdirSync(objects).sort(),
    packs: readdirSync(path.join(objects, 'pack')).sort(),
    refs: g(repo, 'for-each-ref'),
  };
}

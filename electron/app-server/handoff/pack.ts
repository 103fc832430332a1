// The packs of a handoff: what the destination lacks of a snapshot. git thins a pack by commit
// ancestry, but the destination's earlier snapshots of the same thread (the one pre-staged for
// this review, the one it restored last time, the one it sent when the thread left) are
// siblings of the new snapshot, not ancestors — both sit on a HEAD — so `pack-objects --revs`
// would send every file they already carry again (a 5 MB binary on every move). The objects
// those snapshots introduced are left out explicitly; the rest is git's own rev-list.
import { createHash } from 'node:crypto';
import { git, gitText } from '../git/git';
import { existingCommits, packObjectCount } from '../git/packs';
import { buildPack, type BuiltPack } from '../git/transfer';

export async function packForDestination(repo: string, opts: { want: string; haves: string[]; snapshots: string[] }): Promise<BuiltPack> {
  // The destination holds this very snapshot (pre-staged, nothing changed since): nothing to send.
  if (opts.snapshots.includes(opts.want)) return emptyPack();
  const haves = await existingCommits(repo, opts.haves);
  const snapshots = await existingCommits(repo, opts.snapshots);
  if (snapshots.length === 0) return buildPack(repo, { wants: [opts.want], haves });
  const bases = haves.filter((h) => !snapshots.includes(h));
  const objects = async (tips: string[], not: string[]) =>
    (await gitText(['rev-list', '--objects', ...tips, ...(not.length ? ['--not', ...not] : [])], { cwd: repo }))
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(0, 40));
  // What the snapshots added over the destination's branches: small (their own trees and files).
  const alreadyThere = new Set(await objects(snapshots, bases));
  const send = (await objects([opts.want], [...bases, ...snapshots])).filter((o) => !alreadyThere.has(o));
  // Nothing to send (the final snapshot is the pre-staged one) is a valid, empty pack.
  const bytes = (await git(['pack-objects', '--stdout', '-q', '--delta-base-offset'], { cwd: repo, input: send.length ? send.join('\n') + '\n' : '' })).stdout;
  return { bytes, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), objectCount: packObjectCount(bytes) };
}

/** A valid pack of no objects: header (PACK, version 2, 0 objects) and its SHA-1 trailer. */
function emptyPack(): BuiltPack {
  const header = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 0]);
  const bytes = Buffer.concat([header, createHash('sha1').update(header).digest()]);
  return { bytes, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), objectCount: 0 };
}

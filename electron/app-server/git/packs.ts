// Packs: build one with only the objects the other side lacks, and index one received.
import type { Readable } from 'node:stream';
import { git } from './git';

/**
 * A thin pack of everything reachable from `wants` and not from `haves`. Thin: deltas may use
 * bases the receiver already has, which `index-pack --fix-thin` completes on arrival.
 * Every `have` must exist here (see `existingCommits`).
 */
export async function packObjects(cwd: string, wants: string[], haves: string[]): Promise<Buffer> {
  const input = [...wants, ...haves.map((h) => `^${h}`)].join('\n') + '\n';
  const r = await git(['pack-objects', '--thin', '--stdout', '--revs', '--delta-base-offset', '-q'], { cwd, input });
  return r.stdout;
}

/** Objects in a pack, from its header ("PACK", version, count). */
export function packObjectCount(pack: Buffer): number {
  return pack.length >= 12 && pack.toString('latin1', 0, 4) === 'PACK' ? pack.readUInt32BE(8) : -1;
}

/** Which of these ids are commits in this repository. */
export async function existingCommits(cwd: string, oids: string[]): Promise<string[]> {
  if (oids.length === 0) return [];
  const out = await git(['cat-file', '--batch-check=%(objectname) %(objecttype)'], { cwd, input: oids.join('\n') + '\n' });
  return out.stdout
    .toString('utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .filter(([, type]) => type === 'commit')
    .map(([oid]) => oid!);
}

/**
 * Checks every object (`--strict`: fsck rules, including tree entry names like `..` and `.git`)
 * and writes the pack into the object store `env` designates. Returns the pack's hash.
 */
export async function indexPack(cwd: string, pack: Buffer | Readable, env: Record<string, string>): Promise<string> {
  const r = await git(['index-pack', '--strict', '--fix-thin', '--stdin'], { cwd, input: pack, env });
  return r.stdout.toString('utf8').trim().split(/\s+/).pop() ?? '';
}

/** Fails unless everything reachable from `tips` is present (`--not --all`: stop at what refs already reach). */
export async function assertConnected(cwd: string, tips: string[], env: Record<string, string>): Promise<void> {
  await git(['rev-list', '--objects', '--quiet', ...tips, '--not', '--all'], { cwd, env });
}

// The final pack of a handoff when the destination pre-staged the review's snapshot. git thins a
// pack by commit ancestry, and the review's snapshot commit is a sibling of the final one (both
// sit on HEAD), so `pack-objects --revs` would send every new file again. Here the objects the
// pre-staged snapshot introduced are left out explicitly; the rest is git's own rev-list.
import { createHash } from 'node:crypto';
import { git, gitText } from '../git/git';
import { existingCommits, packObjectCount } from '../git/packs';
import { buildPack, type BuiltPack } from '../git/transfer';

export async function packForDestination(repo: string, opts: { want: string; haves: string[]; prestaged: string | null }): Promise<BuiltPack> {
  const haves = await existingCommits(repo, opts.haves);
  if (!opts.prestaged || !haves.includes(opts.prestaged)) return buildPack(repo, { wants: [opts.want], haves });
  const others = haves.filter((h) => h !== opts.prestaged);
  const objects = async (tip: string, not: string[]) =>
    (await gitText(['rev-list', '--objects', tip, ...(not.length ? ['--not', ...not] : [])], { cwd: repo }))
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(0, 40));
  const alreadyThere = new Set(await objects(opts.prestaged, others));
  const send = (await objects(opts.want, haves)).filter((o) => !alreadyThere.has(o));
  // Nothing to send (the final snapshot is the pre-staged one) is a valid, empty pack.
  const bytes = (await git(['pack-objects', '--stdout', '-q', '--delta-base-offset'], { cwd: repo, input: send.length ? send.join('\n') + '\n' : '' })).stdout;
  return { bytes, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), objectCount: packObjectCount(bytes) };
}

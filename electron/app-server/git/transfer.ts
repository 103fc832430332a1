// Transfer: the destination says what it has, the source packs only what is missing, and the
// destination verifies the pack in a quarantine (a private object directory, the way
// `git receive-pack` does it) before a single object enters its repository.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SnapshotManifest } from '../../../shared/contracts/snapshot';
import { GitError } from './git';
import { GitStateError } from './errors';
import { repoPaths } from './repo';
import { commitTips } from './refs';
import { assertConnected, existingCommits, indexPack, packObjectCount, packObjects } from './packs';
import { checkSnapshotObjects } from './snapshot-objects';

/** Default cap on a pack (and an archive): 2 GiB. */
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024;

const HAVE_PREFIXES = ['refs/heads/', 'refs/remotes/', 'refs/tags/', 'refs/baton/'];

/** Commit ids this repository has at its ref tips (and HEAD): what the source may leave out. */
export async function listHaves(repoDir: string): Promise<string[]> {
  return commitTips(repoDir, HAVE_PREFIXES);
}

export interface BuiltPack {
  bytes: Buffer;
  size: number;
  sha256: string;
  objectCount: number;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A thin pack of what `wants` reach and the destination's `haves` do not. Haves this repository
 * does not know are ignored (they cannot be bases here anyway).
 */
export async function buildPack(repoDir: string, opts: { wants: string[]; haves: string[]; maxBytes?: number }): Promise<BuiltPack> {
  const haves = await existingCommits(repoDir, opts.haves);
  const bytes = await packObjects(repoDir, opts.wants, haves);
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (bytes.length > max) {
    throw new GitStateError('pack-too-large', `The Git objects to send are ${bytes.length} bytes, over the ${max}-byte limit.`, 'Raise the size limit, or commit and push large files through the remote first.');
  }
  return { bytes, size: bytes.length, sha256: sha256(bytes), objectCount: packObjectCount(bytes) };
}

const QUARANTINE_PREFIX = 'tmp_objdir-baton-';
const STALE_QUARANTINE_MS = 24 * 3600_000;

/** A receive cut short by a crash leaves its quarantine behind; a day later it is surely dead. */
async function removeStaleQuarantines(objectsDir: string): Promise<void> {
  for (const name of await readdir(objectsDir)) {
    if (!name.startsWith(QUARANTINE_PREFIX)) continue;
    const dir = path.join(objectsDir, name);
    const st = await stat(dir).catch(() => null);
    if (st && Date.now() - st.mtimeMs > STALE_QUARANTINE_MS) await rm(dir, { recursive: true, force: true });
  }
}

/** A pack to receive: in memory, or a byte range of a file (an archive part). */
export type PackSource = { bytes: Buffer } | { file: string; offset: number; size: number };

export interface ReceiveOptions {
  pack: PackSource;
  /** The sender's declared size and SHA-256: checked before git sees a byte. */
  size: number;
  sha256: string;
  maxBytes?: number;
  /** The snapshot the pack carries: it must be complete, match its manifest and have safe paths. */
  snapshot: SnapshotManifest;
}

async function hashSource(src: PackSource): Promise<{ size: number; sha256: string }> {
  if ('bytes' in src) return { size: src.bytes.length, sha256: sha256(src.bytes) };
  const h = createHash('sha256');
  let size = 0;
  if (src.size > 0) {
    for await (const chunk of createReadStream(src.file, { start: src.offset, end: src.offset + src.size - 1 })) {
      h.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  }
  return { size, sha256: h.digest('hex') };
}

/**
 * Verifies a pack and adds its objects to the repository. Order: size cap, hash, then
 * `index-pack --strict --fix-thin` into a quarantine, then completeness and path checks on the
 * quarantined objects, and only then the pack moves into the object store.
 */
export async function receivePack(repoDir: string, opts: ReceiveOptions): Promise<{ objectCount: number }> {
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (opts.size > max) {
    throw new GitStateError('pack-too-large', `The incoming pack is ${opts.size} bytes, over the ${max}-byte limit.`, 'Raise the size limit on this host if the pack is expected.');
  }
  const got = await hashSource(opts.pack);
  if (got.size !== opts.size) {
    throw new GitStateError('archive-truncated', `The pack is ${got.size} bytes but ${opts.size} were declared; it was cut short or padded.`, 'Send or export it again.');
  }
  if (got.sha256 !== opts.sha256) {
    throw new GitStateError('archive-tampered', `The pack's SHA-256 is ${got.sha256}, not the declared ${opts.sha256}; it was altered or damaged.`, 'Do not use this pack; send or export it again from the source.');
  }

  const paths = await repoPaths(repoDir);
  await removeStaleQuarantines(paths.objectsDir);
  const quarantine = await mkdtemp(path.join(paths.objectsDir, QUARANTINE_PREFIX));
  try {
    await mkdir(path.join(quarantine, 'pack'));
    const env = { GIT_OBJECT_DIRECTORY: quarantine, GIT_ALTERNATE_OBJECT_DIRECTORIES: alternatePath(paths.objectsDir) };
    const input = 'bytes' in opts.pack ? opts.pack.bytes : createReadStream(opts.pack.file, { start: opts.pack.offset, end: opts.pack.offset + opts.pack.size - 1 });
    try {
      await indexPack(paths.top, input, env);
    } catch (e) {
      if (e instanceof GitError) {
        throw new GitStateError('pack-invalid', `The incoming pack failed git's checks: ${e.stderr.trim().split('\n').slice(-2).join(' ')}`, 'Nothing was written. The pack is damaged or crafted; send it again from a trusted source.', { stderr: e.stderr });
      }
      throw e;
    }
    try {
      await assertConnected(paths.top, [opts.snapshot.worktreeCommit], env);
    } catch (e) {
      if (e instanceof GitError) {
        throw new GitStateError('pack-incomplete', `The incoming pack does not contain everything the snapshot needs: ${e.stderr.trim()}`, 'Nothing was written. Send it again, listing this host\'s haves afresh.', { stderr: e.stderr });
      }
      throw e;
    }
    await checkSnapshotObjects(paths.top, opts.snapshot, env);

    // .pack before .idx: git finds packs by their .idx, so the pack is complete when it appears.
    const files = await readdir(path.join(quarantine, 'pack'));
    const order = (f: string) => (f.endsWith('.pack') ? 0 : f.endsWith('.idx') ? 2 : 1);
    for (const f of files.sort((a, b) => order(a) - order(b))) {
      await rename(path.join(quarantine, 'pack', f), path.join(paths.objectsDir, 'pack', f));
    }
    const packFile = files.find((f) => f.endsWith('.pack'));
    return { objectCount: packFile ? await packFileObjectCount(path.join(paths.objectsDir, 'pack', packFile)) : 0 };
  } finally {
    await rm(quarantine, { recursive: true, force: true });
  }
}

/** The variable is a `:`-separated list; a path containing `:` or starting with `"` must be C-quoted. */
function alternatePath(p: string): string {
  return /[:"\\]/.test(p) ? `"${p.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : p;
}

/** Objects in a stored pack (after `--fix-thin` added the bases it borrowed). */
async function packFileObjectCount(file: string): Promise<number> {
  const fd = await open(file, 'r');
  try {
    const head = Buffer.alloc(12);
    await fd.read(head, 0, 12, 0);
    return packObjectCount(head);
  } finally {
    await fd.close();
  }
}

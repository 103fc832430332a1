// The Git state of a thread as it crosses a boundary: the snapshot manifest (what a capture
// recorded), the `.baton` archive header (what parts follow, with their sizes and hashes), and
// the error codes of capture/transfer/restore. Byte layout: PROTOCOL.md section 3.
import { z } from 'zod';
import { ThreadId } from './thread';

/** A full 40-hex SHA-1 object id (git's default object format; SHA-256 repositories are refused). */
export const ObjectId = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-hex git object id');
export type ObjectId = z.infer<typeof ObjectId>;

/** A fully qualified ref name (`refs/heads/x`); rules in shared/git/refs.ts, checked again by git. */
export const FullRefName = z.string().min(6).max(1024).regex(/^refs\//, 'expected a full ref name (refs/...)');

/** A single safe path component used to build BATON_HOME/worktrees/<project>/<thread>. */
export const ProjectKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, 'project keys are [A-Za-z0-9._-] and do not start with a dot');
export type ProjectKey = z.infer<typeof ProjectKey>;

export const SnapshotId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'snapshot ids are [A-Za-z0-9_-]');

export const SnapshotManifest = z.object({
  version: z.literal(1),
  thread: ThreadId,
  snapshotId: SnapshotId,
  createdAt: z.string(),
  head: z.object({
    commit: ObjectId,
    /** `refs/heads/<name>`, or null when HEAD was detached. */
    branch: FullRefName.nullable(),
    /** The branch's upstream (e.g. `refs/remotes/origin/x`) and where it pointed, if it has one. */
    upstream: z.object({ ref: FullRefName, commit: ObjectId.nullable() }).nullable(),
  }),
  /** Commit whose tree is the index (parent: head.commit). */
  indexCommit: ObjectId,
  indexTree: ObjectId,
  /** Commit whose tree is the working tree (parents: head.commit, indexCommit); the snapshot's tip. */
  worktreeCommit: ObjectId,
  worktreeTree: ObjectId,
  /** Where the source keeps it: refs/baton/snapshots/<thread>/<snapshotId>. */
  ref: FullRefName,
  /** Ignored paths left behind (directories end with `/`), for the review screen. */
  ignored: z.array(z.string()).max(100_000),
  /** True when `ignored` was cut at its maximum length. */
  ignoredTruncated: z.boolean(),
  /** Ignored paths the project asked to carry anyway. */
  extraPaths: z.array(z.string()),
  /** Paths staged with `git add -N` (intent to add): in the index but in neither tree. */
  intentToAdd: z.array(z.string()).max(100_000).default([]),
});
export type SnapshotManifest = z.infer<typeof SnapshotManifest>;

export const ArchivePartName = z.enum(['events', 'pack', 'manifest']);
export type ArchivePartName = z.infer<typeof ArchivePartName>;

export const ArchivePart = z.object({
  name: ArchivePartName,
  /** Bytes; the part's data follows the header in the order of `parts`. */
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ArchivePart = z.infer<typeof ArchivePart>;

export const ArchiveHeader = z
  .object({
    format: z.literal('baton-archive'),
    version: z.literal(1),
    thread: ThreadId,
    createdAt: z.string(),
    parts: z.array(ArchivePart).length(3),
  })
  .refine((h) => new Set(h.parts.map((p) => p.name)).size === 3, 'each part (events, pack, manifest) appears once');
export type ArchiveHeader = z.infer<typeof ArchiveHeader>;

export const GitStateErrorCode = z.enum([
  'not-a-repository',
  'operation-in-progress',
  'unmerged-paths',
  'no-commits',
  'git-failed',
  'pack-too-large',
  'pack-invalid',
  'pack-incomplete',
  'unsafe-path',
  'archive-invalid',
  'archive-truncated',
  'archive-tampered',
  'archive-too-large',
  'manifest-invalid',
  'branch-diverged',
  'branch-unrelated',
  'worktree-conflict',
]);
export type GitStateErrorCode = z.infer<typeof GitStateErrorCode>;

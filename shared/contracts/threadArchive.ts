// `thread/export` and `thread/import`: a thread (its event log) and its Git state in one `.baton`
// file (format: PROTOCOL.md §3), for hosts with no network path between them. They run on the
// app-server that owns the thread, and the file path is a path on that host.
import { z } from 'zod';
import { method, ThreadRef, ThreadSummary } from './rpc';

export const threadArchiveMethods = {
  'thread/export': method(
    'thread/export',
    z.object({
      thread: ThreadRef,
      /** Absolute path on the app-server's host. */
      file: z.string().min(1).max(4096),
      /** Replace an existing file (otherwise an existing file is an error). */
      overwrite: z.boolean().default(false),
    }),
    z.object({
      threadId: z.string(),
      file: z.string(),
      size: z.number().int().nonnegative(),
      revision: z.number().int().nonnegative(),
      branch: z.string().nullable(),
      objectCount: z.number().int().nonnegative(),
      /** Ignored files left behind (not in the archive). */
      ignored: z.array(z.string()),
    }),
  ),
  'thread/import': method(
    'thread/import',
    z.object({ file: z.string().min(1).max(4096) }),
    z.object({
      thread: ThreadSummary,
      worktreePath: z.string(),
      /** False when the thread's worktree on this host was reused. */
      created: z.boolean(),
      /** Where the branch landed: e.g. on the branch, or detached with the branch recorded. */
      placement: z.string(),
    }),
  ),
} as const;

// The destination's record of worktrees pre-staging filled: BATON_HOME/handoff/prepared/<thread>.json,
// one per thread, written whole (temp file + rename). Apply reads it to know which state of the
// worktree needs no backup; the cleanup (shared/handoff/prepared.ts) reads it to know what is
// whose and how old. A record that does not parse is dropped: losing one only means a backup
// too many or a worktree kept longer, never a lost change.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ThreadId } from '../../../shared/contracts/thread';
import { writePrivateFile } from '../transport/secure-file';

const Sha1 = z.string().regex(/^[0-9a-f]{40}$/);

export const PreparedRecord = z.object({
  thread: ThreadId,
  /** The operation whose review pre-staged it. */
  op: z.string(),
  /** ms since the epoch. */
  preparedAt: z.number().int().nonnegative(),
  /** The repository (the saved project's root) the worktree belongs to. */
  repo: z.string(),
  /** The pre-staged snapshot's commits, checked here (checkSnapshotObjects) when it arrived. */
  snapshot: z.object({ worktreeCommit: Sha1, indexCommit: Sha1 }),
  worktree: z.object({
    worktreePath: z.string(),
    head: Sha1,
    indexTree: Sha1,
    worktreeTree: Sha1,
    created: z.boolean(),
  }),
});
export type PreparedRecord = z.infer<typeof PreparedRecord>;

export class PreparedStore {
  private readonly dir: string;

  constructor(home: string) {
    this.dir = path.join(home, 'handoff', 'prepared');
  }

  private file(thread: string): string {
    return path.join(this.dir, `${ThreadId.parse(thread)}.json`);
  }

  get(thread: string): PreparedRecord | null {
    const file = this.file(thread);
    if (!existsSync(file)) return null;
    try {
      return PreparedRecord.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      rmSync(file, { force: true });
      return null;
    }
  }

  save(r: PreparedRecord): void {
    writePrivateFile(this.file(r.thread), JSON.stringify(PreparedRecord.parse(r)));
  }

  remove(thread: string): void {
    rmSync(this.file(thread), { force: true });
  }

  list(): PreparedRecord[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((n) => n.endsWith('.json') && ThreadId.safeParse(n.slice(0, -5)).success)
      .map((n) => this.get(n.slice(0, -5)))
      .filter((r): r is PreparedRecord => r !== null);
  }
}

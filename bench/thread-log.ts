// Thread logs of a given length for the handoff benchmarks: written straight into a host's
// ThreadStore (one create, fsync'd once) so that setting up a 100,000-item thread does not take
// 100,000 turns. The items are the mix a real thread has: messages, commands with output,
// file changes, plan updates.
import { randomUUID } from 'node:crypto';
import type { ThreadEvent } from '../shared/contracts/events.js';
import type { ProjectInfo } from '../shared/contracts/rpc.js';
import type { TranscriptItem } from '../shared/contracts/thread.js';
import type { ThreadStore } from '../electron/app-server/storage/threadStore.js';

export async function createLongThread(store: ThreadStore, o: { project: ProjectInfo; worktreePath: string; branch: string; items: number; hostId: string }): Promise<string> {
  const id = `bench-${randomUUID().slice(0, 8)}`;
  const at = new Date().toISOString();
  const events: ThreadEvent[] = [
    {
      rev: 1,
      at,
      epoch: 0,
      kind: 'thread_created',
      meta: {
        id,
        title: `bench thread of ${o.items} items`,
        project: { id: o.project.id, name: o.project.name, identity: o.project.identity, subdir: o.project.subdir },
        host: o.hostId,
        branch: o.branch,
        worktreePath: o.worktreePath,
        settings: {
          provider: 'offline',
          permissions: { name: 'default', approvalPolicy: 'on-request', sandbox: 'workspace-write', writableRoots: [] },
          hooks: { preToolUse: [], postToolUse: [] },
        },
        approvalRules: [{ tool: 'shell', pattern: 'npm test', grantedAt: at }],
        epoch: 0,
        createdAt: at,
      },
    },
  ];
  for (let i = 0; i < o.items; i++) {
    const base = { id: `item-${i}`, turnId: `turn-${Math.floor(i / 4)}`, at };
    const kind = i % 4;
    const item: TranscriptItem =
      kind === 0
        ? { ...base, type: 'user_message', text: `Please look at module ${i} and make the tests pass.` }
        : kind === 1
          ? { ...base, type: 'command_execution', command: `npm test -- mod${i}`, cwd: o.worktreePath, output: `PASS mod${i}.test.ts\n`.repeat(8), exitCode: 0, status: 'completed', durationMs: 1200 }
          : kind === 2
            ? { ...base, type: 'file_change', path: `src/mod${i}.ts`, kind: 'modify', diff: `--- a/src/mod${i}.ts\n+++ b/src/mod${i}.ts\n@@ -1 +1 @@\n-old ${i}\n+new ${i}\n`, status: 'applied' }
            : { ...base, type: 'agent_message', text: `Module ${i} is fixed; the tests pass. `.repeat(4) };
    events.push({ rev: events.length + 1, at, epoch: 0, kind: 'item_added', item });
    if (i % 100 === 99) {
      events.push({ rev: events.length + 1, at, epoch: 0, kind: 'plan_updated', plan: { steps: [{ step: `batch ${i}`, status: 'completed' }, { step: 'next batch', status: 'in_progress' }] } });
    }
  }
  await store.create(events);
  return id;
}

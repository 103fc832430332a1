// A small, valid thread log for tests that need one without a store: `thread_created` of thread
// `t1` (offline agent, default profile) at a fixed time, and the events that follow it.
import type { ThreadEvent } from '../contracts/events';

export const FIXED_AT = '2026-01-01T00:00:00.000Z';

export function threadCreated(id = 't1', at = FIXED_AT): ThreadEvent {
  return {
    rev: 1,
    at,
    epoch: 0,
    kind: 'thread_created',
    meta: {
      id,
      title: 'Fix the build',
      project: { id: 'p1', name: 'app', identity: 'github.com/acme/app', subdir: '' },
      host: 'local',
      branch: 'main',
      worktreePath: '/tmp/wt',
      settings: {
        provider: 'offline',
        permissions: { name: 'default', approvalPolicy: 'untrusted', sandbox: 'workspace-write', writableRoots: [] },
        hooks: { preToolUse: [], postToolUse: [] },
      },
      approvalRules: [],
      epoch: 0,
      createdAt: at,
    },
  };
}

// Human-readable rendering of threads and items for the terminal. --json bypasses all of it.
import type { ThreadSummary } from '../../shared/contracts/rpc';
import type { Plan, ThreadMeta, TranscriptItem } from '../../shared/contracts/thread';

export function formatPlan(plan: Plan): string {
  const mark = { pending: '[ ]', in_progress: '[~]', completed: '[x]' } as const;
  return plan.steps.map((s) => `  ${mark[s.status]} ${s.step}`).join('\n');
}

export function formatItem(item: TranscriptItem, answered: ReadonlyMap<string, string> = new Map()): string {
  switch (item.type) {
    case 'user_message':
      return item.text.split('\n').map((l) => `> ${l}`).join('\n');
    case 'agent_message':
      return item.text;
    case 'command_execution': {
      const state = item.status === 'completed' || item.status === 'failed' ? `exit ${item.exitCode ?? '?'}` : item.status;
      const out = item.output.replace(/\n$/, '');
      return `$ ${item.command}  (${state})${out ? `\n${out.split('\n').map((l) => `  ${l}`).join('\n')}` : ''}`;
    }
    case 'file_change':
      return `~ ${item.kind} ${item.path} (${item.status})${item.diff ? `\n${item.diff.replace(/\n$/, '').split('\n').map((l) => `  ${l}`).join('\n')}` : ''}`;
    case 'plan_update':
      return `plan:\n${formatPlan(item.plan)}`;
    case 'approval_request':
      return `? approval ${item.requestId}: ${item.summary} — ${answered.get(item.requestId) ?? 'waiting'}`;
    case 'approval_decision':
      return `  ${item.requestId}: ${item.decision}`;
    case 'system_event':
      return `· ${item.text}`;
    case 'turn_interrupted':
      return `✗ interrupted: ${item.reason}`;
  }
}

export function formatHeader(t: ThreadMeta): string {
  return [
    `${t.title}  [${t.status}]`,
    `  id ${t.id} · project ${t.project.name} · host ${t.host} · branch ${t.branch ?? '(detached)'} · rev ${t.revision}`,
    `  worktree ${t.worktreePath} · approval ${t.settings.permissions.approvalPolicy} · sandbox ${t.settings.permissions.sandbox} · agent ${t.settings.provider}`,
  ].join('\n');
}

export function formatThreadList(rows: readonly ThreadSummary[]): string {
  if (!rows.length) return 'No threads yet. Start one with `baton thread new --project <name>`.';
  return rows.map((r) => `${r.id}  ${r.status.padEnd(16)} ${r.project.name.padEnd(14)} ${r.title}${r.preview ? ` — ${r.preview}` : ''}`).join('\n');
}

/** Requests without a decision in the transcript, i.e. still waiting for `baton approve`. */
export function pendingApprovals(items: readonly TranscriptItem[]): Extract<TranscriptItem, { type: 'approval_request' }>[] {
  const answered = new Set(items.flatMap((i) => (i.type === 'approval_decision' ? [i.requestId] : [])));
  const closedTurns = new Set(items.flatMap((i) => (i.type === 'turn_interrupted' && i.turnId ? [i.turnId] : [])));
  return items.filter(
    (i): i is Extract<TranscriptItem, { type: 'approval_request' }> => i.type === 'approval_request' && !answered.has(i.requestId) && !(i.turnId && closedTurns.has(i.turnId)),
  );
}

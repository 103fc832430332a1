// The decisions of an attached session (`baton resume`), as pure functions: which thread
// `--last` means, and what one line of input does given the session's state. The session
// (session.ts) only performs what these return.
import type { ProjectInfo, ThreadSummary } from '../../../shared/contracts/rpc';

export type ApprovalDecision = 'allow' | 'deny' | 'always';

/** y/yes/allow, n/no/deny, a/always: the words a person or a script types at an approval prompt. */
export function parseApprovalAnswer(line: string): ApprovalDecision | null {
  const t = line.trim().toLowerCase();
  if (['y', 'yes', 'allow', 'ok'].includes(t)) return 'allow';
  if (['n', 'no', 'deny'].includes(t)) return 'deny';
  if (['a', 'always', 'always allow'].includes(t)) return 'always';
  return null;
}

export interface InputState {
  /** A turn is running on the thread. */
  running: boolean;
  /** Approval requests of the running turn still waiting, oldest first. */
  pending: readonly string[];
}

export type LineAction =
  | { kind: 'skip' }
  | { kind: 'command'; name: 'detach' | 'interrupt' | 'show' | 'help' }
  | { kind: 'unknown-command'; name: string }
  | { kind: 'answer'; requestId: string; decision: ApprovalDecision }
  | { kind: 'bad-answer'; requestId: string }
  /** Hold the line until the running turn ends. */
  | { kind: 'wait' }
  | { kind: 'turn'; text: string };

const COMMANDS = { '/detach': 'detach', '/exit': 'detach', '/quit': 'detach', '/interrupt': 'interrupt', '/show': 'show', '/help': 'help' } as const;

/**
 * What one line does. A waiting approval takes the line as its answer; while a turn runs, a
 * message waits for it to end (never a second concurrent turn); otherwise it starts a turn.
 * Slash commands act at once, whatever the state.
 */
export function decideLine(state: InputState, line: string): LineAction {
  const text = line.replace(/\r$/, '');
  const trimmed = text.trim();
  if (!trimmed) return { kind: 'skip' };
  if (/^\/[a-z]+$/.test(trimmed)) {
    const name = COMMANDS[trimmed as keyof typeof COMMANDS];
    return name ? { kind: 'command', name } : { kind: 'unknown-command', name: trimmed };
  }
  const requestId = state.pending[0];
  if (requestId !== undefined) {
    const decision = parseApprovalAnswer(trimmed);
    return decision ? { kind: 'answer', requestId, decision } : { kind: 'bad-answer', requestId };
  }
  if (state.running) return { kind: 'wait' };
  return { kind: 'turn', text };
}

export type CtrlCAction = 'interrupt' | 'detach';

/** First Ctrl-C stops the running turn; a second one (or one when nothing runs) detaches. */
export function decideCtrlC(running: boolean, interruptRequested: boolean): CtrlCAction {
  return running && !interruptRequested ? 'interrupt' : 'detach';
}

function within(dir: string, root: string): boolean {
  const d = dir.replace(/\/+$/, '') || '/';
  const r = root.replace(/\/+$/, '') || '/';
  return d === r || d.startsWith(r === '/' ? '/' : `${r}/`);
}

/** The saved project whose folder holds `dir` (the deepest one, when projects nest). Paths are the host's. */
export function projectForDir(projects: readonly ProjectInfo[], dir: string): ProjectInfo | null {
  let best: ProjectInfo | null = null;
  let bestLen = -1;
  for (const p of projects) {
    const folder = p.subdir ? `${p.root.replace(/\/+$/, '')}/${p.subdir}` : p.root;
    if (within(dir, folder) && folder.length > bestLen) {
      best = p;
      bestLen = folder.length;
    }
  }
  return best;
}

/** The most recently updated thread (ties: the later created, then the greater id, so it is deterministic). */
export function mostRecent(threads: readonly ThreadSummary[]): ThreadSummary | null {
  let best: ThreadSummary | null = null;
  for (const t of threads) {
    if (t.status === 'moved' || t.archived) continue;
    if (!best || t.updatedAt > best.updatedAt || (t.updatedAt === best.updatedAt && (t.createdAt > best.createdAt || (t.createdAt === best.createdAt && t.id > best.id)))) best = t;
  }
  return best;
}

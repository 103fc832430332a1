// PreToolUse / PostToolUse hooks: commands from the thread's settings, run with `/bin/sh -c` in
// the worktree, the tool call as JSON on stdin (the shape Claude Code and Codex hooks read:
// hook_event_name, tool_name, tool_input, plus tool_response after the call).
// A PreToolUse hook that exits non-zero, times out or cannot start blocks the call: failing
// closed, because a hook is usually someone's guard rail.
import type { HookCommand } from '../../../shared/contracts/thread';
import { runProcess } from './tools/process';

export interface HookPayload {
  hook_event_name: 'PreToolUse' | 'PostToolUse';
  tool_name: string;
  tool_input: unknown;
  tool_response?: unknown;
  thread_id: string;
  turn_id: string;
  cwd: string;
}

export type HookOutcome = { ok: true } | { ok: false; command: string; message: string };

export function hooksFor(hooks: readonly HookCommand[], tool: string): HookCommand[] {
  return hooks.filter((h) => h.matcher.length === 0 || h.matcher.includes(tool));
}

/** Runs the matching hooks in order; stops at the first failure. */
export async function runHooks(
  hooks: readonly HookCommand[],
  payload: HookPayload,
  signal: AbortSignal,
): Promise<HookOutcome> {
  for (const hook of hooksFor(hooks, payload.tool_name)) {
    let r;
    try {
      r = await runProcess({
        argv: ['/bin/sh', '-c', hook.command],
        cwd: payload.cwd,
        stdin: JSON.stringify(payload),
        timeoutMs: hook.timeoutMs,
        signal,
      });
    } catch (e) {
      return { ok: false, command: hook.command, message: `could not start: ${(e as Error).message}` };
    }
    if (r.aborted) return { ok: false, command: hook.command, message: 'interrupted' };
    if (r.timedOut) return { ok: false, command: hook.command, message: `timed out after ${hook.timeoutMs} ms` };
    if (r.exitCode !== 0) {
      const why = r.stderr.trim() || r.stdout.trim() || '(no output)';
      return { ok: false, command: hook.command, message: `exited ${r.exitCode ?? r.signal}: ${why}` };
    }
  }
  return { ok: true };
}

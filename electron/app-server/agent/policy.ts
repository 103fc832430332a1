// Whether a tool call runs, waits for the user, or is refused: one pure decision over the
// thread's permission profile, what the sandbox can enforce on this host, and the standing
// "always" rules. The table in policy.test.ts lists every case.
//
// The rule, in words:
//   - Reading files and updating the plan never ask (paths are still confined to the worktree).
//   - `untrusted`: ask before every command and every file write.
//   - `on-request`: ask only for what the sandbox does not already allow or cannot enforce:
//       full-access      → nothing asks;
//       workspace-write  → file writes (always inside the worktree/writable roots) run; commands
//                          run without asking when bwrap confines them, and ask when it cannot;
//       read-only        → file writes ask (an approval lets that one write through); commands
//                          run without asking when confined read-only, and ask when not.
//   - `never`: never ask. What the profile forbids fails instead: file writes under read-only
//     are refused; commands run, confined when the sandbox is enforced (a write inside a
//     read-only sandbox then fails in the command itself).
//   - Host tools (hostTools.ts) that change something outside the worktree — `handoff_thread`
//     moves another thread to another host — are never covered by a sandbox, so only
//     `full-access` lets them run unasked: `untrusted` and `on-request` ask, and `never`
//     refuses them unless the profile is full-access. Host tools that only look
//     (`handoff_status`) are reads and never ask.
// A standing rule turns an `ask` into `run` for exactly its tool and pattern; it never turns a
// `refuse` into anything else (rules never widen what the profile allows).
import type { ApprovalPolicy, ApprovalRule, SandboxMode } from '../../../shared/contracts/thread';

export type ToolAction =
  | { kind: 'command'; command: string }
  /** `paths` relative to the worktree (or absolute, inside a writable root). */
  | { kind: 'write'; tool: 'write_file' | 'apply_patch'; paths: readonly string[] }
  | { kind: 'read' }
  | { kind: 'plan' }
  /**
   * A consequential host tool call (hostTools.ts). `summary` is the approval card's sentence;
   * `pattern` what an "always" answer grants (e.g. the destination host of a handoff).
   */
  | { kind: 'host'; tool: string; summary: string; pattern: string };

export interface PolicyInput {
  policy: ApprovalPolicy;
  sandbox: SandboxMode;
  /** Whether commands can be confined on this host (see sandbox.ts probeSandbox). */
  sandboxEnforced: boolean;
  action: ToolAction;
  rules: readonly ApprovalRule[];
}

export type PolicyDecision =
  | { decision: 'run'; byRule?: true }
  | { decision: 'ask'; tool: string; pattern: string; summary: string }
  | { decision: 'refuse'; reason: string };

export function decideApproval(input: PolicyInput): PolicyDecision {
  const { action } = input;
  if (action.kind === 'read' || action.kind === 'plan') return { decision: 'run' };
  const base = baseDecision(input);
  if (base !== 'ask') return base === 'run' ? { decision: 'run' } : { decision: 'refuse', reason: refuseReason(input) };
  const tool = toolName(action);
  const pattern = patternFor(action);
  if (input.rules.some((r) => ruleCovers(r, action))) return { decision: 'run', byRule: true };
  return { decision: 'ask', tool, pattern, summary: summaryFor(input) };
}

function baseDecision({ policy, sandbox, sandboxEnforced, action }: PolicyInput): 'run' | 'ask' | 'refuse' {
  if (action.kind === 'host') {
    // No sandbox reaches another thread or another host: only full-access already allows it.
    if (policy === 'untrusted') return 'ask';
    if (sandbox === 'full-access') return 'run';
    return policy === 'never' ? 'refuse' : 'ask';
  }
  const isWrite = action.kind === 'write';
  switch (policy) {
    case 'untrusted':
      return 'ask';
    case 'never':
      return isWrite && sandbox === 'read-only' ? 'refuse' : 'run';
    case 'on-request':
      if (sandbox === 'full-access') return 'run';
      if (isWrite) return sandbox === 'read-only' ? 'ask' : 'run';
      return sandboxEnforced ? 'run' : 'ask';
  }
}

function refuseReason({ action, sandbox }: PolicyInput): string {
  if (action.kind === 'host') {
    return `Refused: ${action.tool} acts outside this thread's worktree, which the ${sandbox} profile does not allow, and the approval policy is "never", so nobody can be asked. Switch the thread to a full-access profile or an approval policy that asks.`;
  }
  const what = action.kind === 'write' ? `write ${action.paths.join(', ')}` : 'do this';
  return `Refused: the permission profile is read-only and the approval policy is "never", so Baton may not ${what}. Switch the thread to a workspace-write profile or an approval policy that asks.`;
}

export function toolName(action: ToolAction): string {
  switch (action.kind) {
    case 'command':
      return 'shell';
    case 'write':
      return action.tool;
    case 'read':
      return 'read_file';
    case 'plan':
      return 'update_plan';
    case 'host':
      return action.tool;
  }
}

/**
 * What an "always" answer grants. Commands: the exact command text. Writes: the file's path;
 * for a patch touching several files, their deepest common directory ("src/") — or "*" (any
 * path) when they share none — which the approval card states before the user chooses.
 */
export function patternFor(action: ToolAction): string {
  if (action.kind === 'command') return action.command;
  if (action.kind === 'host') return action.pattern;
  if (action.kind !== 'write') return '*';
  if (action.paths.length === 1) return action.paths[0]!;
  const split = action.paths.map((p) => p.split('/').slice(0, -1));
  const common: string[] = [];
  for (let i = 0; split.every((s) => i < s.length && s[i] === split[0]![i]); i++) common.push(split[0]![i]!);
  return common.length ? common.join('/') + '/' : '*';
}

/** Does a standing rule cover this action? Same tool, and for writes every path is covered. */
export function ruleCovers(rule: ApprovalRule, action: ToolAction): boolean {
  if (rule.tool !== toolName(action)) return false;
  if (action.kind === 'command') return rule.pattern === action.command;
  if (action.kind === 'host') return rule.pattern === action.pattern;
  if (action.kind !== 'write') return true;
  return action.paths.every((p) => rule.pattern === '*' || rule.pattern === p || (rule.pattern.endsWith('/') && p.startsWith(rule.pattern)));
}

function summaryFor({ policy, sandbox, action }: PolicyInput): string {
  // A host tool's card says why it asks: nothing confines it, whatever the policy.
  if (action.kind === 'host') return policy === 'on-request' ? `${action.summary} (outside the ${sandbox} sandbox)` : action.summary;
  let what: string;
  if (action.kind === 'command') what = `Run \`${action.command}\``;
  else if (action.kind === 'write') {
    what = action.tool === 'write_file' ? `Write ${action.paths.join(', ')}` : `Apply a patch to ${action.paths.join(', ')}`;
  } else what = toolName(action);
  if (policy !== 'on-request') return what;
  if (action.kind === 'write') return `${what} (the profile is read-only)`;
  // on-request only asks for a command when the sandbox cannot confine it.
  return `${what} (unsandboxed: the ${sandbox} sandbox is not enforced on this host)`;
}

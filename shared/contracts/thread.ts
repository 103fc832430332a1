// The thread model: declared once here, validated with zod at every boundary (RPC, event log on
// disk, archives, the renderer bridge). Types are derived from the schemas, never written twice.
import { z } from 'zod';

export const ThreadId = z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, 'thread ids are [A-Za-z0-9_-]');
export type ThreadId = z.infer<typeof ThreadId>;

/** Where a thread lives. `local` is "This computer"; other ids are saved SSH host names. */
export const HostId = z.string().min(1).max(128);
export type HostId = z.infer<typeof HostId>;

export const ThreadStatus = z.enum(['idle', 'running', 'waiting-approval', 'handing-off', 'moved']);
export type ThreadStatus = z.infer<typeof ThreadStatus>;

export const ApprovalPolicy = z.enum(['untrusted', 'on-request', 'never']);
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

export const SandboxMode = z.enum(['read-only', 'workspace-write', 'full-access']);
export type SandboxMode = z.infer<typeof SandboxMode>;

export const PermissionProfile = z.object({
  name: z.string().min(1),
  approvalPolicy: ApprovalPolicy,
  sandbox: SandboxMode,
  /** Extra directories the agent may write besides the worktree (paths on the owning host). */
  writableRoots: z.array(z.string()).default([]),
});
export type PermissionProfile = z.infer<typeof PermissionProfile>;

export const HookCommand = z.object({
  /** Tool names this hook applies to; empty = every tool. */
  matcher: z.array(z.string()).default([]),
  /** Run with `/bin/sh -c` in the worktree; the tool call arrives as JSON on stdin. */
  command: z.string().min(1),
  timeoutMs: z.number().int().positive().max(600_000).default(30_000),
});
export type HookCommand = z.infer<typeof HookCommand>;

export const AgentProvider = z.enum(['offline', 'openai-compatible']);
export type AgentProvider = z.infer<typeof AgentProvider>;

export const AgentSettings = z.object({
  provider: AgentProvider,
  model: z.string().optional(),
  baseUrl: z.string().optional(),
  /** Name of the environment variable holding the API key, never the key itself. */
  apiKeyEnv: z.string().optional(),
  permissions: PermissionProfile,
  /**
   * Where the agent's commands start, an absolute path on the owning host (`baton resume --cd`);
   * absent = the worktree. A path that does not exist on the host (e.g. after a move) falls back
   * to the worktree with a notice.
   */
  cwd: z.string().optional(),
  hooks: z
    .object({ preToolUse: z.array(HookCommand).default([]), postToolUse: z.array(HookCommand).default([]) })
    .default({ preToolUse: [], postToolUse: [] }),
});
export type AgentSettings = z.infer<typeof AgentSettings>;

/** A standing grant made with "always allow": it never widens when a thread moves. */
export const ApprovalRule = z.object({
  tool: z.string().min(1),
  /** For `shell`: the exact command (argv joined) that is always allowed; for other tools: a path prefix or `*`. */
  pattern: z.string().min(1),
  grantedAt: z.string(),
});
export type ApprovalRule = z.infer<typeof ApprovalRule>;

export const PlanStep = z.object({
  step: z.string(),
  status: z.enum(['pending', 'in_progress', 'completed']),
});
export type PlanStep = z.infer<typeof PlanStep>;

export const Plan = z.object({ steps: z.array(PlanStep), explanation: z.string().optional() });
export type Plan = z.infer<typeof Plan>;

const ItemBase = {
  id: z.string().min(1),
  /** The turn that produced it; absent for items outside a turn (system events). */
  turnId: z.string().optional(),
  at: z.string(),
};

export const CommandStatus = z.enum(['running', 'completed', 'failed', 'declined', 'interrupted', 'blocked']);

export const TranscriptItem = z.discriminatedUnion('type', [
  z.object({ ...ItemBase, type: z.literal('user_message'), text: z.string() }),
  z.object({ ...ItemBase, type: z.literal('agent_message'), text: z.string() }),
  z.object({
    ...ItemBase,
    type: z.literal('command_execution'),
    command: z.string(),
    cwd: z.string(),
    output: z.string(),
    exitCode: z.number().int().nullable(),
    status: CommandStatus,
    durationMs: z.number().nonnegative().optional(),
  }),
  z.object({
    ...ItemBase,
    type: z.literal('file_change'),
    path: z.string(),
    kind: z.enum(['add', 'modify', 'delete']),
    diff: z.string(),
    status: z.enum(['applied', 'declined', 'failed', 'blocked']).default('applied'),
  }),
  z.object({ ...ItemBase, type: z.literal('plan_update'), plan: Plan }),
  z.object({
    ...ItemBase,
    type: z.literal('approval_request'),
    requestId: z.string().min(1),
    tool: z.string(),
    /** What will happen, in words a person can judge ("Run `rm -rf build`"). */
    summary: z.string(),
    /** The pattern an "always" answer would grant (see ApprovalRule.pattern). */
    pattern: z.string(),
  }),
  z.object({
    ...ItemBase,
    type: z.literal('approval_decision'),
    requestId: z.string().min(1),
    decision: z.enum(['allow', 'deny', 'always']),
  }),
  z.object({
    ...ItemBase,
    type: z.literal('system_event'),
    event: z.enum(['created', 'forked', 'handed_off', 'received', 'notice', 'error']),
    text: z.string(),
    from: HostId.optional(),
    to: HostId.optional(),
  }),
  z.object({ ...ItemBase, type: z.literal('turn_interrupted'), reason: z.string() }),
]);
export type TranscriptItem = z.infer<typeof TranscriptItem>;
export type TranscriptItemType = TranscriptItem['type'];

export const ProjectRef = z.object({
  /** Local id of the saved project on the host that owns the thread. */
  id: z.string().min(1),
  name: z.string().min(1),
  /** Repository identity + subdirectory; see shared/projects/identity.ts. */
  identity: z.string().min(1),
  subdir: z.string(),
});
export type ProjectRef = z.infer<typeof ProjectRef>;

/** The metadata of a thread: everything except its transcript and plan history. */
export const ThreadMeta = z.object({
  id: ThreadId,
  title: z.string(),
  project: ProjectRef,
  host: HostId,
  branch: z.string().nullable(),
  worktreePath: z.string(),
  status: ThreadStatus,
  settings: AgentSettings,
  approvalRules: z.array(ApprovalRule),
  /** Revision of the last event applied: strictly increasing by 1 per event. */
  revision: z.number().int().nonnegative(),
  /** Ownership epoch, the fencing token of handoff: bumped on every change of owner. */
  epoch: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean(),
  /** Set when status is `moved`: where the thread lives now. */
  movedTo: HostId.optional(),
  /** The turn in progress, if any. */
  activeTurnId: z.string().nullable(),
  forkedFrom: z.object({ threadId: ThreadId, itemId: z.string().optional() }).optional(),
});
export type ThreadMeta = z.infer<typeof ThreadMeta>;

export const PlanVersion = z.object({ revision: z.number().int(), at: z.string(), plan: Plan });
export type PlanVersion = z.infer<typeof PlanVersion>;

export const Thread = ThreadMeta.extend({
  items: z.array(TranscriptItem),
  planHistory: z.array(PlanVersion),
});
export type Thread = z.infer<typeof Thread>;

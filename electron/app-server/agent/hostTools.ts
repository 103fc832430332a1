// Host tools: tools the app-server lends the agent beyond the worktree ones, such as the
// handoff extension's `handoff_thread` / `handoff_status`. The runtime knows nothing about what
// they do: each brings its name, its arguments (a zod schema declared in shared/), how the
// approval policy should weigh a call, and a `run`. They go through the same ToolRunner path as
// every other tool (owner check, hooks, approval, transcript, PostToolUse).
//
// The registry binds late on purpose: the thread service exists before the extensions that
// register tools (handoff registers after it), and a turn reads the list when it starts.
import { z } from 'zod';

/** How the approval policy (policy.ts) weighs one call. */
export type HostToolApproval =
  /** Only looks (like read_file): never asks. */
  | { kind: 'read' }
  /** Changes something outside the worktree: asks or is refused unless the profile is full-access. */
  | { kind: 'consequential'; summary: string; pattern: string };

export interface HostTool<A = any> {
  name: string;
  /** For the model (tool spec) and the README. */
  description: string;
  args: z.ZodType<A>;
  approval(args: A): HostToolApproval;
  /**
   * A refusal known before asking anybody (a thread moving itself, a host that cannot take it),
   * as one sentence for the model; null when the call may go ahead. Checked again by `run`: this
   * only spares the user an approval card for something that cannot happen.
   */
  precheck?(callerThreadId: string, args: A): Promise<string | null>;
  /** Does it. The result goes back to the model as JSON; a thrown error as its message (and hint). */
  run(callerThreadId: string, args: A, signal: AbortSignal): Promise<unknown>;
}

/** Names of the runtime's own tools: a host tool may not shadow them. */
export const BUILTIN_TOOLS = ['shell', 'write_file', 'apply_patch', 'read_file', 'update_plan'] as const;

export class HostToolRegistry {
  private readonly tools = new Map<string, HostTool>();

  register(...tools: HostTool[]): void {
    for (const t of tools) {
      if (!/^[a-z][a-z0-9_]{0,63}$/.test(t.name)) throw new Error(`Host tool name "${t.name}" must be lower_snake_case (a-z, 0-9, _), at most 64 characters.`);
      if ((BUILTIN_TOOLS as readonly string[]).includes(t.name) || this.tools.has(t.name)) {
        throw new Error(`A tool named "${t.name}" already exists; host tools need unique names.`);
      }
    }
    for (const t of tools) this.tools.set(t.name, t);
  }

  /** What a turn starting now gets. */
  list(): readonly HostTool[] {
    return [...this.tools.values()];
  }
}

/** The Chat Completions function spec of a host tool: its zod schema as JSON Schema. */
export function hostToolSpec(tool: HostTool) {
  const { $schema: _drop, ...parameters } = z.toJSONSchema(tool.args, { io: 'input' }) as Record<string, unknown>;
  return { type: 'function' as const, function: { name: tool.name, description: tool.description, parameters } };
}

/** A thrown error as the model should read it: what happened and what to do, with its stable code. */
export function errorText(e: unknown): string {
  if (e instanceof z.ZodError) return `Invalid arguments: ${z.prettifyError(e)}`;
  if (!(e instanceof Error)) return String(e);
  const { code, kind, hint } = e as Error & { code?: unknown; kind?: unknown; hint?: unknown };
  const word = typeof code === 'string' ? code : typeof kind === 'string' ? kind : null;
  return `${word ? `[${word}] ` : ''}${e.message}${typeof hint === 'string' && hint ? ` ${hint}` : ''}`;
}

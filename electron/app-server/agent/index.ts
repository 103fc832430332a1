// The agent runtime's front door: `createAgent(settings)` gives the thread service an Agent for
// a thread's settings. The provider decides *what* to do; the ToolRunner decides whether and
// how it may happen (hooks, approvals, sandbox, paths) — the same for every provider.
import { existsSync } from 'node:fs';
import type { AgentSettings } from '../../../shared/contracts/thread';
import { runOfflineTurn } from './providers/offline';
import { runOpenAITurn } from './providers/openaiCompatible';
import { probeSandbox, type SandboxStatus } from './sandbox';
import { ToolRunner } from './toolRunner';
import type { Agent, TurnContext } from './types';

export type { Agent, TurnContext, TurnIO, ApprovalAsk, ApprovalAnswer } from './types';
export { HostToolRegistry, type HostTool, type HostToolApproval } from './hostTools';
export { ProviderError } from './providers/chatStream';
export { probeSandbox, type SandboxStatus } from './sandbox';
export { killTurnLeftovers } from './tools/process';

export interface AgentDeps {
  /** Whether commands can be confined here; default: probe bwrap once per process. */
  sandbox?: SandboxStatus;
  /** Default and maximum run time of one command (default 10 minutes). */
  shellTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace on interrupt/timeout (default 300 ms). */
  killGraceMs?: number;
  /** Model request: longest silence before giving up (default 180 s; reasoning models think quietly). */
  modelTimeoutMs?: number;
  /** Environment for API-key lookup (default process.env). */
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

export const DEFAULT_SHELL_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MODEL_TIMEOUT_MS = 180_000;

export function createAgent(settings: AgentSettings, deps: AgentDeps = {}): Agent {
  return {
    async runTurn(ctx: TurnContext) {
      if (!existsSync(ctx.worktree)) {
        throw new Error(`The thread's worktree ${ctx.worktree} does not exist on this host. Restore it (git worktree add) or fork the thread into a project that exists here.`);
      }
      const tools = new ToolRunner(ctx, {
        settings,
        sandbox: deps.sandbox ?? probeSandbox(),
        shellTimeoutMs: deps.shellTimeoutMs ?? DEFAULT_SHELL_TIMEOUT_MS,
        killGraceMs: deps.killGraceMs,
      });
      try {
        switch (settings.provider) {
          case 'offline':
            return await runOfflineTurn(ctx, tools);
          case 'openai-compatible':
            return await runOpenAITurn(ctx, tools, settings, {
              timeoutMs: deps.modelTimeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS,
              env: deps.env ?? process.env,
              fetch: deps.fetch ?? fetch,
            });
        }
      } finally {
        await tools.cleanup().catch(() => {});
      }
    },
  };
}

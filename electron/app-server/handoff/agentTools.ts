// The agent tools `handoff_thread` and `handoff_status` (arguments declared in
// shared/contracts/handoff.ts): what the agent runtime calls when a controller thread delegates
// a handoff. Same rules and same path as the UI; the caller's thread is the requester, so a
// turn asking to move its own thread is refused (self-handoff) before anything happens.
import type { z } from 'zod';
import { handoffAgentTools, type HandoffStatus } from '../../../shared/contracts/handoff';
import { checkHandoffRequest } from '../../../shared/handoff/request';
import type { HostTool } from '../agent/hostTools';
import type { ThreadService } from '../threads/service';
import type { HandoffService } from './service';

export interface HandoffAgentTools {
  /** Validates the tool arguments, starts the handoff and returns at once with its operation id. */
  handoff_thread(callerThreadId: string, args: unknown): Promise<{ operationId: string; status: HandoffStatus }>;
  handoff_status(args: unknown): HandoffStatus;
}

export function handoffAgentToolsFor(service: HandoffService): HandoffAgentTools {
  return {
    async handoff_thread(callerThreadId, raw) {
      const args = handoffAgentTools.handoff_thread.args.parse(raw);
      const { operationId } = await service.start({
        thread: args.thread,
        to: args.destination,
        followUpPrompt: args.followUpPrompt,
        requester: { kind: 'agent', threadId: callerThreadId },
      });
      return { operationId, status: service.status(operationId) };
    },
    handoff_status(raw) {
      return service.status(handoffAgentTools.handoff_status.args.parse(raw).operationId);
    },
  };
}

/**
 * The same two tools as the agent runtime's host tools (agent/hostTools.ts), registered for
 * every thread by the handoff extension. Moving a thread is consequential (it leaves this
 * worktree and this host): the approval policy asks for it, and an "always" answer grants
 * handoffs to that one destination. Reading a status only looks.
 */
export function handoffHostTools(service: HandoffService, threads: ThreadService): HostTool[] {
  const tools = handoffAgentToolsFor(service);
  const threadTool: HostTool<z.infer<typeof handoffAgentTools.handoff_thread.args>> = {
    name: 'handoff_thread',
    description: handoffAgentTools.handoff_thread.description,
    args: handoffAgentTools.handoff_thread.args,
    approval: (a) => ({
      kind: 'consequential',
      summary: `Hand off thread "${a.thread}" to ${a.destination}${a.followUpPrompt ? ', then start a turn there with the follow-up prompt' : ''}`,
      pattern: a.destination,
    }),
    // What would refuse the move anyway is said before the user is asked to approve it.
    // `start` checks all of it again: the answer may come much later.
    async precheck(caller, a) {
      const id = threads.resolve(a.thread);
      const thread = await service.threads.read(id);
      const request = checkHandoffRequest({ id, status: thread.status, archived: thread.archived }, { kind: 'agent', threadId: caller });
      if (!request.ok) return `[${request.reason}] ${request.message}`;
      const where = await service.eligibility(id, a.destination);
      return where.eligible ? null : `[${where.reason}] ${where.message}`;
    },
    // The turn's signal is not passed on: once started, a handoff is its own operation (it
    // returns at once with its id), and stopping it is `handoff/cancel`, not the caller's interrupt.
    run: (caller, a) => tools.handoff_thread(caller, a),
  };
  const statusTool: HostTool<z.infer<typeof handoffAgentTools.handoff_status.args>> = {
    name: 'handoff_status',
    description: handoffAgentTools.handoff_status.description,
    args: handoffAgentTools.handoff_status.args,
    approval: () => ({ kind: 'read' }),
    run: async (_caller, a) => tools.handoff_status(a),
  };
  return [threadTool, statusTool];
}

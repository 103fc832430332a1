// The agent tools `handoff_thread` and `handoff_status` (arguments declared in
// shared/contracts/handoff.ts): what the agent runtime calls when a controller thread delegates
// a handoff. Same rules and same path as the UI; the caller's thread is the requester, so a
// turn asking to move its own thread is refused (self-handoff) before anything happens.
import { handoffAgentTools, type HandoffStatus } from '../../../shared/contracts/handoff';
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

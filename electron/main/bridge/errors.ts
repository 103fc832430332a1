// Errors the bridge hands to the renderer: always `{ code, message, hint }`, whatever threw.
// App-server errors keep their RPC name so the UI switches on the same words the CLI prints.
import type { BridgeErrorInfo } from '../../../shared/contracts/bridge';
import { RpcError } from '../../../shared/rpc/errors';

export class BridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'BridgeError';
  }
}

export function toErrorInfo(e: unknown): BridgeErrorInfo {
  if (e instanceof BridgeError) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  if (e instanceof RpcError) return { code: e.kind, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message: `Baton hit an unexpected error: ${message}`, hint: 'Try again; if it keeps happening, report it with this message.' };
}

/** Said for every handoff action until the coordinator (issue 6) lands: honest, never fake progress. */
export function handoffUnavailable(): BridgeError {
  return new BridgeError(
    'unavailable',
    'Handoff is not available in this build yet.',
    'The handoff coordinator (issue 6) is not part of this build yet.',
  );
}

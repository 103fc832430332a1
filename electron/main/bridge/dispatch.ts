// The main side of the bridge: one function from an incoming envelope to its response. It checks
// the method name and validates the payload against shared/contracts/bridge.ts before any
// handler runs, and turns every failure into `{ code, message, hint }`. Electron IPC and the
// browser-mode WebSocket both call it, so both enforce exactly the same contract.
import {
  BridgeRequest,
  bridgeMethods,
  isBridgeMethod,
  type BridgeMethodName,
  type BridgePayloadParsed,
  type BridgeResponse,
  type BridgeResult,
} from '../../../shared/contracts/bridge';
import { toErrorInfo } from './errors';

export type BridgeHandlers = {
  [M in BridgeMethodName]: (payload: BridgePayloadParsed<M>) => Promise<BridgeResult<M>>;
};

export type BridgeDispatch = (request: unknown) => Promise<BridgeResponse>;

export function createDispatcher(handlers: BridgeHandlers): BridgeDispatch {
  return async (request) => {
    const env = BridgeRequest.safeParse(request);
    if (!env.success) {
      const id = typeof (request as { id?: unknown })?.id === 'number' ? (request as { id: number }).id : -1;
      return { id, ok: false, error: { code: 'invalid-request', message: 'The bridge received a malformed request.', hint: 'Reload the window.' } };
    }
    const { id, method, payload } = env.data;
    if (!isBridgeMethod(method)) {
      return { id, ok: false, error: { code: 'unknown-method', message: `The bridge has no method "${method}".`, hint: 'The window and the app are different versions; reload the window.' } };
    }
    const parsed = bridgeMethods[method].payload.safeParse(payload ?? {});
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
      return { id, ok: false, error: { code: 'invalid-payload', message: `Invalid request for ${method}: ${detail}.` } };
    }
    try {
      const handler = handlers[method] as (p: unknown) => Promise<unknown>;
      return { id, ok: true, result: await handler(parsed.data) };
    } catch (e) {
      return { id, ok: false, error: toErrorInfo(e) };
    }
  };
}

// The renderer's side of the bridge: one typed method per declaration in
// shared/contracts/bridge.ts. Results and pushes are validated on arrival, so a main process of
// another version fails loudly here instead of deep inside a component. The transport is either
// Electron IPC (the preload's `window.batonBridge`) or the browser mode's WebSocket.
import {
  BridgePushEnvelope,
  BridgeResponse,
  bridgeMethods,
  bridgePushes,
  isBridgePush,
  type BridgeErrorInfo,
  type BridgeMethodName,
  type BridgePayload,
  type BridgePushName,
  type BridgePushPayload,
  type BridgeResult,
} from '../../shared/contracts/bridge';

export interface BridgeTransport {
  /** Sends one request envelope; resolves with the response envelope. */
  request(envelope: { id: number; method: string; payload: unknown }): Promise<unknown>;
  /** Every push envelope from the main process. */
  onPush(listener: (envelope: unknown) => void): void;
  /** Connection state for the banner ("Reconnecting…"); IPC is always up. */
  onState?(listener: (state: 'open' | 'closed') => void): void;
}

export class BridgeCallError extends Error {
  readonly code: string;
  readonly hint?: string;
  constructor(info: BridgeErrorInfo) {
    super(info.message);
    this.name = 'BridgeCallError';
    this.code = info.code;
    this.hint = info.hint;
  }
}

export interface BridgeClient {
  call<M extends BridgeMethodName>(method: M, payload: BridgePayload<M>): Promise<BridgeResult<M>>;
  on<N extends BridgePushName>(name: N, listener: (payload: BridgePushPayload<N>) => void): () => void;
  onState(listener: (state: 'open' | 'closed') => void): void;
}

export function createBridgeClient(transport: BridgeTransport): BridgeClient {
  let nextId = 1;
  const listeners = new Map<BridgePushName, Set<(p: unknown) => void>>();
  transport.onPush((raw) => {
    const env = BridgePushEnvelope.safeParse(raw);
    if (!env.success || !isBridgePush(env.data.push)) return;
    const payload = bridgePushes[env.data.push].safeParse(env.data.payload);
    if (!payload.success) {
      console.warn(`bridge: dropped an invalid ${env.data.push} push`, payload.error.issues[0]);
      return;
    }
    for (const l of listeners.get(env.data.push) ?? []) l(payload.data);
  });

  return {
    async call(method, payload) {
      const raw = await transport.request({ id: nextId++, method, payload });
      const res = BridgeResponse.safeParse(raw);
      if (!res.success) throw new BridgeCallError({ code: 'invalid-response', message: `The app answered ${method} with something this window does not understand.`, hint: 'Reload the window.' });
      if (!res.data.ok) throw new BridgeCallError(res.data.error);
      const result = bridgeMethods[method].result.safeParse(res.data.result);
      if (!result.success) {
        throw new BridgeCallError({ code: 'invalid-response', message: `The app's answer to ${method} does not match this window's version: ${result.error.issues[0]?.message ?? 'invalid'}.`, hint: 'Reload the window.' });
      }
      return result.data as BridgeResult<typeof method>;
    },
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    onState(listener) {
      transport.onState?.(listener);
    },
  };
}

export function errorText(e: unknown): { message: string; hint?: string } {
  if (e instanceof BridgeCallError) return { message: e.message, hint: e.hint };
  return { message: e instanceof Error ? e.message : String(e) };
}

// The typed API client. Transport-agnostic: it is given a `send` for outgoing JSON text and
// is fed every incoming message with `receive`; the CLI (stdio, WebSocket or in-process), the
// desktop main process and remote peers all wrap their transport with it. Params are checked
// against the contract before sending and results are validated on arrival, so a peer that
// speaks another protocol version fails loudly at the boundary, not deep inside a caller.
import {
  methods,
  notifications,
  RpcResponse,
  type MethodName,
  type MethodParams,
  type MethodResult,
  type NotificationName,
  type NotificationParams,
  isNotificationName,
} from '../contracts/rpc';
import { RpcError } from './errors';

type Pending = { method: MethodName; resolve: (v: unknown) => void; reject: (e: unknown) => void };
type NotificationHandler = { [N in NotificationName]?: Array<(params: NotificationParams<N>) => void> };

export interface RpcClient {
  call<M extends MethodName>(method: M, ...params: undefined extends MethodParams<M> ? [MethodParams<M>?] : [MethodParams<M>]): Promise<MethodResult<M>>;
  /** Subscribes to one notification; returns the unsubscribe function. */
  on<N extends NotificationName>(name: N, handler: (params: NotificationParams<N>) => void): () => void;
  /** Feed every message that arrives from the server (text of one JSON-RPC message). */
  receive(text: string): void;
  /** Rejects every pending call, e.g. when the connection closed. */
  close(reason?: string): void;
}

export function createRpcClient(send: (text: string) => void): RpcClient {
  let nextId = 1;
  let closed: string | null = null;
  const pending = new Map<number, Pending>();
  const handlers: NotificationHandler = {};

  return {
    call(method, ...rest) {
      if (closed) return Promise.reject(new RpcError('internalError', `The connection to the Baton server is closed (${closed}).`, 'Run the command again.'));
      const spec = methods[method];
      const parsed = spec.params.safeParse(rest[0]);
      if (!parsed.success) {
        return Promise.reject(new RpcError('invalidParams', `Invalid params for ${method}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')}`));
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
        try {
          send(JSON.stringify({ jsonrpc: '2.0', id, method, ...(rest[0] === undefined ? {} : { params: rest[0] }) }));
        } catch (e) {
          pending.delete(id);
          reject(e);
        }
      });
    },
    on(name, handler) {
      const list = (handlers[name] ??= []) as Array<typeof handler>;
      list.push(handler);
      return () => {
        const i = list.indexOf(handler);
        if (i >= 0) list.splice(i, 1);
      };
    },
    receive(text) {
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        return; // A server never sends broken JSON; nothing sensible to answer to.
      }
      if (typeof msg !== 'object' || msg === null) return;
      const m = msg as Record<string, unknown>;
      if (typeof m.method === 'string' && m.id === undefined) {
        if (!isNotificationName(m.method)) return; // newer server: unknown notifications are ignored
        const p = notifications[m.method].safeParse(m.params);
        if (!p.success) return;
        for (const h of handlers[m.method] ?? []) (h as (x: unknown) => void)(p.data);
        return;
      }
      const r = RpcResponse.safeParse(msg);
      if (!r.success || typeof r.data.id !== 'number') return;
      const p = pending.get(r.data.id);
      if (!p) return;
      pending.delete(r.data.id);
      if ('error' in r.data) {
        p.reject(RpcError.fromObject(r.data.error));
        return;
      }
      const result = methods[p.method].result.safeParse(r.data.result);
      if (!result.success) {
        p.reject(new RpcError('internalError', `The server's answer to ${p.method} does not match this client's protocol: ${result.error.issues[0]?.message ?? 'invalid'}`, 'Use the same Baton version on both sides.'));
        return;
      }
      p.resolve(result.data);
    },
    close(reason = 'closed') {
      closed = reason;
      for (const p of pending.values()) p.reject(new RpcError('internalError', `The connection to the Baton server closed (${reason}) before it answered.`, 'Check that the server is running and try again.'));
      pending.clear();
    },
  };
}

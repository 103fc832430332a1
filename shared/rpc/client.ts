// The typed API client. Transport-agnostic: it is given a `send` for outgoing JSON text and
// is fed every incoming message with `receive`; the CLI (stdio, WebSocket or in-process), the
// desktop main process and remote peers all wrap their transport with it. Params are checked
// against the contract before sending and results are validated on arrival, so a peer that
// speaks another protocol version fails loudly at the boundary, not deep inside a caller.
//
// By default it knows the core methods of shared/contracts/rpc.ts; a caller that also needs
// another contract's methods passes the merged tables, and the types follow:
//   createRpcClient(send, { methods: { ...methods, ...handoffMethods }, notifications: { ...notifications, ...handoffNotifications } })
import type { z } from 'zod';
import {
  MAX_MESSAGE_BYTES,
  methods as coreMethods,
  notifications as coreNotifications,
  RpcResponse,
  type MethodTable,
  type Methods,
  type NotificationTable,
  type Notifications,
} from '../contracts/rpc';
import { RpcError } from './errors';

type Pending = { method: string; resolve: (v: unknown) => void; reject: (e: unknown) => void };

type ParamsOf<T extends MethodTable, M extends keyof T> = z.input<T[M]['params']>;
type ResultOf<T extends MethodTable, M extends keyof T> = z.output<T[M]['result']>;

export interface RpcClient<T extends MethodTable = Methods, N extends NotificationTable = Notifications> {
  call<M extends keyof T & string>(method: M, ...params: undefined extends ParamsOf<T, M> ? [ParamsOf<T, M>?] : [ParamsOf<T, M>]): Promise<ResultOf<T, M>>;
  /** Subscribes to one notification; returns the unsubscribe function. */
  on<K extends keyof N & string>(name: K, handler: (params: z.output<N[K]>) => void): () => void;
  /** Feed every message that arrives from the server (text of one JSON-RPC message). */
  receive(text: string): void;
  /** Rejects every pending call, e.g. when the connection closed. */
  close(reason?: string): void;
}

export function createRpcClient<T extends MethodTable = Methods, N extends NotificationTable = Notifications>(
  send: (text: string) => void,
  tables: { methods?: T; notifications?: N } = {},
): RpcClient<T, N> {
  const methodTable: MethodTable = tables.methods ?? coreMethods;
  const notificationTable: NotificationTable = tables.notifications ?? coreNotifications;
  let nextId = 1;
  let closed: string | null = null;
  const pending = new Map<number, Pending>();
  const handlers = new Map<string, Array<(p: unknown) => void>>();

  return {
    call(method, ...rest) {
      if (closed) return Promise.reject(new RpcError('internalError', `The connection to the Baton server is closed (${closed}).`, 'Run the command again.'));
      const spec = methodTable[method];
      if (!spec) return Promise.reject(new RpcError('methodNotFound', `This client does not know the method "${method}".`));
      const parsed = spec.params.safeParse(rest[0]);
      if (!parsed.success) {
        return Promise.reject(new RpcError('invalidParams', `Invalid params for ${method}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')}`));
      }
      const id = nextId++;
      const text = JSON.stringify({ jsonrpc: '2.0', id, method, ...(rest[0] === undefined ? {} : { params: rest[0] }) });
      // The server answers an oversized message with an error it cannot address to this call
      // (it never parsed the id), so the call would wait forever: refuse it here instead.
      if (text.length > MAX_MESSAGE_BYTES) {
        return Promise.reject(new RpcError('messageTooLarge', `A ${method} request of ${text.length} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte message limit.`, 'This is a bug in the caller: it must split what it sends.'));
      }
      return new Promise((resolve, reject) => {
        pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
        try {
          send(text);
        } catch (e) {
          pending.delete(id);
          reject(e);
        }
      });
    },
    on(name, handler) {
      const list = handlers.get(name) ?? [];
      handlers.set(name, list);
      const h = handler as (p: unknown) => void;
      list.push(h);
      return () => {
        const i = list.indexOf(h);
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
        const schema = notificationTable[m.method];
        if (!schema) return; // a newer server's notification: ignored
        const p = schema.safeParse(m.params);
        if (!p.success) return;
        for (const h of handlers.get(m.method) ?? []) h(p.data);
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
      const result = methodTable[p.method]!.result.safeParse(r.data.result);
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

// The transport-agnostic JSON-RPC 2.0 server: text in, text out. Every method is looked up in
// the contract (shared/contracts/rpc.ts), its params validated before the handler runs and its
// result validated before it leaves. Whatever arrives — broken JSON, a wrong envelope, an
// unknown method, bad params, a message too large, a handler that throws — the answer is a
// JSON-RPC error and the server goes on.
import type { z } from 'zod';
import {
  MAX_MESSAGE_BYTES,
  methods,
  notifications,
  RpcErrorCode,
  type MethodSpec,
  type MethodTable,
  type NotificationName,
  type NotificationParams,
  type NotificationTable,
  type RpcErrorObject,
  type RpcId,
} from '../../../shared/contracts/rpc';
import { RpcError } from '../../../shared/rpc/errors';
import { StorageCorruptError, ThreadLockedError, ThreadNotFoundError } from '../storage/errors';
import { GitError } from '../git/git';
import { GitStateError } from '../git/errors';

/** Any message duplex: a WebSocket, a stdio pair, an encrypted channel, an in-process pipe. */
export interface MessageConnection {
  send(text: string): void;
  onMessage(listener: (text: string) => void): void;
  onClose(listener: () => void): void;
  close(): void;
}

export interface CallContext {
  connection: MessageConnection | null;
}

/** One handler per method of a table, typed from its schemas. */
export type HandlersFor<T extends MethodTable> = {
  [M in keyof T]: (params: z.output<T[M]['params']>, ctx: CallContext) => Promise<z.output<T[M]['result']>> | z.output<T[M]['result']>;
};
/** The core API's handlers (shared/contracts/rpc.ts). */
export type Handlers = HandlersFor<typeof methods>;

export interface RpcServer {
  /**
   * Adds another contract's methods and notifications (e.g. handoff's), declared like the core
   * ones. A name may be registered once.
   */
  register<T extends MethodTable>(table: T, handlers: HandlersFor<T>, notificationTable?: NotificationTable): void;
  /** Sends a registered notification of another contract to every connection. */
  notifyExtension(name: string, params: unknown): void;
  /** Serves one connection until it closes; it receives every notification. */
  attach(connection: MessageConnection): void;
  /** Handles one incoming message; resolves with the response text, or null (notifications). */
  handle(text: string, ctx?: CallContext): Promise<string | null>;
  notify<N extends NotificationName>(name: N, params: NotificationParams<N>): void;
  /** Closes every attached connection. */
  closeAll(): void;
}

export function createRpcServer(handlers: Handlers, opts: { maxMessageBytes?: number; onError?: (e: unknown) => void } = {}): RpcServer {
  const max = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const connections = new Set<MessageConnection>();
  type AnyHandler = (p: unknown, c: CallContext) => Promise<unknown> | unknown;
  const table = new Map<string, { spec: MethodSpec; handler: AnyHandler }>();
  const extraNotifications = new Map<string, z.ZodType>();
  const register = (t: MethodTable, hs: Record<string, AnyHandler>) => {
    for (const [name, spec] of Object.entries(t)) {
      if (table.has(name)) throw new Error(`RPC method ${name} is registered twice`);
      table.set(name, { spec, handler: hs[name]! });
    }
  };
  register(methods, handlers as unknown as Record<string, AnyHandler>);

  async function handleOne(msg: unknown, ctx: CallContext): Promise<object | null> {
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return errorResponse(null, { code: RpcErrorCode.invalidRequest, message: 'A JSON-RPC request must be an object.', data: { code: 'invalidRequest' } });
    }
    const m = msg as Record<string, unknown>;
    const id = isId(m.id) ? m.id : null;
    const isNotification = !('id' in m);
    if (m.jsonrpc !== '2.0' || typeof m.method !== 'string' || ('id' in m && !isId(m.id))) {
      return errorResponse(id, {
        code: RpcErrorCode.invalidRequest,
        message: 'Not a JSON-RPC 2.0 request (needs jsonrpc "2.0", a string method, and a string or number id).',
        data: { code: 'invalidRequest' },
      });
    }
    const reply = (r: object) => (isNotification ? null : r);
    const entry = table.get(m.method);
    if (!entry) {
      return reply(errorResponse(id, { code: RpcErrorCode.methodNotFound, message: `Unknown method "${m.method}".`, data: { code: 'methodNotFound', hint: `Known methods: ${[...table.keys()].join(', ')}.` } }));
    }
    const name = m.method;
    const { spec, handler } = entry;
    const parsed = spec.params.safeParse(m.params);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ');
      return reply(errorResponse(id, { code: RpcErrorCode.invalidParams, message: `Invalid params for ${name}: ${detail}`, data: { code: 'invalidParams' } }));
    }
    try {
      const result = await handler(parsed.data, ctx);
      const checked = spec.result.safeParse(result);
      if (!checked.success) {
        opts.onError?.(checked.error);
        return reply(errorResponse(id, { code: RpcErrorCode.internalError, message: `The server produced an invalid result for ${name}.`, data: { code: 'internalError', hint: 'This is a bug in Baton; please report it.' } }));
      }
      return reply({ jsonrpc: '2.0', id, result: checked.data });
    } catch (e) {
      return reply(errorResponse(id, toRpcError(e, opts.onError)));
    }
  }

  async function handle(text: string, ctx: CallContext = { connection: null }): Promise<string | null> {
    if (Buffer.byteLength(text, 'utf8') > max) {
      return JSON.stringify(
        errorResponse(null, { code: RpcErrorCode.messageTooLarge, message: `Message of ${Buffer.byteLength(text, 'utf8')} bytes exceeds the limit of ${max} bytes.`, data: { code: 'messageTooLarge', hint: 'Send less per call (page with limit/cursor).' } }),
      );
    }
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      return JSON.stringify(errorResponse(null, { code: RpcErrorCode.parseError, message: `Malformed JSON: ${(e as Error).message}`, data: { code: 'parseError' } }));
    }
    if (Array.isArray(msg)) {
      if (!msg.length) return JSON.stringify(errorResponse(null, { code: RpcErrorCode.invalidRequest, message: 'An empty batch is not a request.', data: { code: 'invalidRequest' } }));
      const out = (await Promise.all(msg.map((one) => handleOne(one, ctx)))).filter((r) => r !== null);
      return out.length ? JSON.stringify(out) : null;
    }
    const r = await handleOne(msg, ctx);
    return r ? JSON.stringify(r) : null;
  }

  const broadcast = (text: string) => {
    for (const c of connections) safeSend(c, text);
  };

  return {
    handle,
    register(t, hs, nt) {
      register(t, hs as unknown as Record<string, AnyHandler>);
      for (const [name, schema] of Object.entries(nt ?? {})) extraNotifications.set(name, schema);
    },
    notifyExtension(name, params) {
      const schema = extraNotifications.get(name);
      if (!schema) throw new Error(`notification ${name} is not registered`);
      broadcast(JSON.stringify({ jsonrpc: '2.0', method: name, params: schema.parse(params) }));
    },
    attach(connection) {
      connections.add(connection);
      connection.onClose(() => connections.delete(connection));
      connection.onMessage((text) => {
        void handle(text, { connection }).then((out) => {
          if (out !== null && connections.has(connection)) safeSend(connection, out);
        });
      });
    },
    notify(name, params) {
      const schema = notifications[name];
      broadcast(JSON.stringify({ jsonrpc: '2.0', method: name, params: schema.parse(params) }));
    },
    closeAll() {
      for (const c of [...connections]) {
        connections.delete(c);
        try {
          c.close();
        } catch {
          // already closed
        }
      }
    },
  };
}

function safeSend(c: MessageConnection, text: string) {
  try {
    c.send(text);
  } catch {
    // The peer went away; its close handler detaches it.
  }
}

function isId(v: unknown): v is RpcId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

function errorResponse(id: RpcId | null, error: RpcErrorObject) {
  return { jsonrpc: '2.0' as const, id, error };
}

/** Maps what a handler threw to a JSON-RPC error; internals never leak a stack. */
export function toRpcError(e: unknown, onError?: (e: unknown) => void): RpcErrorObject {
  if (e instanceof RpcError) return e.toJSON();
  if (e instanceof ThreadNotFoundError) return new RpcError('notFound', e.message).toJSON();
  if (e instanceof ThreadLockedError) return new RpcError('conflict', e.message).toJSON();
  if (e instanceof StorageCorruptError) return new RpcError('storageCorrupt', e.message).toJSON();
  // The git engine's refusals are answers for the user (a diverged branch, a tampered archive),
  // not bugs: keep their message and hint.
  if (e instanceof GitStateError) return new RpcError('gitState', e.message, e.hint).toJSON();
  if (e instanceof GitError) return new RpcError('gitState', e.message, 'Check the repository with `git status` on that host.').toJSON();
  onError?.(e);
  return new RpcError('internalError', `Internal error: ${e instanceof Error ? e.message : String(e)}`, 'This is a bug in Baton; the server log has details.').toJSON();
}

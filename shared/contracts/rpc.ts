// The JSON-RPC 2.0 API of one host's app-server, declared once: each method's name, params
// schema and result schema, each notification's schema, and the error codes. The server
// (electron/app-server/rpc/) validates params and results against these; the typed client
// (shared/rpc/client.ts) derives its call signatures from them. Nothing else declares a method.
import { z } from 'zod';
import { ThreadEvent } from './events';
import {
  ApprovalPolicy,
  HostId,
  Plan,
  Thread,
  ThreadId,
  ThreadMeta,
  ThreadStatus,
  TranscriptItem,
} from './thread';

/** Bumped on any incompatible change of a method or notification below. */
export const PROTOCOL_VERSION = 1;

/** Largest JSON-RPC message (one line on stdio, one frame on a WebSocket) either side accepts. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * JSON-RPC error codes. -32700..-32600 are the standard ones; -32000 and below are Baton's.
 * Every error also carries `data: { code, hint? }` where `code` is the stable string below, so a
 * client switches on a word, and `hint` says what to do.
 */
export const RpcErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  // Baton
  notFound: -32001,
  conflict: -32002,
  fenced: -32003,
  policyRefused: -32004,
  invalidProject: -32005,
  storageCorrupt: -32006,
  messageTooLarge: -32007,
  notInitialized: -32008,
  ambiguous: -32009,
  /** The Git state engine refused (diverged branch, mid-rebase, bad archive…); `hint` says what to do. */
  gitState: -32010,
} as const;
export type RpcErrorName = keyof typeof RpcErrorCode;

export const RpcErrorData = z.object({
  /** Stable name of the error (a key of RpcErrorCode). */
  code: z.string(),
  /** What the caller can do about it. */
  hint: z.string().optional(),
});
export type RpcErrorData = z.infer<typeof RpcErrorData>;

export const RpcErrorObject = z.object({
  code: z.number().int(),
  message: z.string(),
  data: RpcErrorData.optional(),
});
export type RpcErrorObject = z.infer<typeof RpcErrorObject>;

// ---------------------------------------------------------------------------------------------
// Envelopes

export const RpcId = z.union([z.string(), z.number()]);
export type RpcId = z.infer<typeof RpcId>;

export const RpcRequest = z.object({
  jsonrpc: z.literal('2.0'),
  id: RpcId.optional(),
  method: z.string(),
  params: z.unknown().optional(),
});
export type RpcRequest = z.infer<typeof RpcRequest>;

export const RpcResponse = z.union([
  z.object({ jsonrpc: z.literal('2.0'), id: RpcId.nullable(), result: z.unknown() }),
  z.object({ jsonrpc: z.literal('2.0'), id: RpcId.nullable(), error: RpcErrorObject }),
]);
export type RpcResponse = z.infer<typeof RpcResponse>;

// ---------------------------------------------------------------------------------------------
// Methods

/** One method: its name, params schema and result schema. Other contracts (handoff) declare theirs the same way. */
export interface MethodSpec {
  readonly name: string;
  readonly params: z.ZodType;
  readonly result: z.ZodType;
}
export type MethodTable = Readonly<Record<string, MethodSpec>>;
export type NotificationTable = Readonly<Record<string, z.ZodType>>;

/** Declares one method; other contracts (handoff, archives) build their tables with it too. */
export function method<N extends string, P extends z.ZodType, R extends z.ZodType>(name: N, params: P, result: R) {
  return { name, params, result } as const;
}

export const ProjectInfo = z.object({
  id: z.string(),
  name: z.string(),
  /** Absolute path of the repository's top level on this host. */
  root: z.string(),
  /** Subdirectory of the repository the project is ('' for the whole repository). */
  subdir: z.string(),
  /** Repository identity + subdirectory (shared/projects/identity.ts). */
  identity: z.string(),
  originUrl: z.string().nullable(),
  addedAt: z.string(),
});
export type ProjectInfo = z.infer<typeof ProjectInfo>;

export const ThreadSummary = ThreadMeta.extend({
  /** Text of the last user or agent message, shortened, for lists. */
  preview: z.string(),
});
export type ThreadSummary = z.infer<typeof ThreadSummary>;

/** A thread reference: its id, a unique id prefix, or its exact title. */
export const ThreadRef = z.string().min(1).max(512);

export const methods = {
  initialize: method(
    'initialize',
    z.object({
      clientName: z.string().max(200).optional(),
      clientVersion: z.string().max(200).optional(),
      protocolVersion: z.number().int().optional(),
    }),
    z.object({
      serverVersion: z.string(),
      protocolVersion: z.number().int(),
      hostId: HostId,
      capabilities: z.object({
        /** Agent providers this server can run. */
        providers: z.array(z.string()),
        /** Whether `workspace-write` is enforced by a sandbox on this host. */
        sandbox: z.boolean(),
        maxMessageBytes: z.number().int(),
      }),
    }),
  ),
  'project/add': method(
    'project/add',
    z.object({ path: z.string().min(1), name: z.string().min(1).max(200).optional() }),
    z.object({ project: ProjectInfo }),
  ),
  'project/list': method('project/list', z.object({}).optional(), z.object({ projects: z.array(ProjectInfo) })),
  'project/remove': method(
    'project/remove',
    z.object({ project: z.string().min(1) }),
    z.object({ removed: ProjectInfo }),
  ),
  'thread/start': method(
    'thread/start',
    z.object({
      /** Project id or name. */
      project: z.string().min(1),
      title: z.string().max(500).optional(),
      approvalPolicy: ApprovalPolicy.optional(),
      /** A permission profile named in config.toml. */
      profile: z.string().optional(),
    }),
    z.object({ thread: ThreadMeta }),
  ),
  'thread/list': method(
    'thread/list',
    z.object({ project: z.string().optional(), includeArchived: z.boolean().optional() }).optional(),
    z.object({
      threads: z.array(ThreadSummary),
      /** Threads whose log could not be read (a corrupt line): each with the error naming file and line. */
      unreadable: z.array(z.object({ threadId: ThreadId, message: z.string() })).optional(),
    }),
  ),
  'thread/read': method(
    'thread/read',
    z.object({
      thread: ThreadRef,
      /** Catch-up: return the events after this revision instead of the folded thread. */
      afterRevision: z.number().int().nonnegative().optional(),
      /** Page size: items (folded read) or events (catch-up). */
      limit: z.number().int().positive().max(10_000).optional(),
      /** From a previous page's `nextCursor`. */
      cursor: z.string().optional(),
    }),
    z.object({
      /** The thread's metadata (always) and, without afterRevision, one page of items. */
      thread: ThreadMeta.extend({ planHistory: Thread.shape.planHistory }),
      items: z.array(TranscriptItem).optional(),
      events: z.array(ThreadEvent).optional(),
      /** Set when there is more: pass as `cursor` to get the next page. */
      nextCursor: z.string().nullable(),
    }),
  ),
  'thread/fork': method(
    'thread/fork',
    z.object({
      thread: ThreadRef,
      /** Copy the transcript up to and including this item; the whole transcript when absent. */
      itemId: z.string().optional(),
      title: z.string().max(500).optional(),
    }),
    z.object({ thread: ThreadMeta }),
  ),
  /** Changes a thread's settings; recorded as a settings_changed event, in effect from the next turn. */
  'thread/configure': method(
    'thread/configure',
    z.object({
      thread: ThreadRef,
      /** Directories (absolute paths on the thread's host) to add to the permission profile's writable roots. */
      addWritableRoots: z.array(z.string().min(1).max(4096)).max(64).optional(),
      /** The working directory of the agent's commands (an absolute directory on the thread's host). */
      cwd: z.string().min(1).max(4096).optional(),
    }),
    z.object({ thread: ThreadMeta }),
  ),
  'thread/archive': method(
    'thread/archive',
    z.object({ thread: ThreadRef, archived: z.boolean().optional() }),
    z.object({ thread: ThreadMeta }),
  ),
  'turn/start': method(
    'turn/start',
    z.object({ thread: ThreadRef, input: z.string().min(1).max(1_000_000) }),
    z.object({ threadId: ThreadId, turnId: z.string() }),
  ),
  'turn/interrupt': method(
    'turn/interrupt',
    z.object({ thread: ThreadRef }),
    /** Resolves once the turn has stopped and its processes are gone. */
    z.object({ threadId: ThreadId, turnId: z.string().nullable(), interrupted: z.boolean() }),
  ),
  'approval/respond': method(
    'approval/respond',
    z.object({ thread: ThreadRef, requestId: z.string().min(1), decision: z.enum(['allow', 'deny', 'always']) }),
    z.object({ threadId: ThreadId, requestId: z.string() }),
  ),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodParams<M extends MethodName> = z.input<Methods[M]['params']>;
export type MethodParamsParsed<M extends MethodName> = z.output<Methods[M]['params']>;
export type MethodResult<M extends MethodName> = z.output<Methods[M]['result']>;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

// ---------------------------------------------------------------------------------------------
// Notifications (server → client, no id)

export const notifications = {
  /** Every event appended to any thread, in revision order: apply with shared/threads/reduce.ts. */
  'thread/event': z.object({ threadId: ThreadId, event: ThreadEvent }),
  'thread/status': z.object({ threadId: ThreadId, status: ThreadStatus, activeTurnId: z.string().nullable(), revision: z.number().int() }),
  'item/added': z.object({ threadId: ThreadId, item: TranscriptItem, revision: z.number().int() }),
  /** An item changed (streamed output, a finished command): the item as it is now. */
  'item/updated': z.object({ threadId: ThreadId, item: TranscriptItem, revision: z.number().int() }),
  'turn/completed': z.object({
    threadId: ThreadId,
    turnId: z.string(),
    outcome: z.enum(['completed', 'interrupted', 'failed']),
    error: z.string().optional(),
    revision: z.number().int(),
  }),
  'plan/updated': z.object({ threadId: ThreadId, plan: Plan, revision: z.number().int() }),
} as const;

export type Notifications = typeof notifications;
export type NotificationName = keyof Notifications;
export type NotificationParams<N extends NotificationName> = z.output<Notifications[N]>;

export function isNotificationName(name: string): name is NotificationName {
  return Object.prototype.hasOwnProperty.call(notifications, name);
}

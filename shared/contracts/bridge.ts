// The one bridge between the renderer and the main process, declared once: each method's name,
// payload schema and result schema, and each push (main → renderer) with its schema. The main
// side (electron/main/bridge/) validates every payload before handling it; the renderer's client
// (renderer/bridge/) validates every result and push on arrival. Electron IPC and the browser
// mode's WebSocket carry the very same envelopes, so the UI cannot tell them apart.
//
// The main process merges many hosts (This computer + every SSH host) behind this bridge, so
// every thread-scoped call names the `host` that owns the thread and is routed there.
import { z } from 'zod';
import { ThreadEvent } from './events';
import { HandoffStatus, OperationId, handoffMethods } from './handoff';
export type { HandoffReview } from './handoff';
import { HostStatus } from './hosts';
import { ProjectInfo, ThreadSummary, methods as rpc } from './rpc';
import { ApprovalPolicy, HostId, ThreadId, ThreadMeta } from './thread';

/** "This computer": the host id of the embedded app-server. */
export const LOCAL_HOST_ID = 'local';
export const LOCAL_HOST_LABEL = 'This computer';

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Stable error codes of the bridge. App-server errors pass through with their own RPC code name
 * (`not-found`, `conflict`, `fenced`…, see RpcErrorCode) so the UI can switch on one word.
 */
export const BridgeErrorInfo = z.object({
  code: z.string(),
  message: z.string(),
  /** What the person can do about it; shown under the message. */
  hint: z.string().optional(),
});
export type BridgeErrorInfo = z.infer<typeof BridgeErrorInfo>;

// ---------------------------------------------------------------------------------------------
// Shapes

export const HostView = z.object({
  id: HostId,
  /** "This computer" or the saved host name. */
  label: z.string(),
  kind: z.enum(['local', 'ssh']),
  status: HostStatus,
  /** True when the host's app-server answers: its threads are live, actions can go there. */
  online: z.boolean(),
  /** What the user typed when adding it (SSH hosts). */
  target: z.string().optional(),
  /** Round trip of the last `initialize`/test, in milliseconds. */
  latencyMs: z.number().nonnegative().nullable(),
  serverVersion: z.string().nullable(),
  protocolVersion: z.number().int().nullable(),
  /** SHA256:… of the SSH host key (SSH hosts, once seen). */
  hostKeyFingerprint: z.string().nullable(),
  /** Fingerprint of the app-server's Noise static key (once the secure channel is up). */
  noiseFingerprint: z.string().nullable(),
});
export type HostView = z.infer<typeof HostView>;

/** A thread as the sidebar lists it: its summary plus whether its host is reachable now. */
export const BridgeThread = ThreadSummary.extend({
  /** False: the host is disconnected; this is the last known state, read-only until it returns. */
  online: z.boolean(),
});
export type BridgeThread = z.infer<typeof BridgeThread>;

export const BridgeProject = ProjectInfo.extend({ host: HostId });
export type BridgeProject = z.infer<typeof BridgeProject>;

export const Destination = z.object({
  host: HostId,
  label: z.string(),
  eligible: z.boolean(),
  /** Present when not eligible: a stable word and a sentence to show beside the greyed entry. */
  reason: z.string().optional(),
  message: z.string().optional(),
  /** The thread's current location (listed, never selectable). */
  current: z.boolean(),
});
export type Destination = z.infer<typeof Destination>;

/** A handoff's state as the UI follows it: the owning host's status of the operation. */
export const BridgeHandoffStatus = HandoffStatus.extend({ host: HostId });
export type BridgeHandoffStatus = z.infer<typeof BridgeHandoffStatus>;

export const SshAliasSuggestion = z.object({ alias: z.string(), detail: z.string().optional() });
export type SshAliasSuggestion = z.infer<typeof SshAliasSuggestion>;

export const ConnectionTestResult = z.object({
  ok: z.boolean(),
  latencyMs: z.number().nonnegative().nullable(),
  serverVersion: z.string().nullable(),
  hostKeyFingerprint: z.string().nullable(),
  error: BridgeErrorInfo.optional(),
});
export type ConnectionTestResult = z.infer<typeof ConnectionTestResult>;

/** Questions the SSH layer asks a person while connecting. */
export const ConnectionPrompt = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('host-key'), keyType: z.string(), fingerprint: z.string() }),
  /** `attempt` > 1: the previous answer was wrong. */
  z.object({ kind: z.literal('passphrase'), keyFile: z.string(), attempt: z.number().int().min(1).optional() }),
  z.object({
    kind: z.literal('keyboard-interactive'),
    name: z.string(),
    instructions: z.string(),
    prompts: z.array(z.object({ prompt: z.string(), echo: z.boolean() })),
    attempt: z.number().int().min(1).optional(),
  }),
]);
export type ConnectionPrompt = z.infer<typeof ConnectionPrompt>;

export const PromptAnswer = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('host-key'), trust: z.boolean() }),
  /** `null`: cancelled. */
  z.object({ kind: z.literal('passphrase'), passphrase: z.string().nullable() }),
  z.object({ kind: z.literal('keyboard-interactive'), responses: z.array(z.string()).nullable() }),
]);
export type PromptAnswer = z.infer<typeof PromptAnswer>;

// ---------------------------------------------------------------------------------------------
// Methods

function method<N extends string, P extends z.ZodType, R extends z.ZodType>(name: N, payload: P, result: R) {
  return { name, payload, result } as const;
}

const Empty = z.object({}).strict();
const OnHost = { host: HostId };
const OnThread = { host: HostId, thread: ThreadId };

export const bridgeMethods = {
  'hosts/list': method('hosts/list', Empty, z.object({ hosts: z.array(HostView) })),

  /** Every host's threads, merged; a disconnected host's threads keep their last known state. */
  'threads/list': method(
    'threads/list',
    z.object({ includeArchived: z.boolean().optional() }).strict(),
    z.object({ threads: z.array(BridgeThread) }),
  ),
  'thread/read': method(
    'thread/read',
    z.object({ ...OnThread, afterRevision: z.number().int().nonnegative().optional(), limit: z.number().int().positive().max(10_000).optional(), cursor: z.string().optional() }).strict(),
    rpc['thread/read'].result,
  ),
  'thread/start': method(
    'thread/start',
    z.object({ ...OnHost, project: z.string().min(1), title: z.string().max(500).optional(), approvalPolicy: ApprovalPolicy.optional() }).strict(),
    z.object({ thread: ThreadMeta }),
  ),
  'turn/start': method('turn/start', z.object({ ...OnThread, input: z.string().min(1).max(1_000_000) }).strict(), rpc['turn/start'].result),
  'turn/interrupt': method('turn/interrupt', z.object(OnThread).strict(), rpc['turn/interrupt'].result),
  'approval/respond': method(
    'approval/respond',
    z.object({ ...OnThread, requestId: z.string().min(1), decision: rpc['approval/respond'].params.shape.decision }).strict(),
    rpc['approval/respond'].result,
  ),

  /** Saved projects of every online host (or of one host). */
  'projects/list': method('projects/list', z.object({ host: HostId.optional() }).strict(), z.object({ projects: z.array(BridgeProject) })),
  'projects/add': method(
    'projects/add',
    z.object({ ...OnHost, path: z.string().min(1), name: z.string().min(1).max(200).optional() }).strict(),
    z.object({ project: BridgeProject }),
  ),
  'projects/remove': method('projects/remove', z.object({ ...OnHost, project: z.string().min(1) }).strict(), z.object({ removed: BridgeProject })),

  /** This computer and every saved host, each eligible or not with its reason (issue 6 rules). */
  'handoff/destinations': method('handoff/destinations', z.object(OnThread).strict(), z.object({ destinations: z.array(Destination) })),
  /** Review data for the dialog (issue 6); pre-stages on the destination, locks nothing. */
  'handoff/prepare': method(
    'handoff/prepare',
    z.object({ ...OnThread, to: HostId, followUpPrompt: z.string().min(1).max(1_000_000).optional() }).strict(),
    handoffMethods['handoff/prepare'].result,
  ),
  'handoff/start': method('handoff/start', z.object({ ...OnThread, operationId: OperationId }).strict(), handoffMethods['handoff/start'].result),
  'handoff/status': method('handoff/status', z.object({ ...OnThread, operationId: OperationId }).strict(), handoffMethods['handoff/status'].result),
  'handoff/cancel': method('handoff/cancel', z.object({ ...OnThread, operationId: OperationId }).strict(), handoffMethods['handoff/cancel'].result),

  'connections/list': method('connections/list', Empty, z.object({ hosts: z.array(HostView) })),
  /** Host aliases from ~/.ssh/config that are not saved yet. */
  'connections/suggestions': method('connections/suggestions', Empty, z.object({ suggestions: z.array(SshAliasSuggestion) })),
  'connections/add': method(
    'connections/add',
    z.object({ name: z.string().min(1).max(64), target: z.string().min(1).max(1000) }).strict(),
    z.object({ host: HostView }),
  ),
  'connections/test': method('connections/test', z.object({ name: z.string().min(1) }).strict(), ConnectionTestResult),
  'connections/connect': method('connections/connect', z.object({ name: z.string().min(1) }).strict(), z.object({ host: HostView })),
  'connections/disconnect': method('connections/disconnect', z.object({ name: z.string().min(1) }).strict(), z.object({ host: HostView })),
  'connections/remove': method('connections/remove', z.object({ name: z.string().min(1) }).strict(), z.object({ removed: z.string() })),
  'connections/answer': method(
    'connections/answer',
    z.object({ promptId: z.string().min(1), answer: PromptAnswer }).strict(),
    z.object({ accepted: z.boolean() }),
  ),
} as const;

export type BridgeMethods = typeof bridgeMethods;
export type BridgeMethodName = keyof BridgeMethods;
export type BridgePayload<M extends BridgeMethodName> = z.input<BridgeMethods[M]['payload']>;
export type BridgePayloadParsed<M extends BridgeMethodName> = z.output<BridgeMethods[M]['payload']>;
export type BridgeResult<M extends BridgeMethodName> = z.output<BridgeMethods[M]['result']>;

export function isBridgeMethod(name: unknown): name is BridgeMethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(bridgeMethods, name);
}

// ---------------------------------------------------------------------------------------------
// Pushes (main → renderer)

export const bridgePushes = {
  /** One event of one thread on one host, in revision order: apply with shared/threads/reduce.ts. */
  'thread/event': z.object({ host: HostId, threadId: ThreadId, event: ThreadEvent }),
  /** A host's status changed (connected, offline…); its threads' `online` flag follows it. */
  'host/status': z.object({ host: HostView }),
  /** The thread list changed in a way events do not show (a host came back, a thread appeared). */
  'threads/changed': z.object({ host: HostId }),
  /** Stage and bytes of a running handoff, from the host that owns the thread. */
  'handoff/progress': BridgeHandoffStatus,
  /** The SSH layer needs a person: answer with `connections/answer`. */
  'connections/prompt': z.object({ promptId: z.string(), host: z.string(), prompt: ConnectionPrompt }),
} as const;

export type BridgePushes = typeof bridgePushes;
export type BridgePushName = keyof BridgePushes;
export type BridgePushPayload<N extends BridgePushName> = z.output<BridgePushes[N]>;

export function isBridgePush(name: unknown): name is BridgePushName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(bridgePushes, name);
}

// ---------------------------------------------------------------------------------------------
// Envelopes (the same over Electron IPC and the browser mode's WebSocket)

export const BridgeRequest = z.object({ id: z.number().int().nonnegative(), method: z.string(), payload: z.unknown() });
export type BridgeRequest = z.infer<typeof BridgeRequest>;

export const BridgeResponse = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: BridgeErrorInfo }),
]);
export type BridgeResponse = z.infer<typeof BridgeResponse>;

export const BridgePushEnvelope = z.object({ push: z.string(), payload: z.unknown() });
export type BridgePushEnvelope = z.infer<typeof BridgePushEnvelope>;

/** Largest bridge message either side accepts (a 10,000-item page of a long thread fits). */
export const MAX_BRIDGE_MESSAGE_BYTES = 64 * 1024 * 1024;

// Handoff contracts, declared once: the JSON-RPC methods a client (desktop, CLI, an agent's
// `handoff_thread` tool) calls on the app-server that owns a thread, the progress notification,
// and the peer messages the source and destination app-servers exchange over the secure
// channel. Protocol and recovery: PROTOCOL.md section 6 and shared/handoff/recovery.ts.
import { z } from 'zod';
import { ThreadEvent } from './events';
import { HostId, PermissionProfile, ThreadId, ThreadStatus } from './thread';
import { ObjectId, SnapshotManifest } from './snapshot';

/** Handoff operation ids: chosen by the source, unique, safe as a file name. */
export const OperationId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'operation ids are 8-64 of [A-Za-z0-9_-]');
export type OperationId = z.infer<typeof OperationId>;

const ThreadRef = z.string().min(1).max(512);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a hex SHA-256');

/** Every stable error word a handoff can end with; `message` and `hint` say the rest. */
export const HandoffErrorCode = z.enum([
  // refusals before anything changed
  'self-handoff',
  'thread-moved',
  'already-handing-off',
  'archived',
  'same-host',
  'not-connected',
  'version-skew',
  'no-matching-project',
  'subdirectory-differs',
  'branch-diverged',
  'branch-unrelated',
  'unknown-operation',
  // failures during the operation (the thread stays live on the source, intact)
  'capture-failed',
  'transfer-failed',
  'digest-mismatch',
  'too-large',
  'verify-failed',
  'apply-failed',
  'peer-unreachable',
  'cancelled',
  'too-late-to-cancel',
  'in-doubt',
]);
export type HandoffErrorCode = z.infer<typeof HandoffErrorCode>;

export const HandoffError = z.object({ code: HandoffErrorCode, message: z.string(), hint: z.string().optional() });
export type HandoffError = z.infer<typeof HandoffError>;

// ---------------------------------------------------------------------------------------------
// What clients see

export const DestinationInfo = z.object({
  host: HostId,
  eligible: z.boolean(),
  /** When not eligible: a stable word (shared/handoff/eligibility.ts) and a sentence for the UI. */
  reason: z.enum(['same-host', 'not-connected', 'version-skew', 'no-matching-project', 'subdirectory-differs']).optional(),
  message: z.string().optional(),
});
export type DestinationInfo = z.infer<typeof DestinationInfo>;

export const ReviewWarning = z.object({
  code: z.enum([
    'permission-profile-missing',
    'permission-profile-differs',
    'writable-root-missing',
    'agents-md-differs',
    'hook-path-missing',
    'setup-path-missing',
    'git-too-old',
    'node-too-old',
  ]),
  message: z.string(),
});

export const FileChange = z.object({
  path: z.string(),
  /** Where the change lives: staged (index), unstaged (working tree), or untracked. */
  state: z.enum(['staged', 'unstaged', 'untracked']),
  change: z.enum(['added', 'modified', 'deleted', 'renamed', 'type-changed']),
});

/** The review dialog's data (`handoff/prepare`): everything that will move, and what will not. */
export const HandoffReview = z.object({
  operationId: OperationId,
  threadId: ThreadId,
  from: HostId,
  destination: HostId,
  branch: z.string().nullable(),
  headCommit: ObjectId,
  /** The destination's own path (from the destination, never translated from the source's). */
  worktree: z.object({ path: z.string(), reused: z.boolean() }),
  /** Commits the destination lacks, newest first (at most 200; `commitsTruncated` says more exist). */
  commits: z.array(z.object({ sha: ObjectId, subject: z.string() })),
  commitsTruncated: z.boolean(),
  /** Uncommitted changes that will move. */
  files: z.array(FileChange),
  /** Ignored files that stay behind (directories end with `/`). */
  ignoredLeftBehind: z.array(z.string()),
  ignoredTruncated: z.boolean(),
  /** Transcript size that will move. */
  transcript: z.object({ events: z.number().int().nonnegative(), items: z.number().int().nonnegative() }),
  /** How the incoming tip relates to the destination's branch (shared/git/tips.ts). */
  tip: z.enum(['same', 'fast-forward', 'destination-ahead', 'diverged', 'unrelated', 'new-branch']),
  warnings: z.array(ReviewWarning),
  /** Whether the thread is running now (the handoff will interrupt the turn first). */
  willInterrupt: z.boolean(),
});
export type HandoffReview = z.infer<typeof HandoffReview>;

export const HandoffStage = z.enum([
  'preparing', // eligibility, capture, what the destination lacks (nothing locked)
  'freezing', // interrupting the turn, then fencing the thread
  'transferring', // thread events + Git pack
  'verifying', // the destination checks digests, indexes the pack, stages
  'committing', // the source records the decision
  'applying', // the destination restores Git state and takes ownership
  'finishing', // the source writes its tombstone
  'done',
  'aborted',
]);
export type HandoffStage = z.infer<typeof HandoffStage>;

export const HandoffStatus = z.object({
  operationId: OperationId,
  threadId: ThreadId,
  from: HostId,
  destination: HostId,
  stage: HandoffStage,
  /** running: under way; moved: live on the destination; aborted: live on the source; in-doubt: waiting for the other host. */
  state: z.enum(['running', 'moved', 'aborted', 'in-doubt']),
  bytesDone: z.number().int().nonnegative(),
  bytesTotal: z.number().int().nonnegative(),
  /**
   * Pre-staging of a prepared operation: `running` while the destination takes in the objects
   * and fills the worktree (the click waits for it), `ready` when it has, `failed` when it
   * could not (the click then moves everything).
   */
  prestage: z.enum(['running', 'ready', 'failed']).optional(),
  /** Bytes pre-staging sent while the review was open (not part of bytesTotal, which counts from the click). */
  prestageBytes: z.number().int().nonnegative().optional(),
  error: HandoffError.optional(),
});
export type HandoffStatus = z.infer<typeof HandoffStatus>;

function method<N extends string, P extends z.ZodType, R extends z.ZodType>(name: N, params: P, result: R) {
  return { name, params, result } as const;
}

/** JSON-RPC methods, called on the app-server that owns the thread (shapes as in shared/contracts/rpc.ts). */
export const handoffMethods = {
  /** Every connected host and This computer, each eligible or not with its reason. */
  'handoff/destinations': method(
    'handoff/destinations',
    z.object({ thread: ThreadRef }),
    z.object({ threadId: ThreadId, destinations: z.array(DestinationInfo) }),
  ),
  /** Checks, captures, and pre-stages on the destination; locks nothing. */
  'handoff/prepare': method(
    'handoff/prepare',
    z.object({ thread: ThreadRef, to: HostId, followUpPrompt: z.string().min(1).max(1_000_000).optional() }),
    z.object({ review: HandoffReview }),
  ),
  /** Runs a prepared operation (or prepares one first when only `thread` and `to` are given). */
  'handoff/start': method(
    'handoff/start',
    z.union([
      z.object({ operationId: OperationId }),
      z.object({ thread: ThreadRef, to: HostId, followUpPrompt: z.string().min(1).max(1_000_000).optional() }),
    ]),
    z.object({ operationId: OperationId }),
  ),
  'handoff/status': method('handoff/status', z.object({ operationId: OperationId }), HandoffStatus),
  /** Possible until the source records the commit decision; after it, `too-late-to-cancel`. */
  'handoff/cancel': method(
    'handoff/cancel',
    z.object({ operationId: OperationId }),
    z.object({ operationId: OperationId, cancelled: z.boolean(), stage: HandoffStage }),
  ),
  /**
   * Host to host: one peer message (below) delivered over a JSON-RPC connection, for paths where
   * the other app-server is reached through an RPC client (the desktop relaying, a forward).
   * `payload` is the part bytes, base64.
   */
  'handoff/peer': method(
    'handoff/peer',
    z.object({ request: z.lazy(() => PeerRequest), payload: z.string().max(8 * 1024 * 1024).optional() }),
    z.object({ response: z.lazy(() => PeerResponse) }),
  ),
} as const;

export const handoffNotifications = {
  'handoff/progress': z.object({
    operationId: OperationId,
    threadId: ThreadId,
    from: HostId,
    destination: HostId,
    stage: HandoffStage,
    bytesDone: z.number().int().nonnegative(),
    bytesTotal: z.number().int().nonnegative(),
  }),
} as const;
export type HandoffProgress = z.infer<(typeof handoffNotifications)['handoff/progress']>;

// ---------------------------------------------------------------------------------------------
// Agent tools: a controller thread moves *another* thread (same rules, same path as the UI)

export const handoffAgentTools = {
  handoff_thread: {
    description:
      'Hand off another thread (not this one) to a host: its transcript, plan, approvals and Git work move there and it continues. Returns an operation id; follow it with handoff_status.',
    args: z.object({
      thread: ThreadRef.describe('Thread id, id prefix or exact title'),
      destination: HostId.describe('A connected host name, or "local" for This computer'),
      followUpPrompt: z.string().min(1).max(100_000).optional().describe('Starts a turn with this prompt once the thread has arrived'),
    }),
  },
  handoff_status: {
    description: 'Progress of a handoff started with handoff_thread.',
    args: z.object({ operationId: OperationId }),
  },
} as const;

// ---------------------------------------------------------------------------------------------
// Peer messages: source app-server ⇄ destination app-server
//
// Requests carry `op`; every request gets exactly one response (or a PeerError). Part bytes
// travel as the binary payload of a `part` request, so no base64 inflates a Git pack.

export const PartName = z.enum(['events', 'pack']);
export type PartName = z.infer<typeof PartName>;

export const PartInfo = z.object({
  name: PartName,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  sha256: Sha256,
});
export type PartInfo = z.infer<typeof PartInfo>;

/** What a destination reports about itself and the thread's project (answer to `probe`). */
export const PeerHaves = z.object({
  type: z.literal('haves'),
  host: HostId,
  protocolVersion: z.number().int(),
  serverVersion: z.string(),
  /** Commit ids the destination has of the refs that matter (its branch, remote-tracking refs, pre-staged snapshot). */
  haves: z.array(ObjectId),
  /**
   * Of those, the thread's own snapshots the destination keeps (pre-staged, restored, sent):
   * siblings of the new snapshot, whose objects git's ancestry-based thinning would send again.
   */
  threadSnapshots: z.array(ObjectId),
  /** The destination's branch tip with the thread's branch name, when it has the branch. */
  branchTip: ObjectId.nullable(),
  /** How `baseCommit` relates to `branchTip`, when the destination has both (shared/git/tips.ts). */
  relation: z.enum(['same', 'fast-forward', 'destination-ahead', 'diverged', 'unrelated']).nullable(),
  /** Where the worktree goes, in the destination's own path syntax, and whether it exists already. */
  worktree: z.object({ path: z.string(), reused: z.boolean() }),
  /** Of the paths asked about, those that exist there (review warnings). */
  existingPaths: z.array(z.string()),
  agentsMd: Sha256.nullable(),
  gitVersion: z.string().nullable(),
  nodeVersion: z.string().nullable(),
  profiles: z.array(PermissionProfile),
  /**
   * The thread as the destination knows it: absent, or a tombstone from an earlier handoff. Its
   * log's SHA-256 (each event as one JSON line) lets the source send only the events after it.
   */
  known: z.object({ status: ThreadStatus, revision: z.number().int(), epoch: z.number().int(), logSha256: Sha256 }).nullable(),
});
export type PeerHaves = z.infer<typeof PeerHaves>;

/** What a host says about itself (answer to `describe`): enough to decide eligibility. */
export const PeerDescription = z.object({
  type: z.literal('description'),
  host: HostId,
  protocolVersion: z.number().int(),
  serverVersion: z.string(),
  projects: z.array(z.object({ identity: z.string(), subdir: z.string() })),
});
export type PeerDescription = z.infer<typeof PeerDescription>;

export const PeerRequest = z.discriminatedUnion('type', [
  /** Source → any host: who are you, which projects do you have (for `handoff/destinations`). */
  z.object({ type: z.literal('describe') }),
  /** Source → destination, during prepare: what do you have, where would the worktree go. Also pre-stages. */
  z.object({
    type: z.literal('probe'),
    op: OperationId,
    thread: ThreadId,
    /** Project identity (shared/projects/identity.ts); the destination finds its saved project by it. */
    project: z.string(),
    branch: z.string().nullable(),
    /** The source's HEAD: the destination may pre-create the worktree at it. */
    baseCommit: ObjectId,
    pathsToCheck: z.array(z.string()).max(1_000),
  }),
  /**
   * Source → destination, while the review is open (pre-staging): the objects of the review's
   * snapshot the destination lacks, as a thin pack of `size` bytes sent in chunks (`length`
   * bytes at `offset` in the payload). With the last chunk the destination verifies the pack
   * and fills the thread's worktree with the snapshot, HEAD detached. Locks nothing, moves no
   * branch and takes no ownership; it only makes the click small.
   */
  z.object({
    type: z.literal('prestage'),
    op: OperationId,
    thread: ThreadId,
    project: z.string(),
    /** With the last chunk only (it can list thousands of ignored paths). */
    manifest: SnapshotManifest.optional(),
    size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    sha256: Sha256,
    offset: z.number().int().nonnegative(),
    length: z.number().int().nonnegative(),
  }),
  /** Source → destination, after the freeze: what will come. Answered with resume offsets. */
  z.object({
    type: z.literal('offer'),
    op: OperationId,
    thread: ThreadId,
    from: HostId,
    project: z.string(),
    /** The source's epoch at the freeze: the destination will own the thread under epoch + 1. */
    epoch: z.number().int().nonnegative(),
    /** Revision of the last event in the `events` part. */
    revision: z.number().int().positive(),
    /**
     * Revision of the first event in the `events` part. Above 1 only when the destination
     * already holds the events before it (a tombstone whose log has `prefixSha256`).
     */
    eventsFrom: z.number().int().positive(),
    prefixSha256: Sha256.optional(),
    manifest: SnapshotManifest,
    parts: z.array(PartInfo).length(2),
    followUpPrompt: z.string().optional(),
  }),
  /** Source → destination: `length` bytes of a part at `offset`; the bytes are the message payload. */
  z.object({ type: z.literal('part'), op: OperationId, name: PartName, offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() }),
  /** Source → destination: everything was sent; verify it all and stage it durably (the vote). */
  z.object({ type: z.literal('stage'), op: OperationId }),
  /** Source → destination: the decision is commit (recorded on the source before sending). */
  z.object({ type: z.literal('commit'), op: OperationId, newEpoch: z.number().int().positive() }),
  /** Source → destination: the decision is abort; roll back whatever was staged. */
  z.object({ type: z.literal('abort'), op: OperationId, reason: z.string() }),
  /** Either way: your journal's phase for this operation (recovery). */
  z.object({ type: z.literal('query'), op: OperationId }),
]);
export type PeerRequest = z.infer<typeof PeerRequest>;

export const PeerResponse = z.discriminatedUnion('type', [
  PeerDescription,
  PeerHaves,
  /** Bytes of the pre-staging pack the destination holds; with the last chunk, the objects taken in and the worktree filled. */
  z.object({ type: z.literal('prestaged'), op: OperationId, offset: z.number().int().nonnegative(), objects: z.number().int().nonnegative(), worktree: z.string().nullable() }),
  /** Resume offsets: bytes of each part the destination has verified and kept durably. */
  z.object({ type: z.literal('resume'), op: OperationId, have: z.array(z.object({ name: PartName, offset: z.number().int().nonnegative() })) }),
  z.object({ type: z.literal('part-ack'), op: OperationId, name: PartName, offset: z.number().int().nonnegative() }),
  z.object({ type: z.literal('staged-ack'), op: OperationId, revision: z.number().int().positive(), worktreeCommit: ObjectId }),
  z.object({ type: z.literal('applied-ack'), op: OperationId, epoch: z.number().int().positive(), worktreePath: z.string(), revision: z.number().int().positive() }),
  z.object({ type: z.literal('abort-ack'), op: OperationId }),
  z.object({
    type: z.literal('phase'),
    op: OperationId,
    side: z.enum(['source', 'destination']),
    /** A SourcePhase or DestinationPhase (shared/handoff/recovery.ts). */
    phase: z.enum(['none', 'prepared', 'frozen', 'committed', 'moved', 'aborted', 'receiving', 'staged', 'applied']),
  }),
  z.object({ type: z.literal('error'), op: OperationId.optional(), error: HandoffError }),
]);
export type PeerResponse = z.infer<typeof PeerResponse>;

/**
 * The `events` part: the source's thread log from revision `eventsFrom` on, one JSON line per
 * event, gzipped (a transcript compresses about tenfold); validated on arrival.
 */
export const EventsPart = z.array(ThreadEvent);

/** Part and pre-staging chunks are at most this many bytes (fits a handful of Noise messages; keeps resume cheap). */
export const PART_CHUNK_BYTES = 256 * 1024;

// Handoff on one host: both roles (source coordinator, destination participant), the journal
// they share, and recovery. The RPC methods handoff/* and the peer channel call in here; the
// decisions themselves are the pure functions of shared/handoff/.
import type { DestinationInfo, HandoffProgress, HandoffReview, HandoffStatus, PeerRequest, PeerResponse } from '../../../shared/contracts/handoff';
import { checkDestination, listDestinations } from '../../../shared/handoff/eligibility';
import { resolveRecovery, type DestinationPhase, type Resolution, type SourcePhase } from '../../../shared/handoff/recovery';
import type { Requester } from '../../../shared/handoff/request';
import type { ProjectStore } from '../projects/projectStore';
import type { ThreadStore } from '../storage/threadStore';
import type { ThreadService } from '../threads/service';
import { DestinationRole } from './destination';
import { Journal } from './journal';
import { call, HandoffFailure, PeerUnavailableError, type PeerLink } from './peer';
import { SourceRole, type SourceData } from './source';
import { ThreadAccess } from './threadAccess';

export interface HandoffServiceOptions {
  home: string;
  hostId: string;
  serverVersion: string;
  store: ThreadStore;
  threads: ThreadService;
  projects: ProjectStore;
  /** The channel to another host's app-server, or null when it is not connected. */
  peers: (host: string) => PeerLink | null;
  /** Hosts a thread could go to: This computer and every saved SSH host (connected or not). */
  hosts: () => string[];
  notify?: (p: HandoffProgress) => void;
  chunkBytes?: number;
  retries?: number;
  retryDelayMs?: number;
  /** How long a worktree pre-staged for a handoff that never came is kept (default a day). */
  preparedTtlMs?: number;
}

export interface RecoveryOutcome {
  op: string;
  side: 'source' | 'destination';
  thread: string;
  resolution?: Resolution;
  /** False when something is still owed to an unreachable host: run recovery again when it is back. */
  settled: boolean;
  error?: string;
}

export class HandoffService {
  readonly journal: Journal;
  readonly threads: ThreadAccess;
  readonly source: SourceRole;
  readonly destination: DestinationRole;

  constructor(private readonly o: HandoffServiceOptions) {
    this.journal = new Journal(o.home);
    this.threads = new ThreadAccess(o.store, o.threads);
    this.source = new SourceRole({
      hostId: o.hostId,
      journal: this.journal,
      threads: this.threads,
      peers: o.peers,
      notify: o.notify,
      chunkBytes: o.chunkBytes,
      retries: o.retries,
      retryDelayMs: o.retryDelayMs,
    });
    this.destination = new DestinationRole({
      home: o.home,
      hostId: o.hostId,
      serverVersion: o.serverVersion,
      journal: this.journal,
      threads: this.threads,
      projects: o.projects,
      preparedTtlMs: o.preparedTtlMs,
    });
  }

  /** The peer handler: give it to the channel other hosts' app-servers talk to. */
  handle = (req: PeerRequest, payload: Uint8Array | undefined): Promise<PeerResponse> => this.destination.handle(req, payload);

  // ------------------------------------------------------------------------------ RPC surface

  /** `handoff/destinations` */
  async destinations(threadRef: string): Promise<{ threadId: string; destinations: DestinationInfo[] }> {
    const threadId = this.o.threads.resolve(threadRef);
    const thread = await this.threads.read(threadId);
    const hosts = [...new Set(this.o.hosts())];
    const candidates = await Promise.all(hosts.map((h) => (h === this.o.hostId ? { id: h, connected: true, projects: [] } : this.source.describe(h))));
    return {
      threadId,
      destinations: listDestinations(thread, candidates).map((d) => (d.eligible ? { host: d.host, eligible: true } : { host: d.host, eligible: false, reason: d.reason, message: d.message })),
    };
  }

  /** `handoff/prepare` */
  async prepare(p: { thread: string; to: string; followUpPrompt?: string; requester?: Requester }): Promise<HandoffReview> {
    const threadId = this.o.threads.resolve(p.thread);
    try {
      return await this.source.prepare({ threadId, to: p.to, followUpPrompt: p.followUpPrompt, requester: p.requester });
    } catch (e) {
      if (e instanceof PeerUnavailableError) throw new HandoffFailure('peer-unreachable', `${e.message} Nothing was changed.`, 'Check the connection to the host, then try again.');
      throw e;
    }
  }

  /** `handoff/start`: returns at once; follow with `handoff/status` or the `handoff/progress` notifications. */
  async start(p: { operationId: string } | { thread: string; to: string; followUpPrompt?: string; requester?: Requester }): Promise<{ operationId: string }> {
    const op = 'operationId' in p ? p.operationId : (await this.prepare(p)).operationId;
    const done = this.source.start(op);
    done.catch(() => undefined); // reported through status
    return { operationId: op };
  }

  /** Prepares (when needed) and runs a handoff to its end: what the CLI's `--yes` and tests use. */
  async run(p: { operationId: string } | { thread: string; to: string; followUpPrompt?: string; requester?: Requester }): Promise<HandoffStatus> {
    const op = 'operationId' in p ? p.operationId : (await this.prepare(p)).operationId;
    return this.source.start(op);
  }

  /** `handoff/status` */
  status(operationId: string): HandoffStatus {
    return this.source.status(operationId);
  }

  /** `handoff/cancel` */
  async cancel(operationId: string) {
    return { operationId, ...(await this.source.cancel(operationId)) };
  }

  /** Whether `to` may receive `thread` now (the agent tool checks this before asking). */
  async eligibility(threadRef: string, to: string) {
    const thread = await this.threads.read(this.o.threads.resolve(threadRef));
    return checkDestination(thread, to === this.o.hostId ? { id: to, connected: true, projects: [] } : await this.source.describe(to));
  }

  // ------------------------------------------------------------------------------ recovery

  /**
   * Resolves every open operation (call on start, and whenever a host reconnects): asks the
   * other side for its phase, decides with `resolveRecovery`, and does this side's part.
   */
  recover(): Promise<RecoveryOutcome[]> {
    // One pass at a time: two reconnects in a row must not run one operation's actions twice at once.
    this.recovering ??= this.recoverOnce().finally(() => (this.recovering = null));
    return this.recovering;
  }

  private recovering: Promise<RecoveryOutcome[]> | null = null;

  private async recoverOnce(): Promise<RecoveryOutcome[]> {
    const out: RecoveryOutcome[] = [];
    for (const entry of this.journal.open()) {
      if (entry.side === 'source' && this.source.isRunning(entry.op)) continue;
      const data = entry.data as unknown as SourceData & { offer?: { thread: string; from: string } };
      const thread = entry.side === 'source' ? data.thread : (data.offer?.thread ?? '?');
      try {
        out.push(entry.side === 'source' ? await this.recoverSource(entry.op, entry.phase as SourcePhase, data) : await this.recoverDestination(entry.op, entry.phase as DestinationPhase, data.offer?.from));
      } catch (e) {
        out.push({ op: entry.op, side: entry.side, thread, settled: false, error: e instanceof Error ? e.message : String(e) });
      }
    }
    // After the operations: one that just closed may free a pre-staged worktree.
    await this.destination.cleanupPrepared().catch(() => undefined);
    return out;
  }

  private async otherPhase(host: string | undefined, op: string): Promise<string> {
    const link = host ? this.o.peers(host) : null;
    if (!link) return 'unreachable';
    try {
      return (await call(link, { type: 'query', op })).phase;
    } catch {
      return 'unreachable';
    }
  }

  private async recoverSource(op: string, phase: SourcePhase, data: SourceData): Promise<RecoveryOutcome> {
    const dest = (await this.otherPhase(data.to, op)) as DestinationPhase | 'unreachable';
    const r = resolveRecovery(phase, dest);
    const link = this.o.peers(data.to);
    const has = (a: string) => (r.source as string[]).includes(a);
    const destNeeds = (a: string) => (r.destination as string[]).includes(a);
    // Order: decide, lift or keep the fence, bring the destination to the decision, and only
    // then tombstone (never before the destination holds the thread).
    if (has('record-abort')) this.journal.record(op, 'source', 'aborted', { reason: 'recovered: no commit decision was recorded' });
    if (has('record-commit')) this.journal.record(op, 'source', 'committed', { newEpoch: (data.epoch ?? 0) + 1 });
    if (has('unfreeze')) await this.source.unfreeze(op, data.thread);
    if (dest !== 'unreachable' && link) {
      if (has('resend-transfer')) await this.source.transfer(op, this.journal.get(op)!.data as unknown as SourceData);
      if (has('send-commit') || destNeeds('apply')) await call(link, { type: 'commit', op, newEpoch: (data.epoch ?? 0) + 1 });
      if (has('send-abort') || destNeeds('roll-back')) await call(link, { type: 'abort', op, reason: 'recovered: aborted' });
    }
    if (has('write-tombstone')) await this.source.tombstone(op);
    const settled = !r.retry && dest !== 'unreachable';
    if (settled || (r.live === 'destination' && this.journal.phase(op, 'source') === 'moved')) {
      this.journal.close(op);
      await this.source.dropSnapshot(op);
    }
    return { op, side: 'source', thread: data.thread, resolution: r, settled };
  }

  private async recoverDestination(op: string, phase: DestinationPhase, from: string | undefined): Promise<RecoveryOutcome> {
    const src = (await this.otherPhase(from, op)) as SourcePhase | 'unreachable';
    const thread = (this.journal.get(op)?.data.offer as { thread?: string } | undefined)?.thread ?? '?';
    // Only the source decides. While it is reachable and has not decided, wait for it.
    if (src === 'prepared' || src === 'frozen') return { op, side: 'destination', thread, settled: false };
    const r = resolveRecovery(src, phase);
    const has = (a: string) => (r.destination as string[]).includes(a);
    // The destination lost what it staged: only the source can send it again.
    if (has('restage')) return { op, side: 'destination', thread, resolution: r, settled: false };
    if (has('roll-back')) this.destination.abort(op);
    if (has('apply')) {
      if (phase === 'staged') this.journal.record(op, 'destination', 'committed', { recovered: true });
      await this.destination.apply(op);
    }
    if (has('resume')) await this.destination.resume(op);
    return { op, side: 'destination', thread, resolution: r, settled: !r.retry };
  }
}


// The source's half of a handoff, the coordinator: prepare (nothing locked) → freeze →
// transfer → stage (the destination's vote) → commit decision → apply (destination) →
// tombstone. The one durable decision is the `committed` journal record; before it every
// failure aborts and gives the thread back, after it every path ends on the destination.
// Why a two-phase commit with the source deciding: see shared/handoff/recovery.ts.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { HandoffProgress, HandoffReview, HandoffStage, HandoffStatus, PartInfo, PartName, PeerHaves } from '../../../shared/contracts/handoff';
import { PART_CHUNK_BYTES } from '../../../shared/contracts/handoff';
import type { SnapshotManifest } from '../../../shared/contracts/snapshot';
import type { Thread } from '../../../shared/contracts/thread';
import { classifyTip } from '../../../shared/git/tips';
import { checkDestination, type CandidateHost } from '../../../shared/handoff/eligibility';
import { checkHandoffRequest, type Requester } from '../../../shared/handoff/request';
import { pathsToCheck, reviewWarnings } from '../../../shared/handoff/warnings';
import { captureSnapshot } from '../git/capture';
import { GitStateError } from '../git/errors';
import { git } from '../git/git';
import { deleteRef, mergeBase } from '../git/refs';
import { objectType } from '../git/repo';
import { sentRef } from './refs';
import { encodeEventsPart, eventsStart } from './eventsPart';
import type { Journal } from './journal';
import { call, HandoffFailure, PeerUnavailableError, type PeerLink } from './peer';
import { packForDestination } from './pack';
import { changedFiles, missingCommits } from './review';
import type { ThreadAccess } from './threadAccess';

export interface SourceDeps {
  hostId: string;
  journal: Journal;
  threads: ThreadAccess;
  /** The channel to a host, or null when it is not connected. */
  peers: (host: string) => PeerLink | null;
  notify?: (p: HandoffProgress) => void;
  /** Part chunk size (tests use small ones to cut transfers at many offsets). */
  chunkBytes?: number;
  /** How often a cut transfer is resumed before the operation is aborted. */
  retries?: number;
  retryDelayMs?: number;
}

/** What the source journals about an operation (merged across its records). */
export interface SourceData {
  thread: string;
  to: string;
  project: string;
  followUpPrompt?: string;
  epoch?: number;
  revision?: number;
  manifest?: SnapshotManifest;
  newEpoch?: number;
  /** The review's snapshot ref (pre-staged; the base of the final pack). */
  reviewRef?: string;
}

interface Running {
  status: HandoffStatus;
  cancel: boolean;
  done: Promise<HandoffStatus>;
}

export class SourceRole {
  private readonly ops = new Map<string, Running>();
  /**
   * The pack built for an operation, reused by every retry: git may pack the same objects into
   * different bytes, and only identical bytes let the destination keep what it verified.
   */
  private readonly packs = new Map<string, { bytes: Buffer }>();
  private readonly statuses = new Map<string, HandoffStatus>();

  constructor(private readonly d: SourceDeps) {}

  /** Reviews prepared by this process, until their click (or until the operation closes). */
  private readonly reviews = new Map<string, Review>();

  /** Operations prepared by this process whose review may still be open. */
  private readonly reviewing = new Set<string>();

  /** Is this operation being driven, or reviewed, by this process now (recovery must leave it alone)? */
  isRunning(op: string): boolean {
    return this.ops.has(op) || this.reviewing.has(op);
  }

  async describe(host: string): Promise<CandidateHost> {
    const link = this.d.peers(host);
    if (!link) return { id: host, connected: false, projects: [] };
    try {
      const d = await call(link, { type: 'describe' });
      return { id: host, connected: true, protocolVersion: d.protocolVersion, serverVersion: d.serverVersion, projects: d.projects };
    } catch (e) {
      if (e instanceof PeerUnavailableError) return { id: host, connected: false, projects: [] };
      // It answered, but not in words we understand: another version of Baton.
      return { id: host, connected: true, projects: [] };
    }
  }

  /** Checks, captures and asks the destination what it has. Locks nothing. */
  async prepare(p: { threadId: string; to: string; followUpPrompt?: string; requester?: Requester }): Promise<HandoffReview> {
    const thread = await this.d.threads.read(p.threadId);
    const req = checkHandoffRequest(thread, p.requester ?? { kind: 'user' });
    if (!req.ok) throw new HandoffFailure(req.reason, req.message);
    const candidate = p.to === this.d.hostId ? { id: p.to, connected: true, projects: [] } : await this.describe(p.to);
    const verdict = checkDestination(thread, candidate);
    if (!verdict.eligible) throw new HandoffFailure(verdict.reason, verdict.message);
    const link = this.link(p.to);

    const op = `ho_${randomBytes(9).toString('base64url')}`;
    const manifest = await this.capture(thread, { snapshotId: `review-${op}` });
    let prepared = false;
    try {
      const repo = thread.worktreePath;
      const haves = await call(link, {
        type: 'probe',
        op,
        thread: thread.id,
        project: thread.project.identity,
        branch: manifest.head.branch,
        baseCommit: manifest.head.commit,
        pathsToCheck: pathsToCheck(thread.settings),
      });
      const tip = await this.tipRelation(repo, manifest, haves.branchTip, haves.relation);
      if (tip === 'diverged' || tip === 'unrelated') {
        const name = manifest.head.branch!.replace(/^refs\/heads\//, '');
        throw new HandoffFailure(
          tip === 'diverged' ? 'branch-diverged' : 'branch-unrelated',
          `Branch ${name} on ${p.to} (${haves.branchTip}) and here (${manifest.head.commit}) ${tip === 'diverged' ? 'have diverged' : 'share no history'}; nothing was changed.`,
          `Merge or rebase one onto the other (or rename the branch), then hand the thread off again.`,
        );
      }
      const agents = path.join(repo, 'AGENTS.md');
      const missing = await missingCommits(repo, manifest.head.commit, haves.haves);
      const review: HandoffReview = {
        operationId: op,
        threadId: thread.id,
        from: this.d.hostId,
        destination: p.to,
        branch: manifest.head.branch,
        headCommit: manifest.head.commit,
        worktree: haves.worktree,
        commits: missing.commits,
        commitsTruncated: missing.truncated,
        files: await changedFiles(repo, manifest),
        ignoredLeftBehind: manifest.ignored,
        ignoredTruncated: manifest.ignoredTruncated,
        transcript: { events: thread.revision, items: thread.itemCount },
        tip,
        warnings: reviewWarnings({
          settings: thread.settings,
          source: { agentsMd: existsSync(agents) ? createHash('sha256').update(readFileSync(agents)).digest('hex') : null },
          destination: { ...haves, host: p.to },
        }),
        willInterrupt: thread.activeTurnId !== null,
      };
      // The review's snapshot stays referenced while the operation is open: it is what the
      // destination pre-stages, and the base the final pack is thinned against.
      const data: SourceData = { thread: thread.id, to: p.to, project: thread.project.identity, followUpPrompt: p.followUpPrompt, reviewRef: manifest.ref };
      this.d.journal.record(op, 'source', 'prepared', { ...data });
      this.reviewing.add(op);
      // Pre-staging: while the review is open, the destination takes in what it lacks and fills
      // the worktree, so the click on "Hand off" moves and applies only what changed since.
      const kept: Review = { manifest, haves: haves.haves, known: haves.known, threadSnapshots: haves.threadSnapshots, prestage: { state: 'running', done: Promise.resolve() } };
      kept.prestage.done = this.prestage(op, link, repo, thread.project.identity, kept).then(
        () => void (kept.prestage.state = 'ready'),
        () => void (kept.prestage.state = 'failed'),
      );
      this.reviews.set(op, kept);
      this.statuses.set(op, this.initialStatus(op, data));
      prepared = true;
      return review;
    } finally {
      // Refused: nothing of the attempt may stay behind.
      if (!prepared) await deleteRef(thread.worktreePath, manifest.ref).catch(() => undefined);
    }
  }

  /**
   * Sends the review's snapshot to the destination in chunks (it answers with where it is, so a
   * repeated or lost chunk resolves itself); with the last one it fills the worktree. The
   * manifest goes with the last chunk only: it can list thousands of ignored paths.
   */
  private async prestage(op: string, link: PeerLink, repo: string, project: string, review: Review): Promise<void> {
    const { manifest } = review;
    const pack = await packForDestination(repo, { want: manifest.worktreeCommit, haves: review.haves, snapshots: review.threadSnapshots });
    review.prestage.bytes = pack.size;
    const chunk = this.d.chunkBytes ?? PART_CHUNK_BYTES;
    const base = { type: 'prestage' as const, op, thread: manifest.thread, project, size: pack.size, sha256: pack.sha256 };
    let offset = 0;
    // Bounded: every answer moves forward, except after a cut, which `call` throws for.
    for (let sent = 0; sent <= Math.ceil(pack.size / chunk) + 2; sent++) {
      const bytes = pack.bytes.subarray(offset, Math.min(pack.size, offset + chunk));
      const last = offset + bytes.length === pack.size;
      const r = await call(link, { ...base, offset, length: bytes.length, ...(last ? { manifest } : {}) }, bytes);
      if (r.worktree !== null) return;
      offset = r.offset;
    }
    throw new HandoffFailure('transfer-failed', `Pre-staging of handoff ${op} did not complete.`);
  }

  /** Runs a prepared operation to its end; resolves with its final status (never rejects). */
  start(op: string): Promise<HandoffStatus> {
    const existing = this.ops.get(op);
    if (existing) return existing.done;
    const entry = this.d.journal.get(op);
    if (!entry || entry.side !== 'source') {
      return Promise.reject(new HandoffFailure('unknown-operation', `There is no handoff ${op} on this host.`, 'Prepare it first (handoff/prepare).'));
    }
    if (entry.phase !== 'prepared') return Promise.resolve(this.status(op));
    const data = entry.data as unknown as SourceData;
    this.reviewing.delete(op);
    const running: Running = { status: { ...this.initialStatus(op, data), stage: 'freezing' }, cancel: false, done: null as never };
    this.ops.set(op, running);
    running.done = this.run(op, data, running).finally(() => this.ops.delete(op));
    return running.done;
  }

  status(op: string): HandoffStatus {
    const r = this.ops.get(op);
    if (r) return { ...r.status };
    const s = this.statuses.get(op);
    const entry = this.d.journal.get(op);
    if (!entry || entry.side !== 'source') {
      if (s) return s;
      throw new HandoffFailure('unknown-operation', `There is no handoff ${op} on this host.`);
    }
    const data = entry.data as unknown as SourceData;
    const pre = this.reviews.get(op)?.prestage;
    const base = {
      ...(s ?? this.initialStatus(op, data)),
      ...(pre && entry.phase === 'prepared' ? { prestage: pre.state } : {}),
      ...(pre?.bytes !== undefined ? { prestageBytes: pre.bytes } : {}),
    };
    const state = entry.phase === 'moved' ? 'moved' : entry.phase === 'aborted' ? 'aborted' : entry.phase === 'committed' ? 'in-doubt' : base.state;
    const stage: HandoffStage = entry.phase === 'moved' ? 'done' : entry.phase === 'aborted' ? 'aborted' : entry.phase === 'committed' ? 'applying' : base.stage;
    return { ...base, state, stage };
  }

  /** Cancels before the commit decision; afterwards the handoff can only finish. */
  async cancel(op: string): Promise<{ cancelled: boolean; stage: HandoffStage }> {
    const entry = this.d.journal.get(op);
    if (!entry || entry.side !== 'source') throw new HandoffFailure('unknown-operation', `There is no handoff ${op} on this host.`);
    if (entry.phase === 'committed' || entry.phase === 'moved') {
      throw new HandoffFailure('too-late-to-cancel', `Handoff ${op} is already committed; the thread is moving to ${(entry.data as unknown as SourceData).to}.`, 'Wait for it to finish, then hand the thread back if needed.');
    }
    if (entry.phase === 'aborted') return { cancelled: true, stage: 'aborted' };
    this.reviewing.delete(op);
    const r = this.ops.get(op);
    if (r) {
      r.cancel = true;
      const s = await r.done;
      return { cancelled: s.state === 'aborted', stage: s.stage };
    }
    await this.abort(op, new HandoffFailure('cancelled', 'The handoff was cancelled.'));
    return { cancelled: true, stage: 'aborted' };
  }

  // ------------------------------------------------------------------------------ the run

  /** Resolves when the operation's pre-staging (if any) has finished, successfully or not. */
  async prestaged(op: string): Promise<void> {
    await this.reviews.get(op)?.prestage.done;
  }

  private async run(op: string, data: SourceData, r: Running): Promise<HandoffStatus> {
    const progress = (stage: HandoffStage, bytesDone = r.status.bytesDone, bytesTotal = r.status.bytesTotal) => {
      r.status = { ...r.status, stage, bytesDone, bytesTotal };
      this.d.notify?.({ operationId: op, threadId: data.thread, from: this.d.hostId, destination: data.to, stage, bytesDone, bytesTotal });
    };
    const checkCancel = () => {
      if (r.cancel) throw new HandoffFailure('cancelled', 'The handoff was cancelled; the thread stays here.');
    };
    try {
      const review = this.reviews.get(op);
      await review?.prestage.done;
      this.reviews.delete(op);
      const prestaged = review?.prestage.state === 'ready';
      if (review?.prestage.bytes !== undefined) r.status = { ...r.status, prestageBytes: review.prestage.bytes };
      progress('freezing');
      // Journal first: if we die between the record and the fence, recovery lifts a fence that
      // may or may not be there (unfreeze is idempotent); the reverse order could leave a
      // thread fenced with no record saying why.
      const holder = this.fenceHolder(data.thread, op);
      if (holder) throw new HandoffFailure('already-handing-off', `Thread ${data.thread} is already being handed off (${holder}).`, 'Wait for that handoff to finish, or cancel it.');
      this.d.journal.record(op, 'source', 'frozen');
      const { epoch, revision } = await this.d.threads.freeze(data.thread);
      // Fence before capture: no turn runs and no write lands any more, so the snapshot is final.
      const thread = await this.d.threads.read(data.thread);
      // When nothing changed since the review, its snapshot is final: the destination already
      // holds it and has its worktree filled with it, so the click moves no objects and the
      // restore only moves HEAD.
      const manifest = await this.capture(thread, prestaged && review ? { unchangedFrom: review.manifest } : {});
      this.d.journal.record(op, 'source', 'frozen', { epoch, revision, manifest });
      checkCancel();
      // The first attempt uses what the review's probe learned (plus the pre-staged snapshot,
      // which the destination confirmed); a retry after a cut asks again.
      let probed = review && { haves: review.haves, known: review.known, threadSnapshots: prestaged ? [...review.threadSnapshots, review.manifest.worktreeCommit] : review.threadSnapshots };
      await this.withRetries(() => {
        const p = probed;
        probed = undefined;
        return this.transfer(op, { ...data, epoch, revision, manifest }, progress, checkCancel, p);
      });
      checkCancel();

      progress('committing');
      // THE decision point, taken inside the thread's write queue while it is provably unchanged.
      await this.d.threads.whileFrozenAt(data.thread, revision, () => {
        if (r.cancel) throw new HandoffFailure('cancelled', 'The handoff was cancelled; the thread stays here.');
        this.d.journal.record(op, 'source', 'committed', { newEpoch: epoch + 1 });
      });
    } catch (e) {
      this.packs.delete(op);
      const err = asFailure(e);
      await this.abort(op, err);
      r.status = { ...r.status, state: 'aborted', stage: 'aborted', error: err.toJSON() };
      this.statuses.set(op, r.status);
      this.d.notify?.({ operationId: op, threadId: data.thread, from: this.d.hostId, destination: data.to, stage: 'aborted', bytesDone: r.status.bytesDone, bytesTotal: r.status.bytesTotal });
      return r.status;
    }

    // Committed: from here every path ends on the destination; failures only delay it.
    try {
      progress('applying');
      await this.finishCommitted(op);
      progress('done');
      r.status = { ...r.status, state: 'moved', stage: 'done' };
    } catch (e) {
      r.status = { ...r.status, state: 'in-doubt', error: asFailure(e).toJSON() };
    }
    this.statuses.set(op, r.status);
    // Cleanup after the thread is reported moved: it is live there already, and the refs wait.
    if (r.status.state === 'moved') await this.dropSnapshot(op).catch(() => undefined);
    return r.status;
  }

  /** Sends commit (idempotent on the destination), writes the tombstone and closes the operation. */
  async finishCommitted(op: string): Promise<void> {
    const entry = this.d.journal.get(op)!;
    const data = entry.data as unknown as SourceData;
    if (entry.phase === 'committed') {
      await this.withRetries(async () => {
        await call(this.link(data.to), { type: 'commit', op, newEpoch: data.newEpoch! });
      });
      await this.tombstone(op);
    }
    this.d.journal.close(op);
  }

  /**
   * The snapshot ref kept the captured objects for a resend; once the operation is closed nothing
   * needs it. When the thread left, its last snapshot stays referenced as `sentRef` instead: a
   * have for the way back, so the destination does not send this host's own files back to it.
   */
  async dropSnapshot(op: string): Promise<void> {
    this.packs.delete(op);
    this.reviews.delete(op);
    const entry = this.d.journal.get(op);
    const data = entry?.data as unknown as SourceData | undefined;
    if (!data || !this.d.threads.exists(data.thread)) return;
    const t = await this.d.threads.read(data.thread);
    if (entry!.phase === 'moved' && data.manifest) await git(['update-ref', '-m', `baton: ${data.thread} sent to ${data.to}`, sentRef(data.thread), data.manifest.worktreeCommit], { cwd: t.worktreePath }).catch(() => undefined);
    for (const ref of [data.manifest?.ref, data.reviewRef]) if (ref) await deleteRef(t.worktreePath, ref).catch(() => undefined);
  }

  async tombstone(op: string): Promise<void> {
    const data = this.d.journal.get(op)!.data as unknown as SourceData;
    await this.d.threads.tombstone(data.thread, data.to);
    this.d.journal.record(op, 'source', 'moved');
  }

  /** The transfer: offer, parts from where the destination has verified, stage. Idempotent. */
  async transfer(
    op: string,
    data: SourceData,
    progress?: (s: HandoffStage, done?: number, total?: number) => void,
    checkCancel?: () => void,
    probed?: Pick<PeerHaves, 'haves' | 'known' | 'threadSnapshots'>,
  ): Promise<void> {
    const link = this.link(data.to);
    const thread = await this.d.threads.read(data.thread);
    const m = data.manifest!;
    const haves =
      probed ??
      (await call(link, {
        type: 'probe',
        op,
        thread: data.thread,
        project: data.project,
        branch: m.head.branch,
        baseCommit: m.head.commit,
        pathsToCheck: [],
      }));
    // A pack built against fewer haves is still complete, so a retry reuses the first one.
    let pack = this.packs.get(op);
    if (!pack) {
      pack = await packForDestination(thread.worktreePath, { want: m.worktreeCommit, haves: haves.haves, snapshots: haves.threadSnapshots });
      this.packs.set(op, pack);
    }
    // The events part is the log exactly up to the frozen revision (the tombstone may follow it
    // later), from where the destination's own copy ends when it has the beginning already.
    const log = this.d.threads.events(data.thread).filter((e) => e.rev <= data.revision!);
    const from = eventsStart(log, haves.known);
    const events = encodeEventsPart(log, from.eventsFrom);
    const bodies: Record<PartName, Buffer> = { events, pack: pack.bytes };
    const parts: PartInfo[] = (['events', 'pack'] as const).map((name) => ({ name, size: bodies[name].length, sha256: sha256(bodies[name]) }));
    const total = parts.reduce((n, p) => n + p.size, 0);
    progress?.('transferring', 0, total);
    const resume = await call(link, {
      type: 'offer',
      op,
      thread: data.thread,
      from: this.d.hostId,
      project: data.project,
      epoch: data.epoch!,
      revision: data.revision!,
      ...from,
      manifest: m,
      parts,
      followUpPrompt: data.followUpPrompt,
    });
    const chunk = this.d.chunkBytes ?? PART_CHUNK_BYTES;
    const offsets = new Map(resume.have.map((h) => [h.name, h.offset]));
    const doneBytes = () => [...offsets.values()].reduce((a, b) => a + b, 0);
    for (const p of parts) {
      let offset = offsets.get(p.name) ?? 0;
      while (offset < p.size) {
        checkCancel?.();
        const bytes = bodies[p.name].subarray(offset, Math.min(p.size, offset + chunk));
        const ack = await call(link, { type: 'part', op, name: p.name, offset, length: bytes.length }, bytes);
        // The destination says where it is; continue from there (a duplicate or a gap both resolve).
        offset = ack.offset;
        offsets.set(p.name, offset);
        progress?.('transferring', doneBytes(), total);
      }
    }
    progress?.('verifying', total, total);
    await call(link, { type: 'stage', op });
  }

  /** Records the abort (if no commit), lifts the fence, and tells the destination (best effort). */
  async abort(op: string, why: HandoffFailure): Promise<void> {
    const entry = this.d.journal.get(op);
    if (!entry) return;
    const data = entry.data as unknown as SourceData;
    if (entry.phase === 'prepared' || entry.phase === 'frozen') this.d.journal.record(op, 'source', 'aborted', { reason: why.message });
    if (this.d.journal.phase(op, 'source') !== 'aborted') return;
    await this.unfreeze(op, data.thread);
    try {
      await call(this.link(data.to), { type: 'abort', op, reason: why.message });
      this.d.journal.close(op);
      await this.dropSnapshot(op);
    } catch {
      // Unreachable: the destination holds nothing live; recovery tells it when it is back.
    }
  }

  /**
   * Lifts the fence for `op`, unless another operation of the same thread holds it now: only
   * one operation per thread may be frozen at a time (checked before freezing), and an
   * operation that never froze must not lift somebody else's fence.
   */
  async unfreeze(op: string, thread: string): Promise<void> {
    if (this.fenceHolder(thread, op)) return;
    await this.d.threads.unfreeze(thread);
  }

  /** Another open operation of this thread that is frozen or committed, if any. */
  private fenceHolder(thread: string, except: string): string | null {
    const other = this.d.journal
      .open()
      .find((e) => e.op !== except && e.side === 'source' && (e.data as { thread?: string }).thread === thread && (e.phase === 'frozen' || e.phase === 'committed'));
    return other ? other.op : null;
  }

  private link(host: string): PeerLink {
    const link = this.d.peers(host);
    if (!link) throw new PeerUnavailableError(host, 'not connected');
    return link;
  }

  /** Runs `f` again after a cut connection (each attempt resumes from the destination's state). */
  private async withRetries<T>(f: () => Promise<T>): Promise<T> {
    const attempts = (this.d.retries ?? 3) + 1;
    for (let i = 1; ; i++) {
      try {
        return await f();
      } catch (e) {
        if (!(e instanceof PeerUnavailableError) || i >= attempts) throw e;
        await new Promise((r) => setTimeout(r, (this.d.retryDelayMs ?? 1_000) * i));
      }
    }
  }

  private async capture(thread: Pick<Thread, 'id' | 'worktreePath'>, opts: { snapshotId?: string; unchangedFrom?: SnapshotManifest } = {}): Promise<SnapshotManifest> {
    try {
      return await captureSnapshot({ cwd: thread.worktreePath, thread: thread.id, ...opts });
    } catch (e) {
      if (e instanceof GitStateError) throw new HandoffFailure('capture-failed', e.message, e.hint);
      throw e;
    }
  }

  private async tipRelation(repo: string, m: SnapshotManifest, branchTip: string | null, relation: HandoffReview['tip'] | null): Promise<HandoffReview['tip']> {
    if (!m.head.branch || !branchTip) return 'new-branch';
    if (relation) return relation;
    if (branchTip === m.head.commit) return 'same';
    // The destination lacks our HEAD. If we have its tip we can tell; if not, it has commits we
    // do not and lacks ours: neither contains the other.
    if ((await objectType(repo, branchTip)) === 'commit') {
      return classifyTip({ incoming: m.head.commit, destination: branchTip, mergeBase: await mergeBase(repo, m.head.commit, branchTip) });
    }
    return 'diverged';
  }

  private initialStatus(op: string, data: SourceData): HandoffStatus {
    return { operationId: op, threadId: data.thread, from: this.d.hostId, destination: data.to, stage: 'preparing', state: 'running', bytesDone: 0, bytesTotal: 0 };
  }
}

/**
 * What a review learned, for a click in this process: its snapshot and the destination's answer
 * to the probe (the click needs no second probe; when nothing changed since, the snapshot is
 * final, and the destination holds it), and how pre-staging goes (the click waits for it).
 */
interface Review extends Pick<PeerHaves, 'haves' | 'known' | 'threadSnapshots'> {
  manifest: SnapshotManifest;
  prestage: { state: NonNullable<HandoffStatus['prestage']>; bytes?: number; done: Promise<void> };
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function asFailure(e: unknown): HandoffFailure {
  if (e instanceof HandoffFailure) return e;
  if (e instanceof PeerUnavailableError) return new HandoffFailure('peer-unreachable', e.message, 'Check the connection to the host, then hand the thread off again.');
  return new HandoffFailure('transfer-failed', e instanceof Error ? e.message : String(e));
}

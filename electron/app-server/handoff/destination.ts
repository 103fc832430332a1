// The destination's half of a handoff: answer what it has, receive and verify parts durably,
// stage (the vote), and on the source's commit apply: restore Git state and take ownership
// under epoch + 1. Every handler checks the journal first, so a repeated message (a retry
// after a cut connection) gets the same answer and changes nothing twice.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ThreadEvent } from '../../../shared/contracts/events';
import type { PartInfo, PartName, PeerRequest, PeerResponse } from '../../../shared/contracts/handoff';
import type { ProjectInfo } from '../../../shared/contracts/rpc';
import type { SnapshotManifest } from '../../../shared/contracts/snapshot';
import type { PermissionProfile } from '../../../shared/contracts/thread';
import { classifyTip } from '../../../shared/git/tips';
import { HANDOFF_PROTOCOL_VERSION } from '../../../shared/handoff/eligibility';
import { preparedCleanup, PREPARED_TTL_MS } from '../../../shared/handoff/prepared';
import { matchProjects } from '../../../shared/projects/identity';
import { reduceThread } from '../../../shared/threads/reduce';
import { builtinProfiles, readConfigFile } from '../config/settings';
import { GitStateError } from '../git/errors';
import { git } from '../git/git';
import { mergeBase, resolveCommit } from '../git/refs';
import { objectType } from '../git/repo';
import { prepareWorktree, restoreSnapshot, worktreePathFor } from '../git/restore';
import { listHaves, receivePack } from '../git/transfer';
import { removeWorktree } from '../git/worktrees';
import { projectDir, type ProjectStore } from '../projects/projectStore';
import { decodeEventsPart, joinEvents, logSha256 } from './eventsPart';
import type { Journal } from './journal';
import { errorResponse, HandoffFailure } from './peer';
import { PreparedStore } from './preparedStore';
import { prestagedRef, sentRef, threadSnapshots } from './refs';
import { assertPrefix, type ThreadAccess } from './threadAccess';

export interface DestinationDeps {
  home: string;
  hostId: string;
  serverVersion: string;
  journal: Journal;
  threads: ThreadAccess;
  projects: ProjectStore;
  /** Largest part accepted (bytes). */
  maxPartBytes?: number;
  /** Largest thread log accepted, unpacked (bytes). */
  maxLogBytes?: number;
  /** How long a worktree pre-staged for a handoff that never came is kept (shared/handoff/prepared.ts). */
  preparedTtlMs?: number;
  now?: () => number;
}

/** Default cap on an unpacked thread log: 256 MiB, about 600,000 transcript items. */
const MAX_LOG_BYTES = 256 * 1024 * 1024;

/** What the destination keeps in its journal about an offer. */
interface OfferData {
  thread: string;
  from: string;
  project: string;
  epoch: number;
  revision: number;
  eventsFrom: number;
  prefixSha256?: string;
  manifest: SnapshotManifest;
  parts: PartInfo[];
  followUpPrompt?: string;
}

export class DestinationRole {
  private readonly prepared: PreparedStore;
  /** The log verified at stage, kept for apply (parsing a long log again costs seconds). */
  private readonly stagedEvents = new Map<string, ThreadEvent[]>();

  constructor(private readonly d: DestinationDeps) {
    this.prepared = new PreparedStore(d.home);
  }

  /** The peer handler: one request in, one response out; never throws. */
  handle = async (req: PeerRequest, payload: Uint8Array | undefined): Promise<PeerResponse> => {
    try {
      switch (req.type) {
        case 'describe':
          return this.describe();
        case 'probe':
          return await this.probe(req);
        case 'prestage':
          return await this.prestage(req, payload);
        case 'offer':
          return this.offer(req);
        case 'part':
          return this.part(req, payload);
        case 'stage':
          return await this.stage(req.op);
        case 'commit':
          return await this.commit(req.op, req.newEpoch);
        case 'abort':
          return this.abort(req.op);
        case 'query':
          return { type: 'phase', op: req.op, side: 'destination', phase: this.d.journal.phase(req.op, 'destination') };
      }
    } catch (e) {
      return errorResponse(req.type === 'describe' ? undefined : req.op, e);
    }
  };

  describe(): PeerResponse {
    return {
      type: 'description',
      host: this.d.hostId,
      protocolVersion: HANDOFF_PROTOCOL_VERSION,
      serverVersion: this.d.serverVersion,
      projects: this.d.projects.list().map((p) => ({ identity: p.identity, subdir: p.subdir })),
    };
  }

  private project(identity: string): ProjectInfo {
    const p = this.d.projects.list().find((x) => matchProjects(x.identity, identity) === 'same');
    if (!p) throw new HandoffFailure('no-matching-project', `Host "${this.d.hostId}" has no saved project ${identity}.`, 'Add the repository there as a project (baton project add).');
    return p;
  }

  private async probe(req: Extract<PeerRequest, { type: 'probe' }>): Promise<PeerResponse> {
    const project = this.project(req.project);
    const repo = project.root;
    const branchTip = req.branch ? await resolveCommit(repo, req.branch) : null;
    let relation: ReturnType<typeof classifyTip> | null = null;
    if (branchTip && (await objectType(repo, req.baseCommit)) === 'commit') {
      relation = classifyTip({ incoming: req.baseCommit, destination: branchTip, mergeBase: await mergeBase(repo, req.baseCommit, branchTip) });
    }
    const wt = worktreePathFor(this.d.home, project.id, req.thread);
    const agents = path.join(projectDir(project), 'AGENTS.md');
    const known = this.d.threads.exists(req.thread) ? await this.d.threads.read(req.thread) : null;
    return {
      type: 'haves',
      host: this.d.hostId,
      protocolVersion: HANDOFF_PROTOCOL_VERSION,
      serverVersion: this.d.serverVersion,
      haves: await listHaves(repo),
      threadSnapshots: await threadSnapshots(repo, req.thread),
      branchTip,
      relation,
      worktree: { path: project.subdir ? path.join(wt, project.subdir) : wt, reused: existsSync(wt) },
      existingPaths: req.pathsToCheck.filter((p) => path.isAbsolute(p) && existsSync(p)),
      agentsMd: existsSync(agents) ? createHash('sha256').update(readFileSync(agents)).digest('hex') : null,
      gitVersion: (gitVersion ??= versionOf('git', ['--version'])),
      nodeVersion: process.version,
      profiles: this.profiles(),
      known: known && { status: known.status, revision: known.revision, epoch: known.epoch, logSha256: logSha256(this.d.threads.events(req.thread)) },
    };
  }

  /**
   * Pre-staging, one chunk at a time: the objects of the review's snapshot this host lacks, then
   * (with the last chunk) a ref on the snapshot under refs/baton/prestaged/, so its objects count
   * as haves for the real transfer, and the thread's worktree filled with it, HEAD detached
   * (prepareWorktree). No branch moves and the thread is not owned here, and nothing goes in the
   * journal: it is not part of the commit protocol, and losing it only makes the click slower.
   */
  private async prestage(req: Extract<PeerRequest, { type: 'prestage' }>, payload: Uint8Array | undefined): Promise<PeerResponse> {
    const project = this.project(req.project);
    if (req.manifest && req.manifest.thread !== req.thread) throw new HandoffFailure('verify-failed', 'The pre-staged snapshot belongs to another thread.');
    if (this.d.threads.exists(req.thread) && (await this.d.threads.read(req.thread)).status !== 'moved') {
      throw new HandoffFailure('apply-failed', `Thread ${req.thread} is live on this host; there is nothing to pre-stage for it.`);
    }
    const max = this.d.maxPartBytes ?? 2 * 1024 * 1024 * 1024;
    if (req.size > max) throw new HandoffFailure('too-large', `The pre-staging pack of handoff ${req.op} is ${req.size} bytes, over this host's ${max}-byte limit.`);
    const bytes = payload ?? new Uint8Array(0);
    if (bytes.length !== req.length || req.offset + req.length > req.size) {
      throw new HandoffFailure('transfer-failed', `Pre-staging chunk at ${req.offset} declared ${req.length} bytes, carried ${bytes.length}, of a ${req.size}-byte pack.`);
    }
    const dir = path.join(this.d.home, 'handoff', 'prestage');
    const file = path.join(dir, `${req.op}.pack`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const have = existsSync(file) ? statSync(file).size : 0;
    // Only the next bytes are taken; anything else is answered with where we are (as for parts).
    if (req.offset !== have) return { type: 'prestaged', op: req.op, offset: have, objects: 0, worktree: null };
    if (bytes.length > 0) appendFileSync(file, bytes, { mode: 0o600 });
    if (have + bytes.length < req.size) return { type: 'prestaged', op: req.op, offset: have + bytes.length, objects: 0, worktree: null };
    const manifest = req.manifest;
    if (!manifest) throw new HandoffFailure('transfer-failed', `The last pre-staging chunk of handoff ${req.op} came without its snapshot manifest.`);

    let objects = 0;
    try {
      if (req.size > 0) objects = (await receivePack(project.root, { pack: { file, offset: 0, size: req.size }, size: req.size, sha256: req.sha256, snapshot: manifest })).objectCount;
      await git(['update-ref', '-m', `baton: pre-staged for handoff ${req.op}`, prestagedRef(req.thread), manifest.worktreeCommit], { cwd: project.root });
      const previous = this.prepared.get(req.thread);
      const worktree = await prepareWorktree({ repoDir: project.root, batonHome: this.d.home, project: project.id, manifest });
      // A worktree an earlier review created has still not had its setup command: keep saying so.
      if (previous?.worktree.created && previous.worktree.worktreePath === worktree.worktreePath) worktree.created = true;
      this.prepared.save({
        thread: req.thread,
        op: req.op,
        preparedAt: this.now(),
        repo: project.root,
        snapshot: { worktreeCommit: manifest.worktreeCommit, indexCommit: manifest.indexCommit },
        worktree,
      });
      void this.cleanupPrepared().catch(() => undefined); // others' time may be up
      return { type: 'prestaged', op: req.op, offset: req.size, objects, worktree: project.subdir ? path.join(worktree.worktreePath, project.subdir) : worktree.worktreePath };
    } catch (e) {
      if (e instanceof GitStateError) throw new HandoffFailure('verify-failed', e.message, e.hint);
      throw e;
    } finally {
      rmSync(file, { force: true });
    }
  }

  /**
   * Drops what pre-staging left for handoffs that never came, once past the time limit (see
   * shared/handoff/prepared.ts for what is kept and why). Runs at start, on reconnects and after
   * each pre-staging; a worktree that cannot be removed now is tried again next time.
   */
  async cleanupPrepared(): Promise<void> {
    const open = new Set(
      this.d.journal
        .open()
        .map((e) => (e.side === 'destination' ? (e.data.offer as { thread?: string } | undefined)?.thread : (e.data as { thread?: string }).thread))
        .filter((t): t is string => !!t),
    );
    for (const r of this.prepared.list()) {
      const live = this.d.threads.exists(r.thread) && (await this.d.threads.read(r.thread)).status !== 'moved';
      const action = preparedCleanup({ preparedAt: r.preparedAt, created: r.worktree.created, threadLiveHere: live, openOperation: open.has(r.thread) }, this.now(), this.d.preparedTtlMs ?? PREPARED_TTL_MS);
      if (action === 'keep') continue;
      try {
        if (action === 'remove-worktree' && existsSync(r.repo)) await removeWorktree(r.repo, r.worktree.worktreePath);
        if (action === 'remove-worktree') rmSync(r.worktree.worktreePath, { recursive: true, force: true });
        if (!live && existsSync(r.repo)) await git(['update-ref', '-d', prestagedRef(r.thread)], { cwd: r.repo }).catch(() => undefined);
        this.prepared.remove(r.thread);
      } catch {
        // Tried again on the next pass.
      }
    }
  }

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }

  private profiles(): PermissionProfile[] {
    const byName = new Map(Object.values(builtinProfiles).map((p) => [p.name, p]));
    try {
      const config = readConfigFile(path.join(this.d.home, 'config.toml'));
      for (const [name, p] of Object.entries(config.profiles ?? {})) {
        const base = byName.get(name) ?? builtinProfiles.default!;
        byName.set(name, { name, approvalPolicy: p.approval_policy ?? base.approvalPolicy, sandbox: p.sandbox ?? base.sandbox, writableRoots: p.writable_roots ?? [] });
      }
    } catch {
      // An unreadable config is reported by the thread service; here it only means fewer profiles to compare.
    }
    return [...byName.values()];
  }

  private staging(op: string): string {
    return path.join(this.d.home, 'handoff', 'staging', op);
  }

  private partFile(op: string, name: PartName): string {
    return path.join(this.staging(op), name);
  }

  private offer(req: Extract<PeerRequest, { type: 'offer' }>): PeerResponse {
    const j = this.d.journal;
    const phase = j.phase(req.op, 'destination');
    if (phase === 'committed' || phase === 'applied') {
      return { type: 'resume', op: req.op, have: req.parts.map((p) => ({ name: p.name, offset: p.size })) };
    }
    if (phase === 'aborted') throw new HandoffFailure('cancelled', `Handoff ${req.op} was aborted on this host.`, 'Start the handoff again.');
    const max = this.d.maxPartBytes ?? 2 * 1024 * 1024 * 1024;
    for (const p of req.parts) {
      if (p.size > max) throw new HandoffFailure('too-large', `Part ${p.name} of handoff ${req.op} is ${p.size} bytes, over this host's ${max}-byte limit.`, 'Raise the limit on the destination.');
    }
    this.project(req.project); // refuse early if the project went away since the probe
    const previous = j.get(req.op)?.data.offer as OfferData | undefined;
    mkdirSync(this.staging(req.op), { recursive: true, mode: 0o700 });
    const have = req.parts.map((p) => {
      const file = this.partFile(req.op, p.name);
      const old = previous?.parts.find((x) => x.name === p.name);
      // Keep what was verified only for the very same part; anything else starts again.
      if (!old || old.sha256 !== p.sha256 || old.size !== p.size) rmSync(file, { force: true });
      const offset = existsSync(file) ? Math.min(statSync(file).size, p.size) : 0;
      return { name: p.name, offset };
    });
    const data: OfferData = {
      thread: req.thread,
      from: req.from,
      project: req.project,
      epoch: req.epoch,
      revision: req.revision,
      eventsFrom: req.eventsFrom,
      ...(req.prefixSha256 ? { prefixSha256: req.prefixSha256 } : {}),
      manifest: req.manifest,
      parts: req.parts,
      followUpPrompt: req.followUpPrompt,
    };
    if (phase !== 'staged' || !sameOffer(previous, data)) j.record(req.op, 'destination', 'receiving', { offer: data });
    return { type: 'resume', op: req.op, have };
  }

  private part(req: Extract<PeerRequest, { type: 'part' }>, payload: Uint8Array | undefined): PeerResponse {
    const offer = this.offerOf(req.op);
    const phase = this.d.journal.phase(req.op, 'destination');
    const info = offer.parts.find((p) => p.name === req.name)!;
    if (phase !== 'receiving') return { type: 'part-ack', op: req.op, name: req.name, offset: info.size };
    const bytes = payload ?? new Uint8Array(0);
    if (bytes.length !== req.length) throw new HandoffFailure('transfer-failed', `Part ${req.name} chunk declared ${req.length} bytes but carried ${bytes.length}.`);
    if (req.offset + req.length > info.size) throw new HandoffFailure('transfer-failed', `Part ${req.name} chunk runs past the part's ${info.size} bytes.`);
    const file = this.partFile(req.op, req.name);
    const have = existsSync(file) ? statSync(file).size : 0;
    // Only the next bytes are accepted: anything else is answered with where we are, and the
    // source continues from there (a resumed transfer, or a duplicate after a lost ack).
    if (req.offset !== have) return { type: 'part-ack', op: req.op, name: req.name, offset: have };
    const fd = openSync(file, 'a', 0o600);
    try {
      let w = 0;
      while (w < bytes.length) w += writeSync(fd, bytes, w, bytes.length - w);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return { type: 'part-ack', op: req.op, name: req.name, offset: have + bytes.length };
  }

  private offerOf(op: string): OfferData {
    const offer = this.d.journal.get(op)?.data.offer as OfferData | undefined;
    if (!offer) throw new HandoffFailure('unknown-operation', `This host has no offer for handoff ${op}.`, 'Send the offer again.');
    return offer;
  }

  /** Verifies everything and keeps it durably: after `staged`, applying cannot fail for lack of data. */
  private async stage(op: string): Promise<PeerResponse> {
    const offer = this.offerOf(op);
    const phase = this.d.journal.phase(op, 'destination');
    if (phase === 'aborted') throw new HandoffFailure('cancelled', `Handoff ${op} was aborted on this host.`);
    if (phase === 'receiving') {
      const bytes = new Map<PartName, Buffer>();
      for (const p of offer.parts) {
        const file = this.partFile(op, p.name);
        const b = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
        if (b.length !== p.size) throw new HandoffFailure('transfer-failed', `Part ${p.name} has ${b.length} of ${p.size} bytes.`, 'Resume the transfer.');
        const digest = createHash('sha256').update(b).digest('hex');
        if (digest !== p.sha256) {
          rmSync(file, { force: true }); // never keep bytes that fail their digest
          throw new HandoffFailure('digest-mismatch', `Part ${p.name} of handoff ${op} has SHA-256 ${digest}, not ${p.sha256}; it was discarded.`, 'Send it again.');
        }
        bytes.set(p.name, b);
      }
      const known = this.d.threads.exists(offer.thread) ? this.d.threads.events(offer.thread) : null;
      const events = this.incomingEvents(offer, bytes.get('events')!, known);
      if (known) {
        const t = await this.d.threads.read(offer.thread);
        if (t.status !== 'moved') {
          throw new HandoffFailure('apply-failed', `Thread ${offer.thread} is live on this host (${t.status}); it cannot arrive a second time.`, 'Hand it off from here instead.');
        }
        // Checked before the vote: after the commit, applying must not be able to fail on this.
        assertPrefix(offer.thread, known, events);
      }
      const project = this.project(offer.project);
      const m = offer.manifest;
      const tip = m.head.branch ? await resolveCommit(project.root, m.head.branch) : null;
      if (tip && tip !== m.head.commit && (await objectType(project.root, m.head.commit)) === 'commit') {
        const relation = classifyTip({ incoming: m.head.commit, destination: tip, mergeBase: await mergeBase(project.root, m.head.commit, tip) });
        if (relation === 'diverged' || relation === 'unrelated') {
          throw new HandoffFailure(relation === 'diverged' ? 'branch-diverged' : 'branch-unrelated', `Branch ${m.head.branch} on ${this.d.hostId} (${tip}) and the incoming ${m.head.commit} ${relation === 'diverged' ? 'have diverged' : 'share no history'}.`, 'Merge or rebase one onto the other, then hand the thread off again.');
        }
      }
      const pack = offer.parts.find((p) => p.name === 'pack')!;
      try {
        // The final snapshot is the pre-staged one (nothing changed since the review): its
        // objects are here and were checked when it arrived; the pack has nothing to add.
        if (!(await this.isPrestaged(offer.thread, project.root, m))) await receivePack(project.root, {
          pack: { file: this.partFile(op, 'pack'), offset: 0, size: pack.size },
          size: pack.size,
          sha256: pack.sha256,
          snapshot: offer.manifest,
        });
      } catch (e) {
        if (e instanceof GitStateError) throw new HandoffFailure('verify-failed', e.message, e.hint);
        throw e;
      }
      this.d.journal.record(op, 'destination', 'staged');
      this.stagedEvents.set(op, events);
    } else if (phase !== 'staged' && phase !== 'committed' && phase !== 'applied') {
      throw new HandoffFailure('unknown-operation', `Handoff ${op} is ${phase} on this host; nothing to stage.`);
    }
    return { type: 'staged-ack', op, revision: offer.revision, worktreeCommit: offer.manifest.worktreeCommit };
  }

  /** The source decided: record it (the proof), then apply. Idempotent. */
  async commit(op: string, newEpoch: number): Promise<PeerResponse> {
    const offer = this.offerOf(op);
    if (newEpoch !== offer.epoch + 1) throw new HandoffFailure('apply-failed', `Handoff ${op}: commit for epoch ${newEpoch}, but the offer was at epoch ${offer.epoch}.`);
    const phase = this.d.journal.phase(op, 'destination');
    if (phase === 'receiving' || phase === 'none' || phase === 'aborted') {
      throw new HandoffFailure('transfer-failed', `Handoff ${op} is not staged on this host (${phase}); the source must send it again.`, 'The source resends the transfer.');
    }
    if (phase === 'staged') this.d.journal.record(op, 'destination', 'committed', { newEpoch });
    const worktreePath = await this.apply(op);
    await this.resume(op);
    const t = await this.d.threads.read(offer.thread);
    return { type: 'applied-ack', op, epoch: newEpoch, worktreePath, revision: t.revision };
  }

  /**
   * Restores the Git state into the thread's worktree, then writes the thread: the source's log,
   * the tombstone the source will write (same body, so the source's log stays a prefix of
   * ours), `ownership_changed` under epoch + 1 and a "received" marker. Safe to run again.
   */
  async apply(op: string): Promise<string> {
    const offer = this.offerOf(op);
    const entry = this.d.journal.get(op)!;
    if (entry.phase === 'applied') return entry.data.worktreePath as string;
    const project = this.project(offer.project);
    let events = this.stagedEvents.get(op);
    if (!events) {
      // Restarted since the stage: the verified part is on disk.
      const known = this.d.threads.exists(offer.thread) ? this.d.threads.events(offer.thread) : null;
      events = this.incomingEvents(offer, readFileSync(this.partFile(op, 'events')), known);
    }
    // What pre-staging put in the worktree, if it was for this repository: no backup needed of it.
    const prepared = this.prepared.get(offer.thread);
    let worktreePath: string;
    try {
      const restored = await restoreSnapshot({
        repoDir: project.root,
        batonHome: this.d.home,
        project: project.id,
        manifest: offer.manifest,
        objectsVerified: true, // by receivePack at stage, before the vote
        ...(prepared && prepared.repo === project.root ? { prepared: prepared.worktree } : {}),
      });
      // The worktree holds the whole repository; the thread works in the project's subdirectory of it.
      worktreePath = project.subdir ? path.join(restored.worktreePath, project.subdir) : restored.worktreePath;
    } catch (e) {
      if (e instanceof GitStateError) throw new HandoffFailure('apply-failed', e.message, e.hint);
      throw e;
    }
    const at = new Date().toISOString();
    const n = offer.revision;
    const e = offer.epoch;
    const tail = [
      { rev: n + 1, at, epoch: e, kind: 'moved', to: this.d.hostId },
      { rev: n + 2, at, epoch: e + 1, kind: 'ownership_changed', host: this.d.hostId, newEpoch: e + 1, worktreePath },
      {
        rev: n + 3,
        at,
        epoch: e + 1,
        kind: 'item_added',
        item: { id: `handoff-${op}`, at, type: 'system_event', event: 'received', text: `Handed off from ${offer.from} to ${this.d.hostId}.`, from: offer.from, to: this.d.hostId },
      },
    ].map((x) => ThreadEvent.parse(x));
    // Clients hear of the arrival (the tail), not of each event of its history.
    await this.d.threads.install([...events, ...tail], { announceFrom: n + 1 });
    this.d.journal.record(op, 'destination', 'applied', { worktreePath });
    // The restored snapshot has its own ref now; the pre-staged one has served its purpose, and
    // so has the ref this host kept on what it sent when the thread left (source.ts `sentRef`).
    await git(['update-ref', '-d', prestagedRef(offer.thread)], { cwd: project.root }).catch(() => undefined);
    await git(['update-ref', '-d', sentRef(offer.thread)], { cwd: project.root }).catch(() => undefined);
    this.prepared.remove(offer.thread);
    return worktreePath;
  }

  /**
   * Whether `m` is the snapshot pre-staging took in and checked here: objects are immutable, so
   * the check still holds while its ref keeps them from garbage collection.
   */
  private async isPrestaged(thread: string, repo: string, m: SnapshotManifest): Promise<boolean> {
    const p = this.prepared.get(thread);
    return (
      !!p &&
      (await resolveCommit(repo, prestagedRef(thread))) === m.worktreeCommit &&
      p.repo === repo &&
      p.snapshot.worktreeCommit === m.worktreeCommit &&
      p.snapshot.indexCommit === m.indexCommit &&
      p.worktree.head === m.head.commit &&
      p.worktree.indexTree === m.indexTree &&
      p.worktree.worktreeTree === m.worktreeTree
    );
  }

  /** The whole incoming log: this host's copy of its beginning (when the source sent only the rest), then the part. */
  private incomingEvents(offer: OfferData, part: Buffer, known: ThreadEvent[] | null): ThreadEvent[] {
    const tail = decodeEventsPart(part, this.d.maxLogBytes ?? MAX_LOG_BYTES, offer.thread);
    return checkEvents(joinEvents(offer.thread, tail, { eventsFrom: offer.eventsFrom ?? 1, prefixSha256: offer.prefixSha256 }, known), offer);
  }

  /** Resumes an applied thread: starts the follow-up turn once (at most once: recorded first). */
  async resume(op: string): Promise<void> {
    const entry = this.d.journal.get(op);
    if (!entry || entry.phase !== 'applied') return;
    const offer = entry.data.offer as OfferData;
    if (offer.followUpPrompt && !entry.data.followUpStarted) {
      this.d.journal.record(op, 'destination', 'applied', { followUpStarted: true });
      await this.d.threads.startTurn(offer.thread, offer.followUpPrompt);
    }
    this.d.journal.close(op);
    this.stagedEvents.delete(op);
    rmSync(this.staging(op), { recursive: true, force: true });
  }

  /** Rolls back whatever was staged (never after the commit: the journal refuses it). */
  abort(op: string): PeerResponse {
    const phase = this.d.journal.phase(op, 'destination');
    if (phase === 'committed' || phase === 'applied') {
      throw new HandoffFailure('too-late-to-cancel', `Handoff ${op} is already committed on this host.`);
    }
    if (phase !== 'none' && phase !== 'aborted') this.d.journal.record(op, 'destination', 'aborted');
    // The received objects stay in the object store unreferenced (git gc removes them); nothing
    // else was changed before the commit.
    rmSync(this.staging(op), { recursive: true, force: true });
    this.stagedEvents.delete(op);
    if (phase !== 'none') this.d.journal.close(op);
    return { type: 'abort-ack', op };
  }
}

function sameOffer(a: OfferData | undefined, b: OfferData): boolean {
  return !!a && JSON.stringify(a.parts) === JSON.stringify(b.parts) && a.epoch === b.epoch && a.revision === b.revision;
}

/** The incoming log checks out: it folds to the offered thread, revision and epoch, fenced. */
function checkEvents(events: ThreadEvent[], offer: OfferData): ThreadEvent[] {
  const t = reduceThread(events);
  if (t.id !== offer.thread || t.revision !== offer.revision || t.epoch !== offer.epoch || t.status !== 'handing-off') {
    throw new HandoffFailure(
      'verify-failed',
      `The thread log does not match the offer (thread ${t.id} rev ${t.revision} epoch ${t.epoch} status ${t.status}; offered ${offer.thread} rev ${offer.revision} epoch ${offer.epoch}).`,
    );
  }
  return events;
}

/** This host's git version: asked once per process (a blocking spawn on every probe added up). */
let gitVersion: string | null | undefined;

function versionOf(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const m = r.status === 0 ? /\d+(\.\d+)+/.exec(r.stdout) : null;
  return m ? m[0] : null;
}

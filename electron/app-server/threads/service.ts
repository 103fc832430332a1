// The thread service: the one place that changes threads on this host. It creates and forks
// threads, runs turns through the Agent seam, turns approval requests into waits that
// `approval/respond` releases, and fences every write against the thread's ownership epoch.
// All state is in the store's logs; what lives only in memory (running turns, pending
// approvals) is closed as "interrupted" when the process dies and starts again.
import { randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { ThreadEventBody } from '../../../shared/contracts/events';
import type { MethodParamsParsed, MethodResult, ThreadSummary } from '../../../shared/contracts/rpc';
import type { AgentSettings, ApprovalRule, Thread, ThreadMeta, TranscriptItem } from '../../../shared/contracts/thread';
import { RpcError } from '../../../shared/rpc/errors';
import { killTurnLeftovers } from '../agent/tools/process';
import type { HostToolRegistry } from '../agent/hostTools';
import type { Agent, ApprovalAnswer, ApprovalAsk, TurnContext, TurnIO } from '../agent/types';
import { resolveThreadSettings } from '../config/settings';
import { currentBranch } from '../projects/repo';
import { projectDir, type ProjectStore } from '../projects/projectStore';
import { ThreadNotFoundError } from '../storage/errors';
import { metaOf, type EventListener, type ThreadStore } from '../storage/threadStore';
import { DeltaBuffer } from './deltaBuffer';
import { FencedError, TurnOverError } from './errors';

export interface ThreadServiceOptions {
  store: ThreadStore;
  projects: ProjectStore;
  /** BATON_HOME, for config.toml. */
  home: string;
  /** This host's id as threads record it (`local` for This computer). */
  hostId: string;
  createAgent: (settings: AgentSettings) => Agent;
  /** Tools extensions lend every turn (e.g. handoff_thread); read when a turn starts. */
  hostTools?: HostToolRegistry;
  /** How long an interrupted agent may take to stop before the turn is closed without it. */
  stopGraceMs?: number;
  /** Failures with no caller to report to (a turn's end that could not be written). */
  onError?: (e: unknown) => void;
}

interface PendingApproval {
  ask: ApprovalAsk;
  resolve: (a: ApprovalAnswer) => void;
  reject: (e: unknown) => void;
}

interface ActiveTurn {
  threadId: string;
  turnId: string;
  epoch: number;
  controller: AbortController;
  approvals: Map<string, PendingApproval>;
  /** Live list handed to the agent: an "always" answer takes effect within the same turn. */
  rules: ApprovalRule[];
  /** Set once the agent has stopped: later writes from it are refused. */
  closed: boolean;
  interruptReason: string | null;
  finished: Promise<void>;
  /** Streamed output not yet in the log (see deltaBuffer.ts). */
  deltas: DeltaBuffer;
}

const now = () => new Date().toISOString();

export class ThreadService {
  private active = new Map<string, ActiveTurn>();
  private readonly store: ThreadStore;
  private readonly stopGraceMs: number;

  constructor(private readonly opts: ThreadServiceOptions) {
    this.store = opts.store;
    this.stopGraceMs = opts.stopGraceMs ?? 3_000;
  }

  onEvent(listener: EventListener): () => void {
    return this.store.onEvent(listener);
  }

  // ------------------------------------------------------------------------------ threads

  async start(p: MethodParamsParsed<'thread/start'>): Promise<ThreadMeta> {
    const project = this.opts.projects.get(p.project);
    const dir = projectDir(project);
    const { settings, notices } = resolveThreadSettings({
      home: this.opts.home,
      projectDir: dir,
      repoRoot: project.root,
      identity: project.identity,
      profile: p.profile,
      approvalPolicy: p.approvalPolicy,
    });
    const at = now();
    const id = newThreadId();
    const thread = await this.store.create([
      {
        rev: 1,
        at,
        epoch: 0,
        kind: 'thread_created',
        meta: {
          id,
          title: p.title?.trim() || `New thread in ${project.name}`,
          project: { id: project.id, name: project.name, identity: project.identity, subdir: project.subdir },
          host: this.opts.hostId,
          branch: await currentBranch(dir),
          // The project's own checkout for now; dedicated worktrees per thread come with the git engine.
          worktreePath: dir,
          settings,
          approvalRules: [],
          epoch: 0,
          createdAt: at,
        },
      },
      ...notices.map((text, i) => ({ rev: i + 2, at, epoch: 0, kind: 'item_added' as const, item: { id: randomUUID(), type: 'system_event' as const, event: 'notice' as const, text, at } })),
    ]);
    return metaOf(thread);
  }

  list(p: MethodParamsParsed<'thread/list'>): ThreadSummary[] {
    return this.listWithProblems(p).threads;
  }

  listWithProblems(p: MethodParamsParsed<'thread/list'>): MethodResult<'thread/list'> {
    const listed = this.store.listWithProblems();
    let rows = listed.rows;
    if (!p?.includeArchived) rows = rows.filter((r) => !r.meta.archived);
    if (p?.project) {
      const ref = p.project;
      rows = rows.filter((r) => r.meta.project.id === ref || r.meta.project.name === ref);
    }
    return {
      threads: rows.map((r) => ({ ...r.meta, preview: r.preview })),
      ...(listed.unreadable.length ? { unreadable: listed.unreadable } : {}),
    };
  }

  /** A thread id from an id, a unique id prefix or an exact title. */
  resolve(ref: string): string {
    if (/^[A-Za-z0-9_-]+$/.test(ref) && this.store.exists(ref)) return ref;
    const rows = this.store.list();
    const byPrefix = rows.filter((r) => r.meta.id.startsWith(ref));
    const byTitle = rows.filter((r) => r.meta.title === ref);
    const found = [...new Map([...byPrefix, ...byTitle].map((r) => [r.meta.id, r])).values()];
    if (found.length === 1) return found[0]!.meta.id;
    if (!found.length) throw notFound(ref);
    throw new RpcError(
      'ambiguous',
      `"${ref}" matches ${found.length} threads: ${found.slice(0, 5).map((r) => `${r.meta.id} (${r.meta.title})`).join(', ')}${found.length > 5 ? ', …' : ''}.`,
      'Use more characters of the thread id.',
    );
  }

  async read(p: MethodParamsParsed<'thread/read'>): Promise<MethodResult<'thread/read'>> {
    const id = this.resolve(p.thread);
    if (p.afterRevision !== undefined || (p.cursor && p.cursor.startsWith('rev:'))) {
      // Catch-up: the events after a revision, oldest first; page on with nextCursor.
      const after = p.cursor?.startsWith('rev:') ? Number(p.cursor.slice(4)) : p.afterRevision!;
      if (!Number.isInteger(after) || after < 0) throw badCursor(p.cursor!);
      const all = this.store.readEvents(id);
      const rest = all.filter((e) => e.rev > after);
      const page = p.limit ? rest.slice(0, p.limit) : rest;
      const thread = await this.store.read(id);
      const { items: _items, ...meta } = thread;
      const last = page.at(-1);
      return { thread: meta, events: page, nextCursor: last && page.length < rest.length ? `rev:${last.rev}` : null };
    }
    // Folded read: items page backwards from the newest, as a transcript view loads them.
    const thread = await this.store.read(id);
    const { items, ...meta } = thread;
    let end = items.length;
    if (p.cursor !== undefined) {
      const m = /^before:(\d+)$/.exec(p.cursor);
      if (!m || Number(m[1]) > items.length) throw badCursor(p.cursor);
      end = Number(m[1]);
    }
    const start = p.limit ? Math.max(0, end - p.limit) : 0;
    return { thread: meta, items: items.slice(start, end), nextCursor: start > 0 ? `before:${start}` : null };
  }

  async fork(p: MethodParamsParsed<'thread/fork'>): Promise<ThreadMeta> {
    const sourceId = this.resolve(p.thread);
    const events = this.store.readEvents(sourceId);
    const source = await this.store.read(sourceId);
    let cut = source.items.length;
    let cutRev = source.revision;
    if (p.itemId) {
      cut = source.items.findIndex((i) => i.id === p.itemId) + 1;
      if (!cut) throw new RpcError('notFound', `Thread ${sourceId} has no item ${p.itemId}.`, 'Take an item id from `baton thread show <thread> --json`.');
      cutRev = events.find((e) => e.kind === 'item_added' && e.item.id === p.itemId)!.rev;
    }
    const at = now();
    const id = newThreadId();
    const items: TranscriptItem[] = source.items.slice(0, cut).map((item) =>
      // A command that was still running in the source is not running in the fork.
      item.type === 'command_execution' && item.status === 'running' ? { ...item, status: 'interrupted' } : item,
    );
    // The source's running turn goes on there; in the fork its copy ends here, said so explicitly.
    const cutTurn = source.activeTurnId && items.some((i) => i.turnId === source.activeTurnId) ? source.activeTurnId : null;
    const bodies: ThreadEventBody[] = [
      { kind: 'item_added', item: { id: randomUUID(), type: 'system_event', event: 'forked', text: `Forked from "${source.title}" (${source.id}).`, at } },
      ...items.map((item): ThreadEventBody => ({ kind: 'item_added', item })),
      ...(cutTurn
        ? [{ kind: 'item_added', item: { id: randomUUID(), turnId: cutTurn, type: 'turn_interrupted', reason: `Forked while this turn was running; it goes on in ${source.id}, not here.`, at } } satisfies ThreadEventBody]
        : []),
      ...source.planHistory.filter((v) => v.revision <= cutRev).map((v): ThreadEventBody => ({ kind: 'plan_updated', plan: v.plan })),
    ];
    const thread = await this.store.create([
      {
        rev: 1,
        at,
        epoch: 0,
        kind: 'thread_created',
        meta: {
          id,
          title: p.title?.trim() || `Fork of ${source.title}`,
          project: source.project,
          host: this.opts.hostId,
          branch: source.branch,
          worktreePath: source.worktreePath,
          settings: source.settings,
          approvalRules: source.approvalRules,
          epoch: 0,
          createdAt: at,
          forkedFrom: { threadId: source.id, ...(p.itemId ? { itemId: p.itemId } : {}) },
        },
      },
      ...bodies.map((b, i) => ({ ...b, rev: i + 2, at, epoch: 0 })),
    ]);
    return metaOf(thread);
  }

  async configure(p: MethodParamsParsed<'thread/configure'>): Promise<ThreadMeta> {
    const id = this.resolve(p.thread);
    const roots = p.addWritableRoots ?? [];
    // Paths of this host, checked here: a client on another machine cannot know them.
    for (const r of roots) {
      if (!path.isAbsolute(r)) throw new RpcError('invalidParams', `"${r}" is not an absolute path.`, 'Give directories as absolute paths on the thread\'s host.');
      if (!statSync(r, { throwIfNoEntry: false })?.isDirectory()) throw new RpcError('invalidParams', `${r} is not a directory on host ${this.opts.hostId}.`, 'Create it there first, or check the path.');
    }
    if (p.cwd !== undefined) {
      if (!path.isAbsolute(p.cwd)) throw new RpcError('invalidParams', `"${p.cwd}" is not an absolute path.`, "Give the working directory as an absolute path on the thread's host.");
      if (!statSync(p.cwd, { throwIfNoEntry: false })?.isDirectory()) throw new RpcError('invalidParams', `${p.cwd} is not a directory on host ${this.opts.hostId}.`, 'Create it there first, or check the path.');
    }
    await this.write(id, null, (t) => {
      const have = t.settings.permissions.writableRoots;
      const add = [...new Set(roots.map((r) => path.resolve(r)))].filter((r) => !have.includes(r));
      const cwd = p.cwd === undefined ? t.settings.cwd : path.resolve(p.cwd);
      if (!add.length && cwd === t.settings.cwd) return [];
      const settings = { ...t.settings, permissions: { ...t.settings.permissions, writableRoots: [...have, ...add] } };
      return [{ kind: 'settings_changed', settings: cwd === undefined ? settings : { ...settings, cwd } }];
    });
    return metaOf(await this.store.read(id));
  }

  async archive(p: MethodParamsParsed<'thread/archive'>): Promise<ThreadMeta> {
    const id = this.resolve(p.thread);
    const archived = p.archived ?? true;
    if (archived && this.active.has(id)) {
      throw new RpcError('conflict', `Thread ${id} has a turn running.`, `Interrupt it first: baton thread interrupt ${id}`);
    }
    await this.write(id, null, (t) => (t.archived === archived ? [] : [{ kind: 'archived', archived }]));
    return metaOf(await this.store.read(id));
  }

  // ------------------------------------------------------------------------------ turns

  async startTurn(p: MethodParamsParsed<'turn/start'>): Promise<{ threadId: string; turnId: string }> {
    const id = this.resolve(p.thread);
    if (this.active.has(id)) {
      throw new RpcError('conflict', `A turn is already running in thread ${id}.`, `Wait for it to finish, or stop it: baton thread interrupt ${id}`);
    }
    let thread = await this.store.openForWrite(id);
    if (thread.activeTurnId) {
      // Left open by a process that died (we hold the lock now, so nobody else runs it).
      await this.closeOrphanTurn(id);
      thread = await this.store.openForWrite(id);
    }
    if (thread.status === 'moved') throw new FencedError(id, thread.epoch, thread.epoch, thread.movedTo);
    if (thread.status === 'handing-off') {
      throw new RpcError('conflict', `Thread ${id} is being handed off to another host.`, 'Wait until the handoff finishes, then send the message where the thread lives.');
    }
    if (thread.archived) throw new RpcError('conflict', `Thread ${id} is archived.`, 'Unarchive it first (thread/archive with archived=false).');
    if (this.active.has(id)) throw new RpcError('conflict', `A turn is already running in thread ${id}.`, `Wait for it, or: baton thread interrupt ${id}`);

    const turnId = `turn-${randomBytes(6).toString('hex')}`;
    let finish!: () => void;
    const turn: ActiveTurn = {
      threadId: id,
      turnId,
      epoch: thread.epoch,
      controller: new AbortController(),
      approvals: new Map(),
      rules: [...thread.approvalRules],
      closed: false,
      interruptReason: null,
      finished: new Promise<void>((r) => (finish = r)),
      deltas: new DeltaBuffer((d) => this.write(id, thread.epoch, () => [d], turn).then(() => undefined)),
    };
    // Registered before the first await so a second turn/start cannot slip in.
    this.active.set(id, turn);
    try {
      await this.write(id, turn.epoch, () => [
        { kind: 'item_added', item: { id: randomUUID(), turnId, type: 'user_message', text: p.input, at: now() } },
        { kind: 'turn_started', turnId },
      ]);
    } catch (e) {
      this.active.delete(id);
      finish();
      throw e;
    }
    const started = await this.store.read(id);
    void this.runTurn(turn, started, p.input)
      // The turn's end could not be recorded (disk full, corrupt log): the thread stays marked
      // running and the next start closes it. Never an unhandled rejection: that would kill
      // the server and every other thread's turn with it.
      .catch((e) => this.opts.onError?.(e))
      .finally(() => {
        this.active.delete(id);
        finish();
      });
    return { threadId: id, turnId };
  }

  /** Stops the running turn; resolves once it is recorded as interrupted and its processes are gone. */
  async interrupt(p: MethodParamsParsed<'turn/interrupt'>): Promise<MethodResult<'turn/interrupt'>> {
    const id = this.resolve(p.thread);
    const turn = this.active.get(id);
    if (!turn) {
      const t = await this.store.readState(id);
      if (t.activeTurnId) {
        // A turn recorded as running that no process here runs: a crash left it open.
        await this.closeOrphanTurn(id);
        return { threadId: id, turnId: t.activeTurnId, interrupted: true };
      }
      return { threadId: id, turnId: null, interrupted: false };
    }
    turn.interruptReason ??= 'Interrupted by the user.';
    turn.controller.abort(new Error(turn.interruptReason));
    await turn.finished;
    return { threadId: id, turnId: turn.turnId, interrupted: true };
  }

  async respondApproval(p: MethodParamsParsed<'approval/respond'>): Promise<MethodResult<'approval/respond'>> {
    const id = this.resolve(p.thread);
    const turn = this.active.get(id);
    const pending = turn?.approvals.get(p.requestId);
    if (!turn || !pending) {
      throw new RpcError(
        'notFound',
        `Thread ${id} has no pending approval request ${p.requestId}.`,
        'It was answered already, or its turn ended. `baton thread show` lists the open requests.',
      );
    }
    turn.approvals.delete(p.requestId);
    const rule: ApprovalRule | null = p.decision === 'always' ? { tool: pending.ask.tool, pattern: pending.ask.pattern, grantedAt: now() } : null;
    await this.write(id, turn.epoch, () => [
      { kind: 'item_added', item: { id: randomUUID(), turnId: turn.turnId, type: 'approval_decision', requestId: p.requestId, decision: p.decision, at: now() } },
      ...(rule ? [{ kind: 'approval_rule_added' as const, rule }] : []),
      ...(turn.approvals.size === 0 ? [{ kind: 'status_changed' as const, status: 'running' as const }] : []),
    ]);
    if (rule) turn.rules.push(rule);
    pending.resolve(p.decision);
    return { threadId: id, requestId: p.requestId };
  }

  /** Resolves when the thread's running turn (if any) has ended. */
  async waitForTurn(threadId: string): Promise<void> {
    await this.active.get(threadId)?.finished;
  }

  isRunning(threadId: string): boolean {
    return this.active.has(threadId);
  }

  /**
   * After a crash or kill -9, turns recorded as running have no process behind them: close each
   * as interrupted, so the thread is usable again and says what happened. Threads another live
   * process holds are left to it.
   */
  async recoverInterruptedTurns(): Promise<string[]> {
    const recovered: string[] = [];
    for (const row of this.store.list()) {
      if (!row.meta.activeTurnId || row.meta.host !== this.opts.hostId || this.active.has(row.meta.id)) continue;
      try {
        if (await this.closeOrphanTurn(row.meta.id)) recovered.push(row.meta.id);
      } catch {
        // Locked by a live process (it runs that turn) or fenced: not ours to close.
      }
    }
    return recovered;
  }

  /** Interrupts every running turn (the server is stopping) and closes the store. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.active.values()].map((t) => {
        t.interruptReason ??= 'The app-server stopped.';
        t.controller.abort(new Error(t.interruptReason));
        return t.finished;
      }),
    );
    await this.store.close();
  }

  // ------------------------------------------------------------------------------ internals

  /** Appends through the store with the fencing check; `epoch` null = the thread's own epoch. */
  private async write(id: string, epoch: number | null, build: (t: Thread) => ThreadEventBody[], turn?: ActiveTurn) {
    return this.store.append(id, build, {
      epoch: epoch ?? ((t) => t.epoch),
      guard: (t) => {
        if (turn?.closed) throw new TurnOverError(id, turn.turnId);
        const writer = epoch ?? t.epoch;
        if (writer !== t.epoch) throw new FencedError(id, writer, t.epoch);
        if (t.status === 'moved') throw new FencedError(id, writer, t.epoch, t.movedTo);
        // Frozen for a handoff: the capture is being sent, so nothing may change it (the
        // handoff itself writes through the store, not through here).
        if (t.status === 'handing-off') {
          throw new RpcError('conflict', `Thread ${id} is being handed off to another host.`, 'Wait until the handoff finishes, then act on the thread where it lives.');
        }
      },
    });
  }

  private async closeOrphanTurn(id: string): Promise<boolean> {
    const events = await this.write(id, null, (t) => {
      if (!t.activeTurnId) return [];
      // Its commands outlived the crashed server; they must be gone before the turn is
      // recorded as over, or they would go on changing the worktree of an idle thread.
      killTurnLeftovers(t.activeTurnId);
      return closingEvents(t, t.activeTurnId, 'interrupted', 'The app-server stopped while this turn was running (crash or kill); it was closed when the server started again.');
    });
    return events.length > 0;
  }

  private async runTurn(turn: ActiveTurn, thread: Thread, input: string): Promise<void> {
    const { threadId: id, turnId } = turn;
    const signal = turn.controller.signal;
    const io = this.turnIO(turn);
    let outcome: 'completed' | 'interrupted' | 'failed' = 'completed';
    let error: string | undefined;
    try {
      const agent = this.opts.createAgent(thread.settings);
      const ctx: TurnContext = {
        thread,
        turnId,
        input,
        worktree: thread.worktreePath,
        signal,
        io,
        approvalRules: turn.rules,
        hostTools: this.opts.hostTools?.list() ?? [],
        newId: () => randomUUID(),
        now,
      };
      await untilStoppedAfterAbort(agent.runTurn(ctx), signal, this.stopGraceMs);
      if (signal.aborted) outcome = 'interrupted';
    } catch (e) {
      if (signal.aborted) outcome = 'interrupted';
      else {
        outcome = 'failed';
        error = e instanceof Error ? e.message : String(e);
      }
    }
    // Output the agent streamed last is part of the turn: in the log before the turn ends.
    await turn.deltas.flush().catch(() => undefined);
    turn.closed = true;
    for (const a of turn.approvals.values()) a.reject(abortError());
    turn.approvals.clear();
    try {
      await this.write(id, turn.epoch, (t) =>
        t.activeTurnId === turnId ? closingEvents(t, turnId, outcome, outcome === 'interrupted' ? (turn.interruptReason ?? 'Interrupted.') : undefined, error) : [],
      );
    } catch (e) {
      // Fenced: the thread changed owner while the turn unwound; the new owner's log is the truth.
      if (!(e instanceof FencedError)) throw e;
    }
  }

  private turnIO(turn: ActiveTurn): TurnIO {
    const { threadId: id, turnId } = turn;
    const append = (bodies: ThreadEventBody[]) => this.write(id, turn.epoch, () => bodies, turn).then(() => undefined);
    // Every other write flushes buffered output first, so the log keeps the runtime's order.
    const write = async (bodies: ThreadEventBody[]) => {
      await turn.deltas.flush();
      await append(bodies);
    };
    const withTurn = (item: TranscriptItem): TranscriptItem => (item.turnId ? item : { ...item, turnId });
    return {
      addItem: (item) => write([{ kind: 'item_added', item: withTurn(item) }]),
      appendToItem: (itemId, field, chunk) => {
        if (turn.closed) return Promise.reject(new TurnOverError(id, turnId));
        return turn.deltas.add(itemId, field, chunk);
      },
      updateItem: (item) => write([{ kind: 'item_updated', item: withTurn(item) }]),
      // Only the plan history: the runtime adds the plan_update transcript item itself (types.ts).
      updatePlan: (plan) => write([{ kind: 'plan_updated', plan }]),
      requestApproval: async (ask) => {
        if (turn.controller.signal.aborted) throw abortError();
        const requestId = `req-${randomBytes(4).toString('hex')}`;
        const signal = turn.controller.signal;
        const answer = new Promise<ApprovalAnswer>((resolve, reject) => {
          // An interrupt must unblock the agent at once, not after the stop grace period.
          const onAbort = () => {
            turn.approvals.delete(requestId);
            reject(abortError());
          };
          signal.addEventListener('abort', onAbort, { once: true });
          turn.approvals.set(requestId, {
            ask,
            resolve: (a) => {
              signal.removeEventListener('abort', onAbort);
              resolve(a);
            },
            reject,
          });
        });
        try {
          await write([
            { kind: 'item_added', item: { id: randomUUID(), turnId, type: 'approval_request', requestId, tool: ask.tool, summary: ask.summary, pattern: ask.pattern, at: now() } },
            { kind: 'status_changed', status: 'waiting-approval' },
          ]);
        } catch (e) {
          turn.approvals.delete(requestId);
          throw e;
        }
        return answer;
      },
      assertOwner: () => {
        if (turn.closed) throw new TurnOverError(id, turnId);
        const t = this.store.peek(id);
        if (!t) return;
        if (t.epoch !== turn.epoch) throw new FencedError(id, turn.epoch, t.epoch);
        if (t.status === 'moved') throw new FencedError(id, turn.epoch, t.epoch, t.movedTo);
      },
    };
  }
}

/** Events that close a turn: running commands marked, an interrupted marker, turn_completed. */
function closingEvents(t: Thread, turnId: string, outcome: 'completed' | 'interrupted' | 'failed', reason?: string, error?: string): ThreadEventBody[] {
  const at = now();
  const bodies: ThreadEventBody[] = [];
  for (const item of t.items) {
    if (item.turnId === turnId && item.type === 'command_execution' && item.status === 'running') {
      bodies.push({ kind: 'item_updated', item: { ...item, status: outcome === 'failed' ? 'failed' : 'interrupted' } });
    }
  }
  if (outcome === 'interrupted') bodies.push({ kind: 'item_added', item: { id: randomUUID(), turnId, type: 'turn_interrupted', reason: reason ?? 'Interrupted.', at } });
  if (outcome === 'failed') bodies.push({ kind: 'item_added', item: { id: randomUUID(), turnId, type: 'system_event', event: 'error', text: `The turn failed: ${error ?? 'unknown error'}`, at } });
  bodies.push({ kind: 'turn_completed', turnId, outcome, ...(error ? { error } : {}) });
  return bodies;
}

/**
 * Waits for the agent; once the turn is aborted, waits at most `graceMs` more. An agent that
 * ignores its signal must not keep the thread "running" forever.
 */
function untilStoppedAfterAbort(run: Promise<void>, signal: AbortSignal, graceMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | null = null;
    const onAbort = () => {
      timer = setTimeout(resolve, graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    run.then(resolve, reject).finally(() => {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}

function abortError(): Error {
  const e = new Error('The turn was interrupted.');
  e.name = 'AbortError';
  return e;
}

function newThreadId(): string {
  return randomBytes(8).toString('hex');
}

function notFound(ref: string): RpcError {
  const e = new ThreadNotFoundError(ref);
  return new RpcError('notFound', e.message.split('. ')[0] + '.', 'Run `baton thread list` to see the threads on this host.');
}

function badCursor(cursor: string): RpcError {
  return new RpcError('invalidParams', `The cursor "${cursor}" is not one this server gave out.`, 'Start again without a cursor.');
}

// The thread store of one BATON_HOME: every thread's log, the index used to list them, and the
// single writer per thread. Writes to a thread are serialized by an in-process queue and, across
// processes, by the thread's lock file (taken on the first write, held until close()), so a CLI
// and an app sharing BATON_HOME never interleave lines in one log.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ThreadEvent, type ThreadEventBody } from '../../../shared/contracts/events';
import { ThreadMeta, type Thread, type TranscriptItem } from '../../../shared/contracts/thread';
import { applyInPlace, reduceThread } from '../../../shared/threads/reduce';
import { ThreadNotFoundError } from './errors';
import { LogAppender, readLog } from './eventLog';
import { homePaths, type HomePaths } from './home';
import { acquireLock } from './lock';

const IndexEntry = z.object({ meta: ThreadMeta, preview: z.string(), size: z.number().int().nonnegative() });
type IndexEntry = z.infer<typeof IndexEntry>;
const IndexFile = z.object({ version: z.literal(1), threads: z.record(z.string(), IndexEntry) });

export interface ThreadSummaryRow {
  meta: ThreadMeta;
  preview: string;
}

interface OpenThread {
  thread: Thread;
  appender: LogAppender;
  release: () => void;
  queue: Promise<unknown>;
}

export type EventListener = (threadId: string, event: ThreadEvent, thread: Thread) => void;

/**
 * History arriving in bulk (a thread handed off to this host) is not news: announcing each of a
 * 100,000-event log to every client costs seconds on the click path. Listeners hear only the
 * events from `announceFrom` on; clients see the revision gap and catch up by reading, as after
 * any reconnect.
 */
export type ThreadState = Omit<Thread, 'items' | 'planHistory'> & { itemCount: number };

export interface Announce {
  announceFrom?: number;
}

export interface AppendOptions {
  /** Epoch stamped on the events: the writer's ownership epoch, or "the thread's own" as a function. */
  epoch: number | ((thread: Thread) => number);
  /**
   * Runs inside the thread's write queue against the current state, before anything is
   * written: throw to refuse the write (fencing lives here so that the check and the write
   * are one step no other write can come between).
   */
  guard?: (thread: Thread) => void;
}

export class ThreadStore {
  readonly paths: HomePaths;
  private open = new Map<string, OpenThread>();
  private opening = new Map<string, Promise<OpenThread>>();
  private listeners = new Set<EventListener>();
  private indexTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(home: string, private readonly now: () => string = () => new Date().toISOString()) {
    this.paths = homePaths(home);
    mkdirSync(this.paths.threads, { recursive: true, mode: 0o700 });
  }

  logFile(id: string): string {
    return path.join(this.paths.threads, `${id}.jsonl`);
  }

  private lockFile(id: string): string {
    return path.join(this.paths.threads, `${id}.lock`);
  }

  exists(id: string): boolean {
    return this.open.has(id) || existsSync(this.logFile(id));
  }

  /** Called after every durable append, in revision order per thread. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Creates a thread from its first events (the first one `thread_created`, rev 1). With
   * `announceFrom`, listeners hear only the events from that revision on (see `Announce`).
   */
  async create(events: ThreadEvent[], opts: Announce = {}): Promise<Thread> {
    const first = events[0];
    if (!first || first.kind !== 'thread_created') throw new Error('a new thread starts with thread_created');
    const id = first.meta.id;
    if (this.exists(id)) throw new Error(`Thread ${id} already exists.`);
    const validated = events.map((e) => ThreadEvent.parse(e));
    const thread = reduceThread(validated);
    const release = acquireLock(this.lockFile(id), id);
    try {
      const appender = new LogAppender(this.logFile(id), null);
      appender.append(validated);
      fsyncDir(this.paths.threads); // the new file's name must survive a crash too
      this.open.set(id, { thread, appender, release, queue: Promise.resolve() });
    } catch (e) {
      release();
      throw e;
    }
    for (const e of validated) if (e.rev >= (opts.announceFrom ?? 0)) this.emit(id, e, thread);
    this.scheduleIndex();
    return structuredClone(thread);
  }

  /** The thread as stored now. */
  async read(id: string): Promise<Thread> {
    const o = this.open.get(id);
    if (o) return structuredClone(o.thread);
    return reduceThread(this.readEvents(id));
  }

  /**
   * The thread without its transcript and plan history, and how many items it has: enough for
   * decisions on status, owner, epoch and revision. A clone of a 100,000-item transcript costs
   * a good part of a second (and its garbage more), and a handoff asks a dozen times.
   */
  async readState(id: string): Promise<ThreadState> {
    const o = this.open.get(id);
    const { items, planHistory: _history, ...rest } = o ? o.thread : reduceThread(this.readEvents(id));
    return { ...structuredClone(rest), itemCount: items.length };
  }

  /** Every event of a thread (from disk: the log is the truth). */
  readEvents(id: string): ThreadEvent[] {
    const file = this.logFile(id);
    if (!existsSync(file)) throw new ThreadNotFoundError(id);
    return readLog(file).events;
  }

  /**
   * Appends events built from the thread's current state. `build` runs inside the write queue,
   * so it sees every earlier write; returning [] writes nothing.
   */
  append(id: string, build: (thread: Thread) => ThreadEventBody[], opts: AppendOptions): Promise<ThreadEvent[]> {
    return this.withOpen(id, (o) => {
      opts.guard?.(o.thread);
      const bodies = build(o.thread);
      if (!bodies.length) return [];
      const at = this.now();
      const epoch = typeof opts.epoch === 'function' ? opts.epoch(o.thread) : opts.epoch;
      const events = bodies.map((body, i) => ThreadEvent.parse({ ...body, rev: o.thread.revision + 1 + i, at, epoch }));
      this.commit(id, o, events);
      return events;
    });
  }

  /**
   * Appends complete events verbatim — their rev, time and epoch kept — for replication: a log
   * that grew on another host (handoff) arrives here event for event, so both copies stay
   * byte-comparable. Revisions must continue the thread's; `guard` works as in append().
   */
  appendVerbatim(id: string, events: readonly ThreadEvent[], opts: { guard?: (thread: Thread) => void } & Announce = {}): Promise<void> {
    return this.withOpen(id, (o) => {
      opts.guard?.(o.thread);
      const parsed = events.map((e) => ThreadEvent.parse(e));
      parsed.forEach((e, i) => {
        if (e.rev !== o.thread.revision + 1 + i) throw new Error(`Thread ${id} is at revision ${o.thread.revision}; event rev ${e.rev} does not follow it.`);
      });
      this.commit(id, o, parsed, opts.announceFrom);
    });
  }

  /**
   * The thread list: the index, with entries refreshed from any log that changed since it was
   * written. A log that cannot be read is left out of `rows` and reported in `unreadable`: one
   * damaged thread must not hide all the others.
   */
  list(): ThreadSummaryRow[] {
    return this.listWithProblems().rows;
  }

  listWithProblems(): { rows: ThreadSummaryRow[]; unreadable: Array<{ threadId: string; message: string }> } {
    const index = this.loadIndex();
    const rows: ThreadSummaryRow[] = [];
    const unreadable: Array<{ threadId: string; message: string }> = [];
    let dirty = false;
    for (const name of readdirSync(this.paths.threads)) {
      if (!name.endsWith('.jsonl')) continue;
      const id = name.slice(0, -'.jsonl'.length);
      const o = this.open.get(id);
      if (o) {
        rows.push({ meta: metaOf(o.thread), preview: previewOf(o.thread.items) });
        continue;
      }
      let size: number;
      try {
        size = statSync(this.logFile(id)).size;
      } catch {
        continue; // removed meanwhile
      }
      let entry = index.threads[id];
      if (!entry || entry.size !== size) {
        // Stale or missing: the log is the truth, the index only a cache of it.
        let t: Thread;
        try {
          t = reduceThread(readLog(this.logFile(id)).events);
        } catch (e) {
          unreadable.push({ threadId: id, message: e instanceof Error ? e.message : String(e) });
          continue;
        }
        entry = { meta: metaOf(t), preview: previewOf(t.items), size };
        index.threads[id] = entry;
        dirty = true;
      }
      rows.push({ meta: entry.meta, preview: entry.preview });
    }
    if (dirty) this.writeIndex(index);
    return { rows: rows.sort((a, b) => (a.meta.updatedAt < b.meta.updatedAt ? 1 : -1)), unreadable };
  }

  /**
   * The live state of a thread this process has open for writing (not a copy: do not mutate,
   * do not keep). For synchronous checks such as fencing; undefined when not open.
   */
  peek(id: string): Readonly<Thread> | undefined {
    return this.open.get(id)?.thread;
  }

  /** Threads this process has open for writing (and therefore holds the lock of). */
  openThreadIds(): string[] {
    return [...this.open.keys()];
  }

  /** Opens a thread for writing now (takes its lock, drops a torn tail). */
  async openForWrite(id: string): Promise<Thread> {
    const o = await this.getOpen(id);
    return structuredClone(o.thread);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.opening.values()]);
    await Promise.allSettled([...this.open.values()].map((o) => o.queue));
    this.flushIndex();
    for (const o of this.open.values()) {
      o.appender.close();
      o.release();
    }
    this.open.clear();
  }

  private commit(id: string, o: OpenThread, events: ThreadEvent[], announceFrom = 0) {
    // Apply before writing: an event the reducer refuses must never reach the disk. Applied in
    // place (a copy per event would make long transcripts quadratic); if the reducer or the
    // disk refuses, memory is rebuilt from the log, which is the truth.
    try {
      for (const e of events) applyInPlace(o.thread, e);
      o.appender.append(events);
    } catch (err) {
      o.thread = reduceThread(readLog(this.logFile(id)).events);
      throw err;
    }
    for (const e of events) if (e.rev >= announceFrom) this.emit(id, e, o.thread);
    this.scheduleIndex();
  }

  private emit(id: string, e: ThreadEvent, t: Thread) {
    for (const l of this.listeners) {
      try {
        l(id, e, t);
      } catch {
        // A listener (a notification to a closed socket) must not fail the write that is already durable.
      }
    }
  }

  private withOpen<T>(id: string, f: (o: OpenThread) => T): Promise<T> {
    return this.getOpen(id).then((o) => {
      const run = o.queue.then(() => f(o));
      o.queue = run.catch(() => undefined);
      return run;
    });
  }

  private getOpen(id: string): Promise<OpenThread> {
    if (this.closed) return Promise.reject(new Error('The thread store is closed.'));
    const o = this.open.get(id);
    if (o) return Promise.resolve(o);
    let p = this.opening.get(id);
    if (!p) {
      p = (async () => {
        const file = this.logFile(id);
        if (!existsSync(file)) throw new ThreadNotFoundError(id);
        const release = acquireLock(this.lockFile(id), id);
        try {
          // Read after locking: whatever the previous writer appended is in the file now.
          const log = readLog(file);
          const thread = reduceThread(log.events);
          const appender = new LogAppender(file, log.tornTail ? log.validBytes : null);
          const opened: OpenThread = { thread, appender, release, queue: Promise.resolve() };
          this.open.set(id, opened);
          return opened;
        } catch (e) {
          release();
          throw e;
        }
      })().finally(() => this.opening.delete(id));
      this.opening.set(id, p);
    }
    return p;
  }

  private loadIndex(): z.infer<typeof IndexFile> {
    try {
      return IndexFile.parse(JSON.parse(readFileSync(this.paths.index, 'utf8')));
    } catch {
      return { version: 1, threads: {} }; // missing or unreadable: rebuilt from the logs
    }
  }

  private scheduleIndex() {
    if (this.indexTimer) return;
    this.indexTimer = setTimeout(() => this.flushIndex(), 250);
    this.indexTimer.unref();
  }

  private flushIndex() {
    if (this.indexTimer) clearTimeout(this.indexTimer);
    this.indexTimer = null;
    if (!this.open.size) return;
    const index = this.loadIndex();
    for (const [id, o] of this.open) {
      let size = 0;
      try {
        size = statSync(this.logFile(id)).size;
      } catch {
        continue;
      }
      index.threads[id] = { meta: metaOf(o.thread), preview: previewOf(o.thread.items), size };
    }
    this.writeIndex(index);
  }

  private writeIndex(index: z.infer<typeof IndexFile>) {
    // Write-then-rename: a reader sees the old index or the new one, never half of one.
    const tmp = `${this.paths.index}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(index), { mode: 0o600 });
      renameSync(tmp, this.paths.index);
    } catch {
      // The index is a cache: failing to write it costs a rebuild, never data.
    }
  }
}

export function metaOf(t: Thread): ThreadMeta {
  const { items: _items, planHistory: _plans, ...meta } = t;
  return meta;
}

export function previewOf(items: readonly TranscriptItem[]): string {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i]!;
    if (it.type === 'user_message' || it.type === 'agent_message') {
      const text = it.text.replace(/\s+/g, ' ').trim();
      return text.length > 120 ? `${text.slice(0, 119)}…` : text;
    }
  }
  return '';
}

function fsyncDir(dir: string) {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported on every platform; the file's own fsync still holds its contents.
  }
}

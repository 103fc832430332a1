// Two app-servers in one test process: each its own BATON_HOME, ThreadStore, ProjectStore,
// ThreadService (with the real offline agent) and HandoffService, joined by in-process peer
// links that can be cut, hung (the sender "dies" mid-step) or taken down. A host can be
// "killed" — its objects dropped without any orderly shutdown of the handoff — and reopened
// from its BATON_HOME, which is what a kill -9 and a restart leave.
import path from 'node:path';
import type { PeerRequest } from '../../../shared/contracts/handoff';
import { createAgent, type Agent } from '../agent';
import { ProjectStore } from '../projects/projectStore';
import { homePaths } from '../storage/home';
import { ThreadStore } from '../storage/threadStore';
import { ThreadService } from '../threads/service';
import { InProcessLink, PeerUnavailableError, type FaultPoint, type PeerLink } from './peer';
import { HandoffService } from './service';

export interface Host {
  id: string;
  home: string;
  store: ThreadStore;
  projects: ProjectStore;
  threads: ThreadService;
  handoff: HandoffService;
}

/** A fault decided per message: 'cut' throws (connection drop), 'hang' never answers (the sender died). */
export type Fault = (req: PeerRequest, point: FaultPoint, from: string) => 'cut' | 'hang' | void;

export class Pair {
  hosts = new Map<string, Host>();
  down = new Set<string>();
  fault: Fault | null = null;
  /** Every request sent, in order (for picking fault points). */
  log: Array<{ from: string; type: PeerRequest['type']; bytes: number }> = [];

  constructor(
    private readonly homes: Record<string, string>,
    private readonly opts: {
      chunkBytes?: number;
      retries?: number;
      retryDelayMs?: number;
      agent?: (host: string) => Agent | undefined;
      /** Replaces the in-process link between two hosts (e.g. with one over the secure channel). */
      link?: (from: string, to: string) => PeerLink | undefined;
    } = {},
  ) {
    for (const id of Object.keys(homes)) this.open(id);
  }

  get(id: string): Host {
    return this.hosts.get(id)!;
  }

  /** Opens (or reopens after a kill) a host from its BATON_HOME. */
  open(id: string): Host {
    const home = this.homes[id]!;
    const store = new ThreadStore(home);
    const projects = new ProjectStore(homePaths(home).projects);
    const threads = new ThreadService({ store, projects, home, hostId: id, createAgent: (s) => this.opts.agent?.(id) ?? createAgent(s, { killGraceMs: 100 }), stopGraceMs: 2_000 });
    const others = () => Object.keys(this.homes).filter((h) => h !== id);
    const handoff = new HandoffService({
      home,
      hostId: id,
      serverVersion: '0.1.0-test',
      store,
      threads,
      projects,
      peers: (h) => this.opts.link?.(id, h) ?? (this.homes[h] ? this.link(id, h) : null),
      hosts: () => [id, ...others()],
      chunkBytes: this.opts.chunkBytes,
      retries: this.opts.retries ?? 1,
      retryDelayMs: this.opts.retryDelayMs ?? 10,
    });
    const host: Host = { id, home, store, projects, threads, handoff };
    this.hosts.set(id, host);
    this.down.delete(id);
    return host;
  }

  private link(from: string, to: string): InProcessLink {
    const link = new InProcessLink(to, () => (this.down.has(to) || this.down.has(from) ? null : this.hosts.get(to)!.handoff.handle));
    link.fault = (req, point, bytes) => {
      if (point === 'before-delivery') this.log.push({ from, type: req.type, bytes });
      const f = this.fault?.(req, point, from);
      if (f === 'cut') return true;
      if (f === 'hang') throw new Hang();
      return false;
    };
    // A hung sender never sees an answer: its promise stays pending, like a process that died.
    const send = link.send.bind(link);
    link.send = (req, payload) =>
      send(req, payload).catch((e) => {
        if (e instanceof Hang) return new Promise<never>(() => undefined);
        throw e;
      });
    return link;
  }

  /**
   * kill -9: the host stops answering, and its in-memory objects are abandoned. The store's
   * files are closed (that releases the lock files this process holds) but nothing is flushed
   * or written on its behalf: what is on disk is what the next start finds.
   */
  async kill(id: string): Promise<void> {
    const h = this.hosts.get(id)!;
    this.down.add(id);
    h.handoff.journal.dispose();
    await h.store.close();
  }

  async closeAll(): Promise<void> {
    for (const [id, h] of this.hosts) {
      if (this.down.has(id)) continue;
      h.handoff.journal.dispose();
      await h.threads.close();
    }
  }
}

class Hang extends Error {}

export function homeOf(root: string, id: string): string {
  return path.join(root, `home-${id}`);
}

export { PeerUnavailableError };

/** Small, seedable PRNG (mulberry32): the same seed replays the same case. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Polls `f` until it gives a value (not undefined, null or false); bounded, then names what it waited for. */
export async function until<T>(what: string, f: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

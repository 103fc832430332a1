// The UI's state: hosts, the merged thread list, projects, what is on screen, and the open
// thread kept current from live events. Created from a BridgeClient so tests drive it with a
// transport of their own; components read it with `useApp`.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BridgeProject, BridgeThread, HostView } from '../../shared/contracts/bridge';
import type { ThreadEvent } from '../../shared/contracts/events';
import type { ApprovalPolicy, Thread } from '../../shared/contracts/thread';
import { errorText, type BridgeClient } from '../bridge/client';
import { applyAll, applyLive } from './openThread';

/** Items per `thread/read` page: a 50,000-item thread opens in five round trips. */
export const PAGE_ITEMS = 10_000;

export type View =
  | { kind: 'home' }
  | { kind: 'thread'; host: string; id: string }
  | { kind: 'new-thread' }
  | { kind: 'settings'; tab: 'connections' | 'projects' };

export interface OpenThread {
  host: string;
  id: string;
  thread: Thread | null;
  loading: boolean;
  error: { message: string; hint?: string } | null;
  /** Events that arrived before the first read finished. */
  buffered: ThreadEvent[];
}

export interface Notice {
  message: string;
  hint?: string;
}

export interface AppState {
  connection: 'open' | 'closed';
  hosts: HostView[];
  threads: BridgeThread[];
  projects: BridgeProject[];
  view: View;
  open: OpenThread | null;
  notice: Notice | null;
  busy: boolean;

  init(): Promise<void>;
  refreshHosts(): Promise<void>;
  refreshThreads(): Promise<void>;
  refreshProjects(): Promise<void>;
  show(view: View): void;
  openThread(host: string, id: string): Promise<void>;
  startThread(p: { host: string; project: string; title?: string; approvalPolicy?: ApprovalPolicy }): Promise<boolean>;
  addProject(p: { host: string; path: string; name?: string }): Promise<boolean>;
  removeProject(host: string, project: string): Promise<void>;
  send(input: string): Promise<boolean>;
  interrupt(): Promise<void>;
  respond(requestId: string, decision: 'allow' | 'deny' | 'always'): Promise<void>;
  dismissNotice(): void;
}

export type AppStore = StoreApi<AppState>;

export function createAppStore(client: BridgeClient): AppStore {
  let listTimer: ReturnType<typeof setTimeout> | null = null;

  const store = createStore<AppState>()((set, get) => {
    const fail = (e: unknown) => set({ notice: errorText(e) });
    const openMatches = (host: string, id: string) => {
      const o = get().open;
      return o !== null && o.host === host && o.id === id;
    };
    const setOpen = (patch: Partial<OpenThread>) => {
      const o = get().open;
      if (o) set({ open: { ...o, ...patch } });
    };

    async function readWhole(host: string, id: string): Promise<Thread> {
      const first = await client.call('thread/read', { host, thread: id, limit: PAGE_ITEMS });
      let items = first.items ?? [];
      let cursor = first.nextCursor;
      // Pages come newest first; older pages are prepended until the start of the thread.
      while (cursor) {
        const page = await client.call('thread/read', { host, thread: id, limit: PAGE_ITEMS, cursor });
        items = (page.items ?? []).concat(items);
        cursor = page.nextCursor;
      }
      return { ...first.thread, items };
    }

    async function catchUp(host: string, id: string) {
      const o = get().open;
      if (!o?.thread || !openMatches(host, id)) return;
      try {
        let cursor: string | null | undefined;
        let thread = o.thread;
        do {
          const r = await client.call('thread/read', cursor ? { host, thread: id, cursor } : { host, thread: id, afterRevision: thread.revision });
          const out = applyAll(thread, r.events ?? []);
          if (out.kind === 'gap') throw new Error(`events after revision ${out.from} are missing`);
          if (out.kind === 'applied') thread = out.thread;
          cursor = r.nextCursor;
        } while (cursor);
        if (openMatches(host, id)) setOpen({ thread });
      } catch {
        // Catch-up is impossible (e.g. the thread was compacted): read it whole again.
        if (openMatches(host, id)) {
          const thread = await readWhole(host, id).catch(() => null);
          if (thread && openMatches(host, id)) setOpen({ thread });
        }
      }
    }

    function onEvent(host: string, threadId: string, event: ThreadEvent) {
      if (event.kind !== 'item_delta' && event.kind !== 'item_added') scheduleListRefresh();
      const o = get().open;
      if (!o || o.host !== host || o.id !== threadId) return;
      if (!o.thread) {
        setOpen({ buffered: [...o.buffered, event] });
        return;
      }
      const r = applyLive(o.thread, event);
      if (r.kind === 'applied') setOpen({ thread: r.thread });
      else if (r.kind === 'gap') void catchUp(host, threadId);
    }

    function scheduleListRefresh() {
      if (listTimer) return;
      listTimer = setTimeout(() => {
        listTimer = null;
        void get().refreshThreads();
      }, 150);
    }

    client.on('thread/event', (p) => onEvent(p.host, p.threadId, p.event));
    client.on('threads/changed', () => scheduleListRefresh());
    client.on('host/status', ({ host }) => {
      const hosts = get().hosts.some((h) => h.id === host.id) ? get().hosts.map((h) => (h.id === host.id ? host : h)) : [...get().hosts, host];
      set({ hosts });
      const o = get().open;
      if (host.online && o && o.host === host.id) void catchUp(o.host, o.id);
    });
    client.onState((state) => {
      set({ connection: state });
      if (state === 'open') {
        void get().init();
        const o = get().open;
        if (o) void catchUp(o.host, o.id);
      }
    });

    return {
      connection: 'open',
      hosts: [],
      threads: [],
      projects: [],
      view: { kind: 'home' },
      open: null,
      notice: null,
      busy: false,

      async init() {
        await Promise.all([get().refreshHosts(), get().refreshThreads(), get().refreshProjects()]);
      },
      async refreshHosts() {
        try {
          set({ hosts: (await client.call('hosts/list', {})).hosts });
        } catch (e) {
          fail(e);
        }
      },
      async refreshThreads() {
        try {
          set({ threads: (await client.call('threads/list', {})).threads });
        } catch (e) {
          fail(e);
        }
      },
      async refreshProjects() {
        try {
          set({ projects: (await client.call('projects/list', {})).projects });
        } catch (e) {
          fail(e);
        }
      },
      show(view) {
        set({ view });
        if (view.kind !== 'thread') set({ open: null });
      },
      async openThread(host, id) {
        set({ view: { kind: 'thread', host, id }, open: { host, id, thread: null, loading: true, error: null, buffered: [] } });
        try {
          const thread = await readWhole(host, id);
          if (!openMatches(host, id)) return;
          const buffered = get().open!.buffered;
          const out = applyAll(thread, buffered);
          setOpen({ thread: out.kind === 'applied' ? out.thread : thread, loading: false, buffered: [] });
          if (out.kind === 'gap') void catchUp(host, id);
        } catch (e) {
          if (!openMatches(host, id)) return;
          // An offline host: show what the list last knew, read-only, with the reason.
          const summary = get().threads.find((t) => t.host === host && t.id === id);
          setOpen({ loading: false, error: errorText(e), thread: summary ? { ...summary, items: [], planHistory: [] } : null });
        }
      },
      async startThread(p) {
        set({ busy: true });
        try {
          const { thread } = await client.call('thread/start', p);
          await get().refreshThreads();
          await get().openThread(p.host, thread.id);
          return true;
        } catch (e) {
          fail(e);
          return false;
        } finally {
          set({ busy: false });
        }
      },
      async addProject(p) {
        try {
          await client.call('projects/add', p);
          await get().refreshProjects();
          return true;
        } catch (e) {
          fail(e);
          return false;
        }
      },
      async removeProject(host, project) {
        try {
          await client.call('projects/remove', { host, project });
          await get().refreshProjects();
        } catch (e) {
          fail(e);
        }
      },
      async send(input) {
        const o = get().open;
        if (!o) return false;
        try {
          await client.call('turn/start', { host: o.host, thread: o.id, input });
          return true;
        } catch (e) {
          fail(e);
          return false;
        }
      },
      async interrupt() {
        const o = get().open;
        if (!o) return;
        try {
          await client.call('turn/interrupt', { host: o.host, thread: o.id });
        } catch (e) {
          fail(e);
        }
      },
      async respond(requestId, decision) {
        const o = get().open;
        if (!o) return;
        try {
          await client.call('approval/respond', { host: o.host, thread: o.id, requestId, decision });
        } catch (e) {
          fail(e);
        }
      },
      dismissNotice() {
        set({ notice: null });
      },
    };
  });
  return store;
}

// The main process's view of every host: one HostLink per reachable host (This computer's
// embedded app-server, each connected SSH host), merged behind the bridge. Lists are merged
// across hosts; every thread action is routed to the host that owns the thread. A host that
// drops keeps its threads listed with their last known state, marked offline, and is re-listed
// when its link returns (that is the catch-up: the renderer re-reads open threads from there).
//
// Host names are the desktop's: an app-server calls itself whatever it was started as (a remote
// `baton serve` says "local"), so every thread a link reports is stamped with the name this
// desktop gave that host — the thread lives where the link that lists it goes.
import {
  LOCAL_HOST_ID,
  LOCAL_HOST_LABEL,
  type BridgeProject,
  type BridgePushName,
  type BridgePushPayload,
  type BridgeThread,
  type Destination,
  type HostView,
} from '../../../shared/contracts/bridge';
import type { HandoffProgress } from '../../../shared/contracts/handoff';
import { PROTOCOL_VERSION, type ProjectInfo, type ThreadSummary } from '../../../shared/contracts/rpc';
import { RpcError } from '../../../shared/rpc/errors';
import type { HostId } from '../../../shared/contracts/thread';
import { checkDestination } from '../../../shared/handoff/eligibility';
import type { ConnectionsPort } from './connections';
import type { BridgeHandlers } from './dispatch';
import { BridgeError, handoffUnavailable } from './errors';
import type { HostLink } from './hostLink';
import { mergeThreadLists } from './merge';
import { registerRelay, serveRelay } from './relay';
import { summaryAfterEvent } from './summary';
import type { HandoffPeers } from './handoffPeers';

interface HostState {
  view: HostView;
  link: HostLink | null;
  threads: Map<string, ThreadSummary>;
  projects: ProjectInfo[];
  /** Bumped on every attach so a late answer from an old link is ignored. */
  generation: number;
  unsubscribe: Array<() => void>;
}

export type PushListener = <N extends BridgePushName>(name: N, payload: BridgePushPayload<N>) => void;

export class HostHub {
  private hosts = new Map<HostId, HostState>();
  private pushListeners = new Set<PushListener>();

  constructor(private readonly connections: ConnectionsPort) {
    this.hosts.set(LOCAL_HOST_ID, newState(localView()));
    for (const v of connections.list()) this.hosts.set(v.id, newState(v));
    connections.onStatus((v) => this.updateView(v));
    connections.onPrompt((p) => this.push('connections/prompt', p));
    connections.onLink((host, link) => {
      if (link) void this.attach(host, link).catch((e: unknown) => this.attachFailed(host, link, e));
      else this.detach(host, 'disconnected');
    });
  }

  onPush(listener: PushListener): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  private push<N extends BridgePushName>(name: N, payload: BridgePushPayload<N>) {
    for (const l of this.pushListeners) l(name, payload);
  }

  /** Connects the hub to a host's app-server: handshake, then its projects and threads. */
  async attach(hostId: HostId, link: HostLink): Promise<void> {
    const state = this.hosts.get(hostId) ?? newState(hostId === LOCAL_HOST_ID ? localView() : { ...localView(), id: hostId, label: hostId, kind: 'ssh' });
    this.hosts.set(hostId, state);
    for (const u of state.unsubscribe) u();
    const generation = ++state.generation;
    state.link = link;
    link.onClose((reason) => {
      if (state.generation === generation) this.detach(hostId, reason);
    });
    state.unsubscribe = [
      link.client.on('handoff/progress', (p) => {
        if (state.generation === generation) void this.onHandoffProgress(hostId, link, p);
      }),
      link.client.on('thread/event', ({ threadId, event }) => {
        if (state.generation !== generation) return;
        const known = state.threads.get(threadId);
        if (known) state.threads.set(threadId, { ...summaryAfterEvent(known, event), host: hostId });
        else void this.refreshThreads(hostId).catch(() => undefined); // a dropped link re-lists on reconnect
        this.push('thread/event', { host: hostId, threadId, event });
      }),
    ];
    const started = performance.now();
    const info = await link.client.call('initialize', { clientName: 'baton-desktop', protocolVersion: PROTOCOL_VERSION });
    const latencyMs = Math.round(performance.now() - started);
    if (state.generation !== generation) return;
    state.view = {
      ...state.view,
      online: true,
      latencyMs,
      serverVersion: info.serverVersion,
      protocolVersion: info.protocolVersion,
      // The app-server answers, so the host is connected, whatever the SSH layer said last.
      status: state.view.status.state === 'connected' ? state.view.status : { state: 'connected', hostKeyFingerprint: state.view.hostKeyFingerprint ?? '' },
    };
    await Promise.all([this.refreshThreads(hostId), this.refreshProjects(hostId)]);
    // Remote hosts reach This computer and each other through this desktop (handoff relay).
    if (hostId !== LOCAL_HOST_ID && this.relayPeers) {
      state.unsubscribe.push(serveRelay(hostId, link, this.relayPeers));
      await registerRelay(link, this.othersThan(hostId)).catch(() => undefined);
    }
    this.push('host/status', { host: state.view });
    for (const l of this.attachedListeners) l(hostId);
  }

  private attachedListeners = new Set<(hostId: HostId) => void>();

  /** Called each time a host's link is up and its app-server has answered (first connect and every reconnect). */
  onAttached(listener: (hostId: HostId) => void): () => void {
    this.attachedListeners.add(listener);
    return () => this.attachedListeners.delete(listener);
  }

  private relayPeers: HandoffPeers | null = null;

  private othersThan(hostId: HostId): HostId[] {
    return [...this.hosts.keys()].filter((h) => h !== hostId);
  }

  /** After a link went away, every remaining remote link offers its paths again (see relay.ts). */
  private reRegisterRelays() {
    if (!this.relayPeers) return;
    for (const [id, s] of this.hosts) {
      if (id !== LOCAL_HOST_ID && s.link) void registerRelay(s.link, this.othersThan(id)).catch(() => undefined);
    }
  }

  /** Turns on relaying handoff messages for remote hosts (see relay.ts); startDesktop does. */
  enableRelay(peers: HandoffPeers) {
    this.relayPeers = peers;
  }

  /**
   * Progress of a handoff this host coordinates, for the footer's progress bar. At the end the
   * operation's status says how it ended (with the reason on failure), and both hosts' lists are
   * re-read: the thread is now live on exactly one of them.
   */
  private async onHandoffProgress(hostId: HostId, link: HostLink, p: HandoffProgress) {
    const ended = p.stage === 'done' || p.stage === 'aborted';
    if (!ended) {
      this.push('handoff/progress', { ...p, host: hostId, state: 'running' });
      return;
    }
    const status = await link.client.call('handoff/status', { operationId: p.operationId }).catch(() => null);
    this.push('handoff/progress', status ? { ...status, host: hostId } : { ...p, host: hostId, state: p.stage === 'done' ? 'moved' : 'aborted' });
    await Promise.all([this.refreshThreads(hostId), this.refreshThreads(p.destination)].map((r) => r.catch(() => undefined)));
  }

  /** Handoff methods go to the host that owns the thread; a host without them says so plainly. */
  private async handoffCall<R>(hostId: HostId, call: (link: HostLink) => Promise<R>): Promise<R> {
    const link = this.route(hostId);
    try {
      return await call(link);
    } catch (e) {
      if (e instanceof RpcError && e.kind === 'methodNotFound') throw handoffUnavailable();
      throw e;
    }
  }

  /** The host's app-server did not complete the handshake: show why, and drop the link. */
  private attachFailed(hostId: HostId, link: HostLink, e: unknown) {
    const state = this.hosts.get(hostId);
    if (state?.link === link) this.detach(hostId, e instanceof Error ? e.message : String(e));
    void link.close().catch(() => undefined);
  }

  /** The host is gone: keep its last known threads, mark everything offline. */
  detach(hostId: HostId, reason: string) {
    const state = this.hosts.get(hostId);
    if (!state || !state.link) return;
    for (const u of state.unsubscribe) u();
    state.unsubscribe = [];
    state.link = null;
    state.generation++;
    state.view = {
      ...state.view,
      online: false,
      status: state.view.status.state === 'connected' ? { state: 'error', error: { code: 'disconnected', message: `The connection was lost (${reason}).` } } : state.view.status,
    };
    this.push('host/status', { host: state.view });
    this.push('threads/changed', { host: hostId });
    this.reRegisterRelays();
  }

  private updateView(v: HostView) {
    const state = this.hosts.get(v.id);
    if (!state) {
      this.hosts.set(v.id, newState(v));
    } else {
      // The SSH layer knows the connection; the hub knows whether the app-server answers.
      state.view = { ...v, online: state.link !== null, serverVersion: state.view.serverVersion ?? v.serverVersion, protocolVersion: state.view.protocolVersion ?? v.protocolVersion, latencyMs: v.latencyMs ?? state.view.latencyMs };
    }
    this.push('host/status', { host: this.hosts.get(v.id)!.view });
  }

  private async refreshThreads(hostId: HostId) {
    const state = this.hosts.get(hostId);
    if (!state?.link) return;
    const generation = state.generation;
    const { threads } = await state.link.client.call('thread/list', { includeArchived: false });
    if (state.generation !== generation) return;
    state.threads = new Map(threads.map((t) => [t.id, { ...t, host: hostId }]));
    this.push('threads/changed', { host: hostId });
  }

  private async refreshProjects(hostId: HostId) {
    const state = this.hosts.get(hostId);
    if (!state?.link) return;
    const { projects } = await state.link.client.call('project/list', {});
    state.projects = projects;
  }

  /** The link of the host that owns an action, or a clear error when it is not reachable. */
  private route(hostId: HostId): HostLink {
    const state = this.hosts.get(hostId);
    if (!state) throw new BridgeError('unknown-host', `There is no host "${hostId}".`, 'Add it in Settings > Connections.');
    if (!state.link) {
      throw new BridgeError('host-offline', `${state.view.label} is not connected; its threads are shown as last seen.`, 'Reconnect it in Settings > Connections.');
    }
    return state.link;
  }

  /** The live link to a host's app-server, or null while it is not connected. */
  linkOf(hostId: HostId): HostLink | null {
    return this.hosts.get(hostId)?.link ?? null;
  }

  views(): HostView[] {
    return [...this.hosts.values()].map((s) => s.view);
  }

  threads(includeArchived = false): BridgeThread[] {
    return mergeThreadLists([...this.hosts.values()].map((s) => ({ online: s.link !== null, threads: s.threads.values() })), includeArchived);
  }

  private projectsOf(hostId: HostId): BridgeProject[] {
    return (this.hosts.get(hostId)?.projects ?? []).map((p) => ({ ...p, host: hostId }));
  }

  destinations(hostId: HostId, threadId: string): Destination[] {
    const thread = this.hosts.get(hostId)?.threads.get(threadId);
    if (!thread) throw new BridgeError('not-found', `Thread ${threadId} is not known on ${hostId}.`, 'Reload the thread list.');
    const key = { host: thread.host, project: { identity: thread.project.identity, subdir: thread.project.subdir } };
    return [...this.hosts.values()].map((s) => {
      const verdict = checkDestination(
        key,
        {
          id: s.view.id,
          connected: s.link !== null,
          protocolVersion: s.view.protocolVersion ?? undefined,
          serverVersion: s.view.serverVersion ?? undefined,
          projects: s.projects.map((p) => ({ identity: p.identity, subdir: p.subdir })),
        },
        PROTOCOL_VERSION,
      );
      const current = s.view.id === thread.host;
      return verdict.eligible
        ? { host: s.view.id, label: s.view.label, eligible: true, current }
        : { host: s.view.id, label: s.view.label, eligible: false, reason: verdict.reason, message: verdict.message, current };
    });
  }

  handlers(): BridgeHandlers {
    return {
      'hosts/list': async () => ({ hosts: this.views() }),
      'threads/list': async (p) => ({ threads: this.threads(p.includeArchived) }),
      'thread/read': async ({ host, thread, ...page }) => {
        const r = await this.route(host).client.call('thread/read', { thread, ...page });
        return { ...r, thread: { ...r.thread, host } };
      },
      'thread/start': async ({ host, ...params }) => {
        const started = await this.route(host).client.call('thread/start', params);
        const r = { thread: { ...started.thread, host } };
        const state = this.hosts.get(host)!;
        if (!state.threads.has(r.thread.id)) state.threads.set(r.thread.id, { ...r.thread, host, preview: '' });
        this.push('threads/changed', { host });
        return r;
      },
      'turn/start': async ({ host, thread, input }) => this.route(host).client.call('turn/start', { thread, input }),
      'turn/interrupt': async ({ host, thread }) => this.route(host).client.call('turn/interrupt', { thread }),
      'approval/respond': async ({ host, thread, requestId, decision }) => this.route(host).client.call('approval/respond', { thread, requestId, decision }),
      'projects/list': async ({ host }) => {
        const ids = host ? [host] : [...this.hosts.keys()];
        await Promise.all(ids.map((id) => this.refreshProjects(id).catch(() => undefined)));
        return { projects: ids.flatMap((id) => this.projectsOf(id)) };
      },
      'projects/add': async ({ host, path, name }) => {
        const r = await this.route(host).client.call('project/add', { path, ...(name ? { name } : {}) });
        await this.refreshProjects(host);
        return { project: { ...r.project, host } };
      },
      'projects/remove': async ({ host, project }) => {
        const r = await this.route(host).client.call('project/remove', { project });
        await this.refreshProjects(host);
        return { removed: { ...r.removed, host } };
      },
      'handoff/destinations': async ({ host, thread }) => ({ destinations: this.destinations(host, thread) }),
      'handoff/prepare': async ({ host, thread, to, followUpPrompt }) =>
        this.handoffCall(host, (l) => l.client.call('handoff/prepare', { thread, to, ...(followUpPrompt ? { followUpPrompt } : {}) })),
      'handoff/start': async ({ host, operationId }) => this.handoffCall(host, (l) => l.client.call('handoff/start', { operationId })),
      'handoff/status': async ({ host, operationId }) => this.handoffCall(host, (l) => l.client.call('handoff/status', { operationId })),
      'handoff/cancel': async ({ host, operationId }) => this.handoffCall(host, (l) => l.client.call('handoff/cancel', { operationId })),
      'connections/list': async () => ({ hosts: this.views().filter((v) => v.kind === 'ssh') }),
      'connections/suggestions': async () => ({ suggestions: await this.connections.suggestions() }),
      'connections/add': async ({ name, target }) => {
        const host = await this.connections.add(name, target);
        this.updateView(host);
        return { host: this.hosts.get(name)!.view };
      },
      'connections/test': async ({ name }) => this.connections.test(name),
      'connections/connect': async ({ name }) => ({ host: await this.connections.connect(name) }),
      'connections/disconnect': async ({ name }) => ({ host: await this.connections.disconnect(name) }),
      'connections/remove': async ({ name }) => {
        await this.connections.remove(name);
        const state = this.hosts.get(name);
        if (state?.link) await state.link.close();
        this.hosts.delete(name);
        this.push('threads/changed', { host: name });
        return { removed: name };
      },
      'connections/answer': async ({ promptId, answer }) => ({ accepted: this.connections.answer(promptId, answer) }),
    };
  }

  async close() {
    for (const s of this.hosts.values()) {
      for (const u of s.unsubscribe) u();
      if (s.link) await s.link.close().catch(() => undefined);
      s.link = null;
    }
    await this.connections.close();
  }
}

function newState(view: HostView): HostState {
  return { view, link: null, threads: new Map(), projects: [], generation: 0, unsubscribe: [] };
}

function localView(): HostView {
  return {
    id: LOCAL_HOST_ID,
    label: LOCAL_HOST_LABEL,
    kind: 'local',
    status: { state: 'connecting', attempt: 1 },
    online: false,
    latencyMs: null,
    serverVersion: null,
    protocolVersion: null,
    hostKeyFingerprint: null,
    noiseFingerprint: null,
  };
}

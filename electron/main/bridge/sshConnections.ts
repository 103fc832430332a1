// Settings > Connections for real: saved hosts (electron/main/ssh/hosts-store), connections with
// bootstrap and a forwarded port (openRemoteHost), tests (testHost), and the person-facing
// questions (unknown host key, passphrase, keyboard-interactive) turned into bridge prompts.
// A connected host's app-server is handed to the hub as a HostLink over the forwarded WebSocket;
// when that socket drops while SSH reconnects, the link is re-opened and the hub catches up.
import { randomUUID } from 'node:crypto';
import type { ConnectionPrompt, HostView, PromptAnswer } from '../../../shared/contracts/bridge';
import type { HostStatus, SavedHost } from '../../../shared/contracts/hosts';
import { channelPeer } from '../../app-server/handoff/channelPeer';
import { secureChannelConnection } from '../../app-server/rpc/secureChannel';
import { SERVER_VERSION } from '../../app-server/server/version';
import { fingerprint, loadOrCreateIdentity } from '../../app-server/transport/identity';
import {
  addHost,
  hostSuggestions,
  listHosts,
  localResolveEnv,
  openRemoteHost,
  openSecureLink,
  removeHost,
  SshError,
  testHost,
  type RemoteHostDeps,
  type RemoteHostSession,
  type ResolveEnv,
  type SshPaths,
  type SshPrompter,
} from '../ssh/index';
import { offlineView, type ConnectionsPort } from './connections';
import { BridgeError } from './errors';
import { linkOver, type HostLink } from './hostLink';

export interface SshConnectionsOptions {
  paths: SshPaths;
  /** dist/baton.cjs: the server bundle uploaded to hosts. */
  bundlePath: string;
  resolveEnv?: ResolveEnv;
  agentSocket?: string | null;
}

interface Live {
  status: HostStatus;
  session: RemoteHostSession | null;
  link: HostLink | null;
  hostKeyFingerprint: string | null;
  noiseFingerprint: string | null;
  serverVersion: string | null;
  latencyMs: number | null;
  /** Set by disconnect/remove: a dropping socket is then not re-opened. */
  stopped: boolean;
}

type Pending = { host: string; prompt: ConnectionPrompt; resolve: (a: PromptAnswer | null) => void };

export function sshConnections(opts: SshConnectionsOptions): ConnectionsPort {
  const env = opts.resolveEnv ?? localResolveEnv();
  const live = new Map<string, Live>();
  const pending = new Map<string, Pending>();
  const statusListeners = new Set<(h: HostView) => void>();
  const promptListeners = new Set<(p: { promptId: string; host: string; prompt: ConnectionPrompt }) => void>();
  const linkListeners = new Set<(host: string, link: HostLink | null) => void>();

  const liveOf = (name: string): Live => {
    let l = live.get(name);
    if (!l) live.set(name, (l = { status: { state: 'disconnected' }, session: null, link: null, hostKeyFingerprint: null, noiseFingerprint: null, serverVersion: null, latencyMs: null, stopped: true }));
    return l;
  };
  const viewOf = (h: SavedHost): HostView => {
    const l = liveOf(h.name);
    return {
      ...offlineView(h),
      status: l.status,
      online: l.link !== null,
      latencyMs: l.latencyMs,
      serverVersion: l.serverVersion,
      hostKeyFingerprint: l.hostKeyFingerprint ?? (l.status.state === 'connected' ? l.status.hostKeyFingerprint : null),
      noiseFingerprint: l.noiseFingerprint,
    };
  };
  const saved = (name: string): SavedHost => {
    const h = listHosts(opts.paths.batonHome).find((x) => x.name === name);
    if (!h) throw new BridgeError('not-found', `No saved host is named "${name}".`, 'Add it in Settings > Connections.');
    return h;
  };
  const announce = (name: string) => {
    const h = listHosts(opts.paths.batonHome).find((x) => x.name === name);
    if (h) for (const l of statusListeners) l(viewOf(h));
  };
  const setStatus = (name: string, s: HostStatus) => {
    liveOf(name).status = s;
    announce(name);
  };

  /** Asks the person through the UI; resolves with null when they cancel or nobody answers. */
  function ask(host: string, prompt: ConnectionPrompt): Promise<PromptAnswer | null> {
    const promptId = randomUUID();
    return new Promise((resolve) => {
      pending.set(promptId, { host, prompt, resolve });
      for (const l of promptListeners) l({ promptId, host, prompt });
    });
  }

  const prompterFor = (host: string): SshPrompter => ({
    async confirmHostKey(q) {
      const a = await ask(host, { kind: 'host-key', keyType: q.keyType, fingerprint: q.fingerprint });
      return a?.kind === 'host-key' && a.trust;
    },
    async ask(q) {
      if (q.kind === 'passphrase') {
        const a = await ask(host, { kind: 'passphrase', keyFile: q.message.replace(/^Passphrase for /, ''), attempt: q.attempt });
        return a?.kind === 'passphrase' ? a.passphrase : null;
      }
      const a = await ask(host, {
        kind: 'keyboard-interactive',
        name: q.kind === 'password' ? `Password for ${q.label}` : `Sign in to ${q.label}`,
        instructions: '',
        prompts: [{ prompt: q.message, echo: q.echo }],
        attempt: q.attempt,
      });
      return a?.kind === 'keyboard-interactive' && a.responses ? (a.responses[0] ?? '') : null;
    },
  });

  const deps = (name: string): RemoteHostDeps => ({
    paths: opts.paths,
    prompter: prompterFor(name),
    bundlePath: opts.bundlePath,
    resolveEnv: env,
    // Written to the host's authorized_clients over SSH, so the secure channel admits us (IK).
    clientPublicKey: loadOrCreateIdentity(opts.paths.batonHome).publicKey,
    ...(opts.agentSocket !== undefined ? { agentSocket: opts.agentSocket } : {}),
    onStatus: (s) => setStatus(name, s),
  });

  async function openLink(name: string, session: RemoteHostSession): Promise<void> {
    const l = liveOf(name);
    const started = Date.now();
    // The Noise secure channel through its own SSH forward, the server's key pinned over SSH.
    const secure = await openSecureLink(session, opts.paths.batonHome, name, SERVER_VERSION).catch((e: unknown) => {
      throw toBridgeError(e);
    });
    // JSON-RPC as text, handoff peer frames as binary messages of the same channel.
    const peer = channelPeer(secure.channel, name, null);
    const conn = secureChannelConnection(secure.channel, peer.receive);
    l.noiseFingerprint = fingerprint(secure.channel.remoteStatic);
    conn.onClose(() => void secure.closeForward().catch(() => undefined));
    l.latencyMs = Date.now() - started;
    l.serverVersion = typeof session.info.version === 'string' ? session.info.version : null;
    l.hostKeyFingerprint = session.hostKeyFingerprint;
    const link = linkOver(conn, undefined, peer.link);
    l.link = link;
    link.onClose(() => {
      if (l.link !== link) return;
      l.link = null;
      for (const f of linkListeners) f(name, null);
      announce(name);
      if (!l.stopped) void reopen(name, session);
    });
    for (const f of linkListeners) f(name, link);
    announce(name);
  }

  /** The forward follows SSH reconnects; the socket through it is re-opened until it holds. */
  async function reopen(name: string, session: RemoteHostSession) {
    const l = liveOf(name);
    for (let delay = 500; !l.stopped && l.session === session && !l.link; delay = Math.min(delay * 2, 10_000)) {
      await new Promise((r) => setTimeout(r, delay));
      if (l.stopped || l.session !== session || l.link) return;
      await openLink(name, session).catch(() => undefined);
    }
  }

  const toBridgeError = (e: unknown) => (e instanceof SshError ? new BridgeError(e.code, e.message, e.hint) : e);

  return {
    list: () => listHosts(opts.paths.batonHome).map(viewOf),
    async suggestions() {
      return hostSuggestions(opts.paths.batonHome, opts.paths.sshConfig).map((alias) => ({ alias }));
    },
    async add(name, target) {
      try {
        return viewOf(addHost({ batonHome: opts.paths.batonHome, sshConfigPath: opts.paths.sshConfig, env, name, target }));
      } catch (e) {
        throw toBridgeError(e);
      }
    },
    async test(name) {
      saved(name);
      const started = Date.now();
      try {
        // A test opens its own connection; its statuses must not overwrite the live one's.
        const { onStatus: _live, ...testDeps } = deps(name);
        const r = await testHost(name, testDeps);
        const l = liveOf(name);
        l.hostKeyFingerprint = r.hostKeyFingerprint;
        l.noiseFingerprint = r.noise.server ?? l.noiseFingerprint;
        l.serverVersion = r.server.version ?? l.serverVersion;
        announce(name);
        return { ok: true, latencyMs: Date.now() - started, serverVersion: r.server.version ?? null, hostKeyFingerprint: r.hostKeyFingerprint };
      } catch (e) {
        const err = e instanceof SshError ? e.toInfo() : { code: 'failed', message: e instanceof Error ? e.message : String(e) };
        return { ok: false, latencyMs: null, serverVersion: null, hostKeyFingerprint: null, error: err };
      }
    },
    async connect(name) {
      const h = saved(name);
      const l = liveOf(name);
      if (l.session) return viewOf(h);
      l.stopped = false;
      try {
        const session = await openRemoteHost(name, deps(name));
        if (l.stopped) {
          // Disconnect was pressed while this was connecting: honour it.
          await session.close().catch(() => undefined);
          setStatus(name, { state: 'disconnected' });
          return viewOf(h);
        }
        l.session = session;
        await openLink(name, session);
      } catch (e) {
        l.stopped = true;
        const s = l.session;
        l.session = null;
        await s?.close().catch(() => undefined);
        const err = e instanceof SshError ? e.toInfo() : { code: 'disconnected' as const, message: e instanceof Error ? e.message : String(e) };
        setStatus(name, { state: 'error', error: { code: err.code as never, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } });
        throw toBridgeError(e);
      }
      return viewOf(h);
    },
    async disconnect(name) {
      const h = saved(name);
      const l = liveOf(name);
      l.stopped = true;
      const link = l.link;
      l.link = null;
      if (link) for (const f of linkListeners) f(name, null);
      await link?.close().catch(() => undefined);
      await l.session?.close().catch(() => undefined);
      l.session = null;
      setStatus(name, { state: 'disconnected' });
      return viewOf(h);
    },
    async remove(name) {
      saved(name);
      await this.disconnect(name);
      removeHost(opts.paths.batonHome, name);
      live.delete(name);
    },
    answer(promptId, answer) {
      const p = pending.get(promptId);
      if (!p || p.prompt.kind !== answer.kind) return false;
      pending.delete(promptId);
      p.resolve(answer);
      return true;
    },
    onStatus: (l) => void statusListeners.add(l),
    onPrompt: (l) => void promptListeners.add(l),
    onLink: (l) => void linkListeners.add(l),
    async close() {
      for (const p of pending.values()) p.resolve(null);
      pending.clear();
      for (const name of [...live.keys()]) {
        const l = live.get(name)!;
        l.stopped = true;
        await l.link?.close().catch(() => undefined);
        await l.session?.close().catch(() => undefined);
      }
      live.clear();
    },
  };
}

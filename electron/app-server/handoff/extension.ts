// Handoff as part of every app-server (server/extensions.ts): registers handoff/* and
// `handoff/peer` on the RPC server, lends every thread's agent the `handoff_thread` /
// `handoff_status` tools (agentTools.ts) and runs recovery once at start. Who this host can reach is
// the embedder's business (AppServerOptions.handoff): the desktop and the CLI pass links to the
// hosts they hold connections to; a headless `baton serve` has none of its own: it answers
// `handoff/peer` as a destination, and coordinates through a client that relays for it
// (`handoff/relay`, relay.ts).
import { handoffRelayMethods } from '../../../shared/contracts/handoffRelay';
import type { AppServer, AppServerOptions } from '../server/appServer';
import { SERVER_VERSION } from '../server/version';
import { handoffHostTools } from './agentTools';
import type { PeerLink } from './peer';
import { RelayRegistry } from './relay';
import { registerHandoff } from './rpc';
import type { HandoffService, RecoveryOutcome } from './service';

export interface HandoffWiring {
  /** A link to another host's app-server, or null when it is not connected (default: none). */
  peers?: (host: string) => PeerLink | null;
  /** Hosts a thread could go to, this one included (default: only this host). */
  hosts?: () => string[];
  retries?: number;
  retryDelayMs?: number;
  chunkBytes?: number;
}

const services = new WeakMap<AppServer, HandoffService>();

export function handoffExtension(app: AppServer, opts?: Pick<AppServerOptions, 'handoff'>): void {
  const w = opts?.handoff ?? {};
  // Hosts a client relays to (handoff/relay) come after the embedder's own links.
  const relays = new RelayRegistry();
  const { service } = registerHandoff(
    { home: app.home, hostId: app.hostId, serverVersion: SERVER_VERSION, store: app.store, threads: app.threads, projects: app.projects, rpc: app.rpc },
    {
      peers: (host) => w.peers?.(host) ?? relays.linkFor(host),
      hosts: () => [...new Set([...(w.hosts?.() ?? [app.hostId]), ...relays.hosts()])],
      ...(w.retries !== undefined ? { retries: w.retries } : {}),
      ...(w.retryDelayMs !== undefined ? { retryDelayMs: w.retryDelayMs } : {}),
      ...(w.chunkBytes !== undefined ? { chunkBytes: w.chunkBytes } : {}),
    },
  );
  app.rpc.register(handoffRelayMethods, {
    'handoff/relay': (p, ctx) => {
      if (!ctx.connection) throw new Error('handoff/relay needs a connection to send requests back on.');
      relays.register(ctx.connection, p.hosts);
      // A host just became reachable: what was left open with it can end now.
      void service.recover().catch(() => undefined);
      return { hosts: p.hosts };
    },
    'handoff/relayAnswer': (p, ctx) => {
      relays.answer(ctx.connection, p.id, p.response);
      return {};
    },
  });
  // Every thread's agent can delegate a handoff from here on (turns read the list as they start).
  app.hostTools.register(...handoffHostTools(service, app.threads));
  services.set(app, service);
}

/** This app-server's coordinator (for the agent tools, `run`, tests); undefined when handoff is not among its extensions. */
export function handoffServiceOf(app: AppServer): HandoffService | undefined {
  return services.get(app);
}

/**
 * Runs recovery again: call when a peer host (re)connects, so operations left open while it
 * was away end with one live owner. Passes share one run (HandoffService.recover).
 */
export function recoverHandoffs(app: AppServer): Promise<RecoveryOutcome[]> {
  return services.get(app)?.recover() ?? Promise.resolve([]);
}

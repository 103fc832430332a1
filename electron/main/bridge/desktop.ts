// Everything behind the bridge, assembled once per app run: the hub with This computer attached
// and the saved SSH hosts (connected in the background; failures show as their status).
// Electron and browser mode both start here.
import path from 'node:path';
import { batonHome } from '../../app-server/storage/home';
import { defaultServerBundle, defaultSshPaths } from '../ssh/index';
import type { ConnectionsPort } from './connections';
import { createDispatcher, type BridgeDispatch } from './dispatch';
import { HostHub } from './hub';
import { handoffPeersOf } from './handoffPeers';
import { startLocalHost } from './local';
import { sshConnections } from './sshConnections';

export interface Desktop {
  hub: HostHub;
  dispatch: BridgeDispatch;
  home: string;
  close(): Promise<void>;
}

export interface DesktopOptions {
  home?: string;
  /** The server bundle uploaded to SSH hosts (dist/baton.cjs). */
  bundlePath?: string;
  /** Tests pass their own (with their own ~/.ssh paths). */
  connections?: ConnectionsPort;
  /** Connect every saved host at start (default true). */
  autoConnect?: boolean;
}

export async function startDesktop(opts: DesktopOptions = {}): Promise<Desktop> {
  const home = path.resolve(opts.home ?? batonHome());
  const connections =
    opts.connections ?? sshConnections({ paths: { ...defaultSshPaths(), batonHome: home }, bundlePath: opts.bundlePath ?? defaultServerBundle() });
  const hub = new HostHub(connections);
  const peers = handoffPeersOf(hub);
  hub.enableRelay(peers);
  const local = await startLocalHost(home, peers);
  // A handoff cut short by a lost connection ends as soon as its peer answers again
  // (PROTOCOL.md §6.5): on start that is the server's own recovery, on reconnect it is this.
  hub.onAttached((host) => {
    if (host !== 'local') void local.recoverHandoffs?.().catch(() => undefined);
  });
  await hub.attach('local', local.link);
  if (opts.autoConnect ?? true) {
    for (const h of connections.list()) void connections.connect(h.id).catch(() => undefined);
  }
  return { hub, dispatch: createDispatcher(hub.handlers()), home, close: () => hub.close() };
}

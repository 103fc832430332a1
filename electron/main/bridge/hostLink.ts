// One live channel to one host's app-server: the embedded one for This computer (in-process),
// or a remote `baton serve` reached over SSH. The hub only needs the typed RPC client and to
// learn when the channel drops.
import type { PeerLink } from '../../app-server/handoff/peer';
import { handoffMethods, handoffNotifications } from '../../../shared/contracts/handoff';
import { handoffRelayMethods, handoffRelayNotifications } from '../../../shared/contracts/handoffRelay';
import { methods, notifications } from '../../../shared/contracts/rpc';
import { createRpcClient, type RpcClient } from '../../../shared/rpc/client';
import type { MessageConnection } from '../../app-server/rpc/dispatcher';

/** Everything the desktop calls on a host: the core API, the handoff methods and the relay (issue 6). */
export const hostMethods = { ...methods, ...handoffMethods, ...handoffRelayMethods };
export const hostNotifications = { ...notifications, ...handoffNotifications, ...handoffRelayNotifications };
export type HostClient = RpcClient<typeof hostMethods, typeof hostNotifications>;

export function createHostClient(send: (text: string) => void): HostClient {
  return createRpcClient(send, { methods: hostMethods, notifications: hostNotifications });
}

export interface HostLink {
  readonly client: HostClient;
  /** Handoff peer messages to this host as binary messages of its secure channel, when it has one. */
  readonly peer?: PeerLink;
  /** Called once when the channel is gone (the host's threads then show as offline). */
  onClose(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

/** A HostLink over any message connection (in-process pair, WebSocket, secure channel). */
export function linkOver(conn: MessageConnection, close: () => Promise<void> = async () => conn.close(), peer?: PeerLink): HostLink {
  const client = createHostClient((t) => conn.send(t));
  conn.onMessage((t) => client.receive(t));
  const listeners: Array<(reason: string) => void> = [];
  conn.onClose(() => {
    client.close('the app-server closed the connection');
    for (const l of listeners) l('the app-server closed the connection');
  });
  return { client, ...(peer ? { peer } : {}), onClose: (l) => void listeners.push(l), close };
}

// What This computer's app-server needs from the desktop to coordinate a handoff: the hosts a
// thread could go to, and a PeerLink to each connected one. The desktop already holds a link to
// every host's app-server, so a peer message is a binary frame on that link's secure channel
// (channelPeer.ts), or one `handoff/peer` call over a link without one (RpcPeerLink); a host
// without a link is unreachable now, and the coordinator retries or recovers. Give these to the app-server's handoff registration (registerHandoff's `peers` and
// `hosts`) for the embedded server.
import { RpcPeerLink } from '../../app-server/handoff/rpc';
import type { PeerLink } from '../../app-server/handoff/peer';
import type { HostHub } from './hub';

export interface HandoffPeers {
  peers(host: string): PeerLink | null;
  hosts(): string[];
}

export function handoffPeersOf(hub: HostHub): HandoffPeers {
  return {
    peers: (host) => {
      const link = hub.linkOf(host);
      if (!link) return null;
      return link.peer ?? new RpcPeerLink(host, (method, params) => link.client.call(method, params as never));
    },
    hosts: () => hub.views().map((v) => v.id),
  };
}

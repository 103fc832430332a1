// The desktop relays handoff peer messages for remote hosts. A remote `baton serve` has no link
// to This computer's app-server or to other SSH hosts; the desktop has a link to each. So on
// every remote link the desktop registers itself as the path to the other hosts
// (`handoff/relay`), delivers each relayed message (`handoff/relayRequest`) to the named host's
// app-server, and answers with `handoff/relayAnswer`. That is what lets a thread come back from
// a remote host, or move between two remote hosts. PROTOCOL.md §6.7.
import { RpcError } from '../../../shared/rpc/errors';
import { errorResponse, HandoffFailure, PeerUnavailableError } from '../../app-server/handoff/peer';
import type { HandoffPeers } from './handoffPeers';
import type { HostLink } from './hostLink';

/** Answers the relayed messages that arrive on `link` (the link to `hostId`); returns the unsubscribe. */
export function serveRelay(hostId: string, link: HostLink, peers: HandoffPeers): () => void {
  return link.client.on('handoff/relayRequest', (r) => {
    const op = r.request.type === 'describe' ? undefined : r.request.op;
    const target = r.to === hostId ? null : peers.peers(r.to);
    const answered = target
      ? target
          .send(r.request, r.payload === undefined ? undefined : Buffer.from(r.payload, 'base64'))
          .catch((e: unknown) => errorResponse(op, e instanceof PeerUnavailableError ? new HandoffFailure('peer-unreachable', e.message) : e))
      : Promise.resolve(errorResponse(op, new HandoffFailure('peer-unreachable', `Host "${r.to}" is not connected to this desktop.`, 'Connect it in Settings > Connections.')));
    // If the source went away meanwhile its coordinator treats the silence as a cut connection.
    void answered.then((response) => link.client.call('handoff/relayAnswer', { id: r.id, response })).catch(() => undefined);
  });
}

/**
 * Tells the host behind `link` that this desktop reaches `others`. Registered again whenever a
 * link goes away: two saved names can lead to one server, and the server forgets a relay whose
 * connection closed even if another connection still offers the same path.
 */
export async function registerRelay(link: HostLink, others: string[]): Promise<void> {
  if (others.length === 0) return;
  try {
    await link.client.call('handoff/relay', { hosts: others.slice(0, 16) });
  } catch (e) {
    // A host without the relay cannot hand threads on through this desktop; nothing else changes.
    if (!(e instanceof RpcError && e.kind === 'methodNotFound')) throw e;
  }
}

// A client relaying handoff peer messages for a server that cannot reach the other host itself
// (a headless `baton serve` has no links to other hosts). The client registers its connection as
// the path to some hosts; the server's coordinator then sends each peer message to it as a
// `handoff/relayRequest` notification on that connection only, and the client delivers it to the
// host and answers with `handoff/relayAnswer`. The relay ends with the connection. PROTOCOL.md §6.7.
import { z } from 'zod';
import { PeerRequest, PeerResponse } from './handoff';
import { method } from './rpc';
import { HostId } from './thread';

export const handoffRelayMethods = {
  /** This connection reaches `hosts` (names as the server's coordinator will use them in `to`). */
  'handoff/relay': method('handoff/relay', z.object({ hosts: z.array(HostId).min(1).max(16) }), z.object({ hosts: z.array(HostId) })),
  /** The other host's answer to relayed request `id`. */
  'handoff/relayAnswer': method('handoff/relayAnswer', z.object({ id: z.number().int().nonnegative(), response: PeerResponse }), z.object({})),
} as const;

export const handoffRelayNotifications = {
  /** A peer message for host `to`; `payload` is the part bytes, base64. Sent only to the relaying connection. */
  'handoff/relayRequest': z.object({
    id: z.number().int().nonnegative(),
    to: HostId,
    request: PeerRequest,
    payload: z.string().max(8 * 1024 * 1024).optional(),
  }),
} as const;

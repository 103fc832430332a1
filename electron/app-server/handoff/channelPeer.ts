// Handoff peer messages as binary messages of the secure channel, beside the JSON-RPC text
// messages on the same channel (PROTOCOL.md §6.7): each binary message is one peer frame
// (peer.ts `encodeFrame`), so a Git pack crosses as its own bytes, where a `handoff/peer`
// JSON-RPC call must carry it base64 (a third more on the wire). Both ends of a channel can
// send requests; a host answers with its handoff service, or refuses when it has none.
import type { SecureChannel } from '../transport/channel';
import { FramedPeerLink, type PeerHandler } from './peer';

export interface ChannelPeer {
  /** Requests to the host at the other end of the channel. */
  link: FramedPeerLink;
  /** Feed every binary message of the channel here (secureChannelConnection's `onBinary`). */
  receive(bytes: Buffer): void;
}

export function channelPeer(channel: SecureChannel, host: string, handler: PeerHandler | null): ChannelPeer {
  const link = new FramedPeerLink(
    host,
    (frame) => {
      if (!channel.isOpen) throw new Error('channel closed');
      // A send that fails later means the channel is going: `closed` then fails what is pending.
      channel.send(frame).catch(() => undefined);
    },
    handler,
  );
  void channel.closed.then(
    () => link.close(),
    () => link.close(),
  );
  // Not awaited: a slow step (staging a pack) must not hold back the JSON-RPC messages behind it.
  return { link, receive: (bytes) => void link.receive(bytes) };
}

// JSON-RPC over the secure channel: one text application message per JSON-RPC message, exactly
// as on a plain WebSocket, but inside Noise (electron/app-server/transport/). Both `baton serve`
// (server side) and `baton --remote` (client side) wrap their SecureChannel with this.
import type { SecureChannel } from '../transport/channel';
import type { MessageConnection } from './dispatcher';

/** Binary messages (handoff peer frames, handoff/channelPeer.ts) go to `onBinary`; without it they are dropped. */
export function secureChannelConnection(channel: SecureChannel, onBinary?: (bytes: Buffer) => void): MessageConnection {
  return {
    send(text) {
      // A send on a channel that is closing fails; the close listener reports the loss.
      if (channel.isOpen) channel.send(text).catch(() => undefined);
    },
    onMessage(listener) {
      channel.onMessage((data, isText) => {
        if (isText) listener(data.toString('utf8'));
        else onBinary?.(data);
      });
    },
    onClose(listener) {
      void channel.closed.then(
        () => listener(),
        () => listener(),
      );
    },
    close() {
      void channel.close().catch(() => channel.destroy());
    },
  };
}

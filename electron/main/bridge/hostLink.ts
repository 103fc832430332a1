// One live channel to one host's app-server: the embedded one for This computer (in-process),
// or a remote `baton serve` reached over SSH. The hub only needs the typed RPC client and to
// learn when the channel drops.
import { createRpcClient, type RpcClient } from '../../../shared/rpc/client';
import type { MessageConnection } from '../../app-server/rpc/dispatcher';

export interface HostLink {
  readonly client: RpcClient;
  /** Called once when the channel is gone (the host's threads then show as offline). */
  onClose(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

/** A HostLink over any message connection (in-process pair, WebSocket, secure channel). */
export function linkOver(conn: MessageConnection, close: () => Promise<void> = async () => conn.close()): HostLink {
  const client = createRpcClient((t) => conn.send(t));
  conn.onMessage((t) => client.receive(t));
  const listeners: Array<(reason: string) => void> = [];
  conn.onClose(() => {
    client.close('the app-server closed the connection');
    for (const l of listeners) l('the app-server closed the connection');
  });
  return { client, onClose: (l) => void listeners.push(l), close };
}

// One live channel to one host's app-server: the embedded one for This computer (in-process),
// or a remote `baton serve` reached over SSH/Noise. The hub only needs the typed RPC client and
// to learn when the channel drops.
import type { RpcClient } from '../../../shared/rpc/client';

export interface HostLink {
  readonly client: RpcClient;
  /** Called once when the channel is gone (the host's threads then show as offline). */
  onClose(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

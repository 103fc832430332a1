// The data channel to a saved host's app-server: the Noise secure channel (PROTOCOL.md §4),
// carried by an SSH port-forward to the server's secure port, with the server's key pinned from
// the server.json read over SSH (an already-authenticated channel) — so IK, never TOFU. The
// desktop's host links and `baton --remote <host>` both open it here.
import type { SecureChannel } from '../../app-server/transport/channel';
import { connectSecure } from '../../app-server/transport/client';
import { serverNoiseKey } from './bootstrap/pin';
import { startLocalForward } from './bootstrap/forward';
import { SshError } from './errors';
import type { RemoteHostSession } from './remote-host';

export interface SecureLink {
  channel: SecureChannel;
  /** Closes the forward (not the channel: close that first, cleanly, if it is still open). */
  closeForward(): Promise<void>;
}

export async function openSecureLink(session: RemoteHostSession, home: string, name: string, serverVersionHint: string): Promise<SecureLink> {
  const info = session.info as Record<string, unknown>;
  const securePort = info.securePort;
  const token = info.token;
  const serverKey = serverNoiseKey(info);
  if (typeof securePort !== 'number' || typeof token !== 'string' || !serverKey) {
    throw new SshError(
      'server-info-invalid',
      `The Baton server on ${name} (version ${String(info.version ?? 'unknown')}) has no secure channel.`,
      `Stop it with \`baton host stop ${name}\`; the next connection installs and starts this version (${serverVersionHint}).`,
    );
  }
  // The session's own forward reaches the plain loopback port; the secure port needs its own,
  // which follows SSH reconnects and server restarts like the first one.
  const forward = await startLocalForward(
    () => session.connection.connection?.client,
    () => ((session.info as { securePort?: number }).securePort ?? securePort),
  );
  try {
    const channel = await connectSecure({ home, url: `ws://127.0.0.1:${forward.port}/`, token, serverKey, serverAddress: `ssh:${name}` });
    return { channel, closeForward: () => forward.close() };
  } catch (e) {
    await forward.close().catch(() => undefined);
    throw e;
  }
}

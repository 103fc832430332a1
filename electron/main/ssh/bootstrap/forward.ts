// The data channel to the remote app-server: SSH `direct-tcpip` channels to its loopback port.
// Either one channel as a duplex (for a WebSocket client given a custom socket), or a local
// 127.0.0.1 listener whose every connection gets its own channel.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { SshError } from '../errors.js';

export function openRemoteChannel(client: Client, remotePort: number, remoteHost = '127.0.0.1'): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, remoteHost, remotePort, (err, stream) => {
      if (err) {
        return reject(new SshError('forward-failed', `The host refused a channel to ${remoteHost}:${remotePort}: ${err.message}.`, 'Check that the server is running (`baton host test`) and that sshd allows TCP forwarding (AllowTcpForwarding).'));
      }
      resolve(stream);
    });
  });
}

export interface LocalForward {
  /** Local port on 127.0.0.1 that reaches the remote port. */
  port: number;
  close(): Promise<void>;
}

/**
 * A 127.0.0.1 listener forwarding each connection over SSH. Pass functions to follow a
 * reconnecting host: the local port stays the same, new connections use the current client.
 */
export function startLocalForward(client: Client | (() => Client | undefined), remotePort: number | (() => number)): Promise<LocalForward> {
  const currentClient = typeof client === 'function' ? client : () => client;
  const currentPort = typeof remotePort === 'function' ? remotePort : () => remotePort;
  const sockets = new Set<net.Socket>();
  // No Nagle on the local leg either: see connect.ts (~40 ms per small request otherwise).
  const server = net.createServer({ noDelay: true }, (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.pause();
    const c = currentClient();
    if (!c) {
      sock.destroy(); // disconnected right now: the caller's client retries, as after any drop
      return;
    }
    openRemoteChannel(c, currentPort()).then(
      (ch) => {
        sock.pipe(ch).pipe(sock);
        sock.resume();
        ch.on('error', () => sock.destroy());
        ch.on('close', () => sock.destroy());
        sock.on('error', () => ch.destroy());
        sock.on('close', () => ch.destroy());
      },
      () => sock.destroy(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        close: () => new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
      });
    });
  });
}

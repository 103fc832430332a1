// The handoff's FramedPeerLink over a plain TCP socket, for tests that run a host in a child
// process they can kill -9: each frame goes with its 4-byte big-endian length.
import net from 'node:net';
import { FramedPeerLink, type PeerHandler, type PeerLink } from './peer';

export function framedOverSocket(sock: net.Socket, host: string, handler: PeerHandler | null): FramedPeerLink {
  const link = new FramedPeerLink(
    host,
    (b) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      // A peer that died (kill -9) leaves a destroyed socket; its frames go nowhere.
      if (!sock.destroyed) sock.write(Buffer.concat([len, b]));
    },
    handler,
  );
  let buf = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
      const n = buf.readUInt32BE(0);
      void link.receive(buf.subarray(4, 4 + n));
      buf = buf.subarray(4 + n);
    }
  });
  return link;
}

/**
 * A link to whatever process listens on `port()` now, dialled again after its connection died:
 * sends to a dead process fail as PeerUnavailable (the socket closed, or the dial was refused).
 */
export function dialFramed(port: () => number, host: string): PeerLink {
  let current: { link: FramedPeerLink; sock: net.Socket } | null = null;
  const open = () => {
    const sock = net.connect(port(), '127.0.0.1');
    const link = framedOverSocket(sock, host, null);
    const closed = () => {
      link.close();
      if (current?.sock === sock) current = null;
    };
    sock.on('close', closed);
    sock.on('error', closed);
    current = { link, sock };
    return current;
  };
  return { send: (req, payload) => (current ?? open()).link.send(req, payload) };
}

/** Serves a peer handler on a loopback port; `close` drops every connection and the listener. */
export async function serveFramed(handler: PeerHandler, from: string): Promise<{ port: number; close: () => void }> {
  const socks = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    socks.add(sock);
    framedOverSocket(sock, from, handler);
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of socks) s.destroy();
      server.close();
    },
  };
}

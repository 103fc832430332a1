// The handoff's FramedPeerLink over a plain TCP socket, for tests that run a host in a child
// process they can kill -9: each frame goes with its 4-byte big-endian length.
import type net from 'node:net';
import { FramedPeerLink, type PeerHandler } from './peer';

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

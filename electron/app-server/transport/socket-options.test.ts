// The client's WebSocket frames carry a zero masking key (socket-options.ts), checked on the wire:
// a bare TCP server answers the upgrade and reads the first frame the client sends.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSecure } from './client.js';
import { tempHome } from './test-fixtures.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('client socket options', () => {
  it('frames go out masked with the key 0000, their payload unchanged (no masking copy)', async () => {
    let firstFrame!: (b: Buffer) => void;
    const got = new Promise<Buffer>((r) => (firstFrame = r));
    const server = net.createServer((sock) => {
      let buf = Buffer.alloc(0);
      let upgraded = false;
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (!upgraded) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const key = /sec-websocket-key: (.+)\r\n/i.exec(buf.subarray(0, end).toString())![1];
          const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
          sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
          upgraded = true;
          buf = buf.subarray(end + 4);
        }
        if (buf.length >= 8) firstFrame(buf);
      });
      sock.on('error', () => {});
      cleanup.push(() => sock.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as net.AddressInfo).port;

    // IK message 1 to a made-up server key: the handshake never completes, the frame is all we need.
    const connecting = connectSecure({ home: tempHome(cleanup), url: `ws://127.0.0.1:${port}/`, token: 't', serverKey: randomBytes(32), handshakeTimeoutMs: 20_000 }).catch(() => undefined);
    const frame = await got;
    expect(frame[0]).toBe(0x82); // FIN, binary
    expect(frame[1] & 0x80).toBe(0x80); // masked, as RFC 6455 requires of a client…
    const len = frame[1] & 0x7f;
    expect(len).toBeLessThan(126);
    expect([...frame.subarray(2, 6)]).toEqual([0, 0, 0, 0]); // …with the zero key
    expect(frame.subarray(6, 6 + Math.min(len, frame.length - 6)).some((b) => b !== 0)).toBe(true);
    server.close();
    for (const f of cleanup.splice(0).reverse()) await f();
    await connecting;
  });
});

// JSON-RPC over WebSocket: one text frame per message. Loopback only unless the caller asks
// otherwise, and a bearer token (from server.json, 0600) checked in constant time before the
// upgrade, so another local user cannot drive this user's agents.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { MAX_MESSAGE_BYTES } from '../../../shared/contracts/rpc';
import type { MessageConnection } from './dispatcher';

export function webSocketConnection(ws: WebSocket): MessageConnection {
  return {
    send(text) {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    onMessage(l) {
      ws.on('message', (data, isBinary) => {
        if (!isBinary) l(data.toString());
      });
    },
    onClose(l) {
      ws.on('close', () => l());
    },
    close() {
      ws.close();
    },
  };
}

export interface WebSocketListener {
  port: number;
  host: string;
  url: string;
  close(): Promise<void>;
}

export async function listenWebSocket(opts: {
  host?: string;
  port?: number;
  token: string;
  onConnection: (c: MessageConnection) => void;
  maxMessageBytes?: number;
}): Promise<WebSocketListener> {
  const host = opts.host ?? '127.0.0.1';
  const max = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const expected = digest(opts.token);
  const wss = new WebSocketServer({
    host,
    port: opts.port ?? 0,
    // Frames a little over the message limit still arrive, so the dispatcher can answer them
    // with a proper error; far bigger ones are cut off by ws (close 1009) before being buffered.
    maxPayload: max * 2,
    verifyClient: (info: { req: { headers: Record<string, string | string[] | undefined> } }) => {
      const auth = info.req.headers['authorization'];
      const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : '';
      return timingSafeEqual(digest(given), expected);
    },
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('error', () => undefined);
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined);
    opts.onConnection(webSocketConnection(ws));
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    port,
    host,
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Opens a client connection to a server started by listenWebSocket. */
export function connectWebSocket(url: string, token: string): Promise<MessageConnection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, maxPayload: MAX_MESSAGE_BYTES * 2 });
    ws.once('open', () => {
      ws.removeListener('error', reject);
      ws.on('error', () => undefined);
      resolve(webSocketConnection(ws));
    });
    ws.once('error', reject);
  });
}

// Hash first: timingSafeEqual needs equal lengths, and the length of the token must not leak either.
function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

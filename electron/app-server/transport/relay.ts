// `baton relay`: a blind forwarder for servers that cannot be reached directly. A server keeps
// WebSocket registrations open under its host id (a hash of its public key); a client asks for
// that id; the relay pairs them and copies binary messages both ways. It never holds a key: it
// sees the id, message sizes and ciphertext. Everything it keeps is bounded (limits below), and
// each direction of each pair has its own backpressure, so one stalled reader only slows its pair.
import http from 'node:http';
import type { Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { MAX_NOISE_MESSAGE } from './cipher-state.js';
import { isLoopbackHost } from './loopback.js';

export const RELAY_LISTEN_PATH = '/v1/listen/';
export const RELAY_CONNECT_PATH = '/v1/connect/';
/** The one text message the relay ever sends: to a registration, when a client was paired with it. */
export const RELAY_PAIRED = 'paired';
const ID_RE = /^[0-9a-f]{32}$/;

export interface RelayLimits {
  /** Largest WebSocket message forwarded. Default 65,535 (one Noise message). */
  maxFrameBytes?: number;
  /** Waiting registrations per id. Default 4. */
  maxPendingPerId?: number;
  /** Waiting registrations in total. Default 1024. */
  maxPendingTotal?: number;
  /** A pair with no traffic (pings count) for this long is closed. Default 5 min. */
  idleTimeoutMs?: number;
  /** A registration nobody asked for is closed after this long; the server registers again. Default 10 min. */
  pendingTimeoutMs?: number;
  /** Open connections per client IP address. Default 32. */
  perIpConnections?: number;
  /** TCP connections in total, upgraded or not. Default 4096. */
  maxConnections?: number;
  /** Unflushed bytes towards one side before the relay stops reading from the other. Default 1 MiB. */
  highWaterMark?: number;
}

export interface RelayOptions {
  /** Default 127.0.0.1; a relay is useful when reachable, so operators pass e.g. 0.0.0.0. */
  host?: string;
  port?: number;
  limits?: RelayLimits;
  /** Sees every forwarded message (metrics; tests prove the relay only handles ciphertext). */
  tap?: (dir: 'to-server' | 'to-client', data: Buffer) => void;
  warn?: (line: string) => void;
}

export interface RelayStats {
  pending: number;
  pairs: number;
  /** Bytes the relay has accepted but not yet written out, over all pairs. */
  bufferedBytes: number;
}

export interface Relay {
  host: string;
  port: number;
  url: string;
  stats(): RelayStats;
  close(): Promise<void>;
}

/** Forwards a WebSocket close code if the protocol lets us send it; otherwise a generic one. */
const forwardableCode = (code: number) => (code === 1000 || (code >= 3000 && code <= 4999) ? code : 1001);

export async function startRelay(opts: RelayOptions = {}): Promise<Relay> {
  const host = opts.host ?? '127.0.0.1';
  const l = {
    maxFrameBytes: opts.limits?.maxFrameBytes ?? MAX_NOISE_MESSAGE,
    maxPendingPerId: opts.limits?.maxPendingPerId ?? 4,
    maxPendingTotal: opts.limits?.maxPendingTotal ?? 1024,
    idleTimeoutMs: opts.limits?.idleTimeoutMs ?? 5 * 60_000,
    pendingTimeoutMs: opts.limits?.pendingTimeoutMs ?? 10 * 60_000,
    perIpConnections: opts.limits?.perIpConnections ?? 32,
    maxConnections: opts.limits?.maxConnections ?? 4096,
    highWaterMark: opts.limits?.highWaterMark ?? 1024 * 1024,
  };
  if (!isLoopbackHost(host)) (opts.warn ?? console.warn)(`baton relay listening on ${host}: it forwards ciphertext only, but anyone who can reach it can use it.`);

  const pending = new Map<string, { ws: WebSocket; since: number }[]>();
  let pendingTotal = 0;
  const pairs = new Set<{ a: WebSocket; b: WebSocket; lastActive: number; buffered: () => number }>();
  const perIp = new Map<string, number>();
  const sockets = new Set<Socket>();

  const server = http.createServer((_req, res) => res.writeHead(426, { connection: 'close' }).end('Baton relay: WebSocket only.\n'));
  server.maxConnections = l.maxConnections;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  // A connection that never completes its upgrade is dropped after 10 s (Node's own header
  // timeout is only checked every 30 s).
  const upgradeTimers = new Map<Socket, NodeJS.Timeout>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    upgradeTimers.set(s, setTimeout(() => s.destroy(), 10_000));
    s.on('close', () => {
      sockets.delete(s);
      clearTimeout(upgradeTimers.get(s));
      upgradeTimers.delete(s);
    });
    s.on('error', () => {});
  });
  server.on('clientError', (_e, s) => s.destroy());
  const wss = new WebSocketServer({ noServer: true, maxPayload: l.maxFrameBytes, perMessageDeflate: false });

  const refuse = (socket: Socket, status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text) + 1}\r\n\r\n${text}\n`);
    socket.destroy();
  };

  const removePending = (id: string, ws: WebSocket) => {
    const list = pending.get(id);
    const i = list?.findIndex((p) => p.ws === ws) ?? -1;
    if (i < 0) return;
    list!.splice(i, 1);
    pendingTotal--;
    if (list!.length === 0) pending.delete(id);
  };

  function splice(server: WebSocket, client: WebSocket): void {
    const pair = { a: server, b: client, lastActive: Date.now(), buffered: () => unflushed.toServer + unflushed.toClient };
    const unflushed = { toServer: 0, toClient: 0 };
    pairs.add(pair);
    const forward = (from: WebSocket, to: WebSocket, key: 'toServer' | 'toClient', dir: 'to-server' | 'to-client') => {
      from.on('message', (data: Buffer, isBinary: boolean) => {
        pair.lastActive = Date.now();
        if (!isBinary) {
          from.close(4002, 'relay forwards binary messages only');
          return;
        }
        opts.tap?.(dir, data);
        if (to.readyState !== to.OPEN) return;
        unflushed[key] += data.length;
        // Stop reading from the sender while the receiver is behind: only this pair waits.
        if (unflushed[key] > l.highWaterMark && !from.isPaused) from.pause();
        to.send(data, { binary: true }, () => {
          unflushed[key] -= data.length;
          if (unflushed[key] <= l.highWaterMark / 2 && from.isPaused) from.resume();
        });
      });
      const touch = () => (pair.lastActive = Date.now());
      from.on('ping', touch);
      from.on('pong', touch);
      from.on('close', (code, reason) => {
        pairs.delete(pair);
        if (to.readyState === to.OPEN) {
          if (code === 1006) to.terminate();
          else to.close(forwardableCode(code), reason.toString().slice(0, 120));
        } else if (to.readyState === to.CONNECTING) to.terminate();
      });
    };
    forward(server, client, 'toClient', 'to-client');
    forward(client, server, 'toServer', 'to-server');
  }

  server.on('upgrade', (req, socket: Socket, head) => {
    clearTimeout(upgradeTimers.get(socket));
    upgradeTimers.delete(socket);
    const url = req.url ?? '';
    const listen = url.startsWith(RELAY_LISTEN_PATH);
    const connect = url.startsWith(RELAY_CONNECT_PATH);
    const id = url.slice((listen ? RELAY_LISTEN_PATH : RELAY_CONNECT_PATH).length);
    if ((!listen && !connect) || !ID_RE.test(id)) return refuse(socket, 400, 'Bad Request: use /v1/listen/<host id> or /v1/connect/<host id>');
    const ip = socket.remoteAddress ?? '?';
    if ((perIp.get(ip) ?? 0) >= l.perIpConnections) return refuse(socket, 429, 'Too Many Requests: connection limit for this address');
    if (listen) {
      if ((pending.get(id)?.length ?? 0) >= l.maxPendingPerId) return refuse(socket, 429, 'Too Many Requests: registration limit for this id');
      if (pendingTotal >= l.maxPendingTotal) return refuse(socket, 503, 'Service Unavailable: registration limit');
    } else if (!pending.get(id)?.length) {
      return refuse(socket, 404, 'Not Found: no server is registered under this id');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
      ws.on('close', () => {
        const n = (perIp.get(ip) ?? 1) - 1;
        if (n <= 0) perIp.delete(ip);
        else perIp.set(ip, n);
      });
      ws.on('error', () => {});
      if (listen) {
        const list = pending.get(id) ?? [];
        list.push({ ws, since: Date.now() });
        pending.set(id, list);
        pendingTotal++;
        ws.on('close', () => removePending(id, ws));
        // Before pairing a registration has nothing to say.
        ws.on('message', () => {
          if (list.some((p) => p.ws === ws)) ws.close(4002, 'nothing may be sent before pairing');
        });
        return;
      }
      // The registration may have gone while this upgrade was in flight.
      const reg = pending.get(id)?.shift();
      if (!reg) {
        ws.close(4004, 'no server is registered under this id');
        return;
      }
      pendingTotal--;
      if (pending.get(id)!.length === 0) pending.delete(id);
      reg.ws.removeAllListeners('message');
      reg.ws.send(RELAY_PAIRED);
      splice(reg.ws, ws);
    });
  });

  const sweepEvery = Math.max(50, Math.min(l.idleTimeoutMs, l.pendingTimeoutMs) / 4);
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const p of pairs) {
      if (now - p.lastActive > l.idleTimeoutMs) {
        p.a.close(4008, 'idle');
        p.b.close(4008, 'idle');
        pairs.delete(p);
      }
    }
    for (const list of pending.values()) for (const p of list) if (now - p.since > l.pendingTimeoutMs) p.ws.close(4008, 'registration expired');
  }, sweepEvery);
  sweeper.unref();

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, host, () => res());
  });
  const port = (server.address() as { port: number }).port;
  return {
    host,
    port,
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stats: () => ({ pending: pendingTotal, pairs: pairs.size, bufferedBytes: [...pairs].reduce((n, p) => n + p.buffered(), 0) }),
    close: async () => {
      clearInterval(sweeper);
      for (const t of upgradeTimers.values()) clearTimeout(t);
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
      wss.close();
    },
  };
}

// `baton serve`'s listening side: an HTTP server that only upgrades to WebSocket after the bearer
// token checks out (401 before any Noise byte), then runs the Noise responder and hands each
// accepted SecureChannel to `onChannel`. Loopback and a random free port unless told otherwise.
import http from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { ChannelLimits, SecureChannel } from './channel.js';
import { MAX_NOISE_MESSAGE } from './cipher-state.js';
import { TransportError } from './errors.js';
import { fingerprint, hostIdFor, loadOrCreateIdentity, type StaticKeypair } from './identity.js';
import { addAuthorizedClient, isAuthorizedClient } from './key-stores.js';
import { isLoopbackHost } from './loopback.js';
import { acceptSecure, ReplayGuard, type AuthorizeClient } from './session.js';
import { checkBearer, generateToken, tokenFromEnv, writeServeToken } from './token.js';

export const HOST_ID_HEADER = 'baton-host-id';

export interface SecureServerOptions {
  /** BATON_HOME: identity, authorized_clients, the generated token. */
  home: string;
  onChannel: (channel: SecureChannel) => void;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a random free port. */
  port?: number;
  /** Name of the environment variable holding the token (`--auth-token-env`). */
  tokenEnv?: string;
  /** The token itself (embedding); otherwise tokenEnv, otherwise generated and written 0600. */
  token?: string;
  /** Required (with an explicit token) to listen on a non-loopback address. */
  allowNonLoopback?: boolean;
  identity?: StaticKeypair;
  /** Default: the key is in BATON_HOME/authorized_clients (re-read on each connection). */
  authorizeClient?: AuthorizeClient;
  /**
   * First contact without SSH: a client that presented the token and completed XX with a key not
   * yet listed is added to authorized_clients (the token is then the right to pair). Default false.
   */
  enrollClientsWithToken?: boolean;
  /** Allow first contact (XX) from clients without a pinned key. Default true. */
  allowXX?: boolean;
  /** From TCP accept to READY. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** Simultaneous TCP connections. Default 256. */
  maxConnections?: number;
  limits?: ChannelLimits;
  /** Where warnings go. Default console.warn. */
  warn?: (line: string) => void;
  /** Share one with listenViaRelay in the same process, so message 1 cannot be replayed across paths. */
  replayGuard?: ReplayGuard;
  /** Every refused handshake (bad client, timeout…). Default: only problems the operator must fix are warned. */
  onHandshakeError?: (error: TransportError, remoteAddress: string) => void;
  /** Tests only. */
  protocolVersion?: number;
}

export interface SecureServer {
  host: string;
  port: number;
  /** ws://host:port/ — what a client (or an SSH port-forward) connects to. */
  url: string;
  token: string;
  /** Set when the token was generated: BATON_HOME/serve.token (0600, removed on close). */
  tokenFile: string | null;
  publicKey: Buffer;
  fingerprint: string;
  hostId: string;
  close(): Promise<void>;
}

export async function startSecureServer(opts: SecureServerOptions): Promise<SecureServer> {
  const host = opts.host ?? '127.0.0.1';
  const warn = opts.warn ?? ((l: string) => console.warn(l));
  const explicitToken = opts.token ?? (opts.tokenEnv ? tokenFromEnv(opts.tokenEnv) : undefined);
  if (!isLoopbackHost(host)) {
    if (!opts.allowNonLoopback || !explicitToken) {
      throw new TransportError('config', `Refusing to listen on ${host}: it is not a loopback address.`, 'Listening beyond this machine needs both an explicit token (--auth-token-env) and the flag that allows non-loopback listening.');
    }
    warn(`WARNING: baton serve is listening on ${host}, reachable from other machines. Only clients with the token and an authorized key get in; prefer SSH or the relay.`);
  }
  const identity = opts.identity ?? loadOrCreateIdentity(opts.home);
  const token = explicitToken ?? generateToken();
  const hostId = hostIdFor(identity.publicKey);
  const handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 10_000;
  // Every connection reaching the handshake here has passed the token check on its upgrade.
  const authorizeClient: AuthorizeClient =
    opts.authorizeClient ??
    ((key, { pattern }) => {
      if (isAuthorizedClient(opts.home, key)) return true;
      if (!opts.enrollClientsWithToken || pattern !== 'XX') return false;
      addAuthorizedClient(opts.home, key, `enrolled-with-token-${new Date().toISOString().slice(0, 10)}`);
      warn(`Enrolled a new client key ${fingerprint(key)} (first contact with the token); remove it from authorized_clients to revoke.`);
      return true;
    });
  const replayGuard = opts.replayGuard ?? new ReplayGuard();
  const channels = new Set<SecureChannel>();

  const sockets = new Set<Socket>();
  const handshakeTimers = new Map<Socket, NodeJS.Timeout>();
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('This is a Baton server: connect with a WebSocket.\n');
  });
  server.maxConnections = opts.maxConnections ?? 256;
  // Slow senders: the HTTP request must arrive, and the Noise handshake finish, within the timeout.
  server.headersTimeout = handshakeTimeoutMs;
  server.requestTimeout = handshakeTimeoutMs;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      clearTimeout(handshakeTimers.get(socket));
      handshakeTimers.delete(socket);
    });
    socket.on('error', () => {});
    handshakeTimers.set(socket, setTimeout(() => socket.destroy(), handshakeTimeoutMs + 1000));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_NOISE_MESSAGE, perMessageDeflate: false });
  wss.on('headers', (headers) => headers.push(`${HOST_ID_HEADER}: ${hostId}`));
  server.on('upgrade', (req, socket: Socket, head) => {
    if (!checkBearer(req.headers.authorization, token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      acceptSecure(ws, { identity, authorizeClient, replayGuard, allowXX: opts.allowXX, handshakeTimeoutMs, limits: opts.limits, protocolVersion: opts.protocolVersion })
        .then((channel) => {
          clearTimeout(handshakeTimers.get(socket));
          handshakeTimers.delete(socket);
          channels.add(channel);
          channel.once('close', () => channels.delete(channel));
          opts.onChannel(channel);
        })
        .catch((e: unknown) => {
          // Refused: acceptSecure already closed the socket with a reason code; the server goes on.
          if (ws.readyState !== ws.CLOSED) setTimeout(() => ws.terminate(), 1000).unref();
          const err = e instanceof TransportError ? e : new TransportError('handshake-failed', String(e));
          if (opts.onHandshakeError) opts.onHandshakeError(err, socket.remoteAddress ?? '?');
          else if (err.code === 'identity-unsafe' || err.code === 'identity-corrupt') warn(`${err.message} ${err.hint}`);
        });
    });
  });

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, host, () => res());
  });
  const port = (server.address() as { port: number }).port;
  const written = explicitToken ? null : writeServeToken(opts.home, token);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    host,
    port,
    url: `ws://${urlHost}:${port}/`,
    token,
    tokenFile: written?.file ?? null,
    publicKey: identity.publicKey,
    fingerprint: fingerprint(identity.publicKey),
    hostId,
    close: async () => {
      written?.remove();
      // Tell connected clients it is a clean stop, not a cut connection (bounded: 1 s).
      await Promise.race([Promise.all([...channels].map((c) => c.close('server stopping'))), new Promise((r) => setTimeout(r, 1000).unref())]);
      for (const t of handshakeTimers.values()) clearTimeout(t);
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
      wss.close();
    },
  };
}

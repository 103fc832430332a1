// Both ends of a relayed connection. They open a WebSocket to the relay and then run exactly the
// same handshake and channel code as a direct connection (session.ts): the relay is just a path.
import WebSocket from 'ws';
import type { ChannelLimits, SecureChannel } from './channel.js';
import { clientSocketOptions } from './socket-options.js';
import { connectSecure, type ConnectOptions } from './client.js';
import { TransportError } from './errors.js';
import { hostIdFor, loadOrCreateIdentity, type StaticKeypair } from './identity.js';
import { isAuthorizedClient } from './key-stores.js';
import { RELAY_CONNECT_PATH, RELAY_LISTEN_PATH, RELAY_PAIRED } from './relay.js';
import { acceptSecure, ReplayGuard, type AuthorizeClient } from './session.js';

function relayBase(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new TransportError('config', `"${url}" is not a ws:// or wss:// relay URL.`);
  return `${u.protocol}//${u.host}`;
}

export interface RelayListenerOptions {
  relayUrl: string;
  home: string;
  onChannel: (channel: SecureChannel) => void;
  identity?: StaticKeypair;
  /** Default: the key is in BATON_HOME/authorized_clients. No token travels through the relay, so no enrollment. */
  authorizeClient?: AuthorizeClient;
  allowXX?: boolean;
  /** Registrations kept waiting at the relay, so a second client need not wait. Default 2. */
  pending?: number;
  handshakeTimeoutMs?: number;
  limits?: ChannelLimits;
  /** First delay before registering again after a failure; doubles up to 30 s. Default 500 ms. */
  retryDelayMs?: number;
  /** Called with each registration failure (relay down, limit reached…); default silent. */
  onError?: (e: Error) => void;
  /** Share the direct server's, so a message 1 seen on one path cannot be replayed on the other. */
  replayGuard?: ReplayGuard;
}

export interface RelayListener {
  hostId: string;
  close(): void;
}

/** `baton serve --relay URL`: keeps registrations open at the relay and accepts clients from them. */
export function listenViaRelay(opts: RelayListenerOptions): RelayListener {
  const identity = opts.identity ?? loadOrCreateIdentity(opts.home);
  const hostId = hostIdFor(identity.publicKey);
  const url = `${relayBase(opts.relayUrl)}${RELAY_LISTEN_PATH}${hostId}`;
  const authorizeClient = opts.authorizeClient ?? ((k: Buffer) => isAuthorizedClient(opts.home, k));
  const replayGuard = opts.replayGuard ?? new ReplayGuard();
  const waiting = new Set<WebSocket>();
  let closed = false;
  let delay = opts.retryDelayMs ?? 500;
  const timers = new Set<NodeJS.Timeout>();

  const register = () => {
    if (closed) return;
    const ws = new WebSocket(url, clientSocketOptions);
    waiting.add(ws);
    let paired = false;
    const onPairing = (data: Buffer, isBinary: boolean) => {
      ws.off('message', onPairing);
      if (isBinary || data.toString() !== RELAY_PAIRED) {
        ws.terminate();
        return;
      }
      paired = true;
      waiting.delete(ws);
      delay = opts.retryDelayMs ?? 500;
      register(); // keep the number of waiting registrations up
      // Attach the handshake reader now, in this tick, so client message 1 cannot slip past it.
      acceptSecure(ws, { identity, authorizeClient, replayGuard, allowXX: opts.allowXX, handshakeTimeoutMs: opts.handshakeTimeoutMs, limits: opts.limits })
        .then(opts.onChannel)
        .catch(() => {});
    };
    ws.on('message', onPairing);
    ws.on('error', (e) => opts.onError?.(e));
    ws.on('unexpected-response', (_req, res) => {
      opts.onError?.(new TransportError('relay', `The relay refused the registration: HTTP ${res.statusCode}.`));
      ws.terminate();
    });
    ws.on('close', () => {
      waiting.delete(ws);
      if (paired || closed) return;
      const t = setTimeout(() => {
        timers.delete(t);
        register();
      }, delay);
      timers.add(t);
      delay = Math.min(delay * 2, 30_000);
    });
  };
  for (let i = 0; i < (opts.pending ?? 2); i++) register();
  // Waiting registrations are idle TCP connections: ping them so NATs and proxies keep them.
  const pinger = setInterval(() => {
    for (const ws of waiting) if (ws.readyState === ws.OPEN) ws.ping();
  }, 30_000);
  pinger.unref();

  return {
    hostId,
    close: () => {
      closed = true;
      clearInterval(pinger);
      for (const t of timers) clearTimeout(t);
      for (const ws of waiting) ws.terminate();
    },
  };
}

export interface RelayConnectOptions extends Omit<ConnectOptions, 'url' | 'socket' | 'token' | 'tokenEnv' | 'hostId'> {
  relayUrl: string;
  /** The server's host id: its rendezvous id at the relay, and (hashing its key) a pin for XX. */
  hostId: string;
}

/** Opens a WebSocket to the relay for `hostId`, then runs the ordinary client handshake over it. */
export async function connectViaRelay(opts: RelayConnectOptions): Promise<SecureChannel> {
  if (!/^[0-9a-f]{32}$/.test(opts.hostId)) throw new TransportError('config', `"${opts.hostId}" is not a Baton host id (32 lowercase hex digits).`);
  const url = `${relayBase(opts.relayUrl)}${RELAY_CONNECT_PATH}${opts.hostId}`;
  const ws = await new Promise<WebSocket>((resolve, reject) => {
    const s = new WebSocket(url, { ...clientSocketOptions, handshakeTimeout: opts.handshakeTimeoutMs ?? 15_000 });
    s.once('open', () => {
      s.removeAllListeners('error');
      s.on('error', () => {});
      resolve(s);
    });
    s.once('unexpected-response', (_req, res) => {
      s.terminate();
      reject(
        res.statusCode === 404
          ? new TransportError('relay', `No server is registered at the relay under host id ${opts.hostId}.`, 'Check that `baton serve` is running there with this relay, and the host id.')
          : new TransportError('relay', `The relay refused the connection: HTTP ${res.statusCode}.`, 'Retry later; the relay may be at its connection limit.'),
      );
    });
    s.once('error', (e) => reject(new TransportError('relay', `Could not reach the relay at ${opts.relayUrl}: ${e.message}.`, 'Check the relay address.')));
  });
  return connectSecure({ ...opts, socket: ws, hostId: opts.hostId, serverAddress: opts.serverAddress ?? `relay:${opts.hostId}` });
}

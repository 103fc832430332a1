// The client side (the desktop's main process, or `baton` talking to a remote): open a WebSocket
// with the bearer token, or take one already open (relay, custom stream), then run the Noise
// initiator. With a pinned server key the handshake is IK; without one it is XX, and the server's
// key is checked against known_servers (trust on first use, hard failure on change).
import WebSocket from 'ws';
import type { ChannelLimits, SecureChannel } from './channel.js';
import { clientSocketOptions } from './socket-options.js';
import { TransportError } from './errors.js';
import { loadOrCreateIdentity, type StaticKeypair } from './identity.js';
import { addKnownServer, checkKnownServer, lookupKnownServer, serverAddressForUrl } from './key-stores.js';
import { isLoopbackHost } from './loopback.js';
import { HOST_ID_HEADER } from './server.js';
import { initiateSecure } from './session.js';
import { tokenFromEnv } from './token.js';

export interface ConnectOptions {
  /** BATON_HOME: our identity and known_servers. */
  home: string;
  /** ws://127.0.0.1:PORT/ (direct or SSH-forwarded) or wss://…; or pass `socket`. */
  url?: string;
  /** An already-open WebSocket (e.g. from connectViaRelay). */
  socket?: WebSocket;
  token?: string;
  /** Name of the environment variable holding the token (`--remote-auth-token-env`). */
  tokenEnv?: string;
  identity?: StaticKeypair;
  /** The server key pinned over SSH: IK. */
  serverKey?: Buffer;
  /** For first contact (XX): the server's host id; direct connections also learn it from the upgrade response. */
  hostId?: string;
  /** The known_servers entry; default `host:port` of the URL. Required for TOFU over `socket`. */
  serverAddress?: string;
  /** Allow first contact (XX) with trust on first use. Default true. */
  tofu?: boolean;
  handshakeTimeoutMs?: number;
  limits?: ChannelLimits;
  /** Tests only. */
  protocolVersion?: number;
}

/** Refuses to send a token in clear text to another machine. */
export function checkClientUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TransportError('config', `"${url}" is not a URL.`, 'Use ws://127.0.0.1:PORT/ or wss://HOST:PORT/.');
  }
  if (u.protocol === 'wss:') return u;
  if (u.protocol !== 'ws:') throw new TransportError('config', `"${url}" is not a ws:// or wss:// URL.`);
  if (!isLoopbackHost(u.hostname)) {
    throw new TransportError('insecure-url', `Refusing to connect to ${u.host} over plain ws://: the token would cross the network unencrypted.`, 'Use wss://, an SSH port-forward to 127.0.0.1, or the relay.');
  }
  return u;
}

function openWebSocket(url: string, token: string | undefined, timeoutMs: number): Promise<{ ws: WebSocket; hostIdHeader?: string }> {
  return new Promise((resolve, reject) => {
    let hostIdHeader: string | undefined;
    const ws = new WebSocket(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...clientSocketOptions,
      handshakeTimeout: timeoutMs,
    });
    ws.on('upgrade', (res) => {
      const h = res.headers[HOST_ID_HEADER];
      hostIdHeader = typeof h === 'string' ? h : undefined;
    });
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.on('error', () => {});
      resolve({ ws, hostIdHeader });
    });
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      if (res.statusCode === 401) reject(new TransportError('unauthorized', `The server at ${url} refused the bearer token (401).`, 'Pass the token the server printed or wrote to BATON_HOME/serve.token.'));
      else reject(new TransportError('handshake-failed', `The server at ${url} answered HTTP ${res.statusCode} instead of a WebSocket upgrade.`, 'Check that the address points at a Baton server.'));
    });
    ws.once('error', (e) => reject(new TransportError('handshake-failed', `Could not open a WebSocket to ${url}: ${e.message}.`, 'Check that the server is running and the address and port are right.')));
  });
}

export async function connectSecure(opts: ConnectOptions): Promise<SecureChannel> {
  if (!!opts.url === !!opts.socket) throw new TransportError('config', 'connectSecure needs exactly one of `url` or `socket`.');
  const timeoutMs = opts.handshakeTimeoutMs ?? 15_000;
  const identity = opts.identity ?? loadOrCreateIdentity(opts.home);
  const address = opts.serverAddress ?? (opts.url ? serverAddressForUrl(opts.url) : undefined);
  const token = opts.token ?? (opts.tokenEnv ? tokenFromEnv(opts.tokenEnv) : undefined);
  if (opts.url) checkClientUrl(opts.url);

  // Decide the pattern before opening anything: a pinned key (given, or remembered) means IK.
  const serverKey = opts.serverKey ?? (address ? lookupKnownServer(opts.home, address)?.publicKey : undefined);
  if (!serverKey && opts.tofu === false) {
    throw new TransportError('config', `No pinned key for ${address ?? 'this server'} and first contact is disabled.`, 'Pair over SSH first, or allow trust on first use.');
  }
  if (!serverKey && !address) throw new TransportError('config', 'First contact over an open socket needs `serverAddress` for known_servers.');

  const remembered = !opts.serverKey && !!serverKey;
  const attempt = async (pinned: Buffer | undefined, verifyServerKey: (key: Buffer) => void) => {
    const { ws, hostIdHeader } = opts.socket ? { ws: opts.socket, hostIdHeader: undefined } : await openWebSocket(opts.url!, token, timeoutMs);
    return initiateSecure(ws, {
      identity,
      serverKey: pinned,
      hostId: pinned ? opts.hostId : (opts.hostId ?? hostIdHeader),
      verifyServerKey,
      handshakeTimeoutMs: timeoutMs,
      limits: opts.limits,
      protocolVersion: opts.protocolVersion,
    });
  };

  let firstContact = false;
  let channel: SecureChannel;
  try {
    channel = await attempt(serverKey, (key) => {
      firstContact = checkKnownServer(opts.home, address!, key) === 'new';
    });
  } catch (e) {
    // IK to a remembered key failed. If the server's key changed, say so the OpenSSH way: probe
    // with XX, which shows us the server's key in message 2, and stop before message 3 so our
    // own identity is never sent to a server we do not trust.
    if (!remembered || !opts.url || (e as TransportError).code !== 'handshake-failed') throw e;
    await attempt(undefined, (key) => {
      checkKnownServer(opts.home, address!, key); // throws 'host-key-changed'
      throw e;
    });
    throw e;
  }
  // Remember the key only once the server accepted us, so a failed first contact leaves no trace.
  if (firstContact) addKnownServer(opts.home, address!, channel.remoteStatic);
  return channel;
}

// The handshake over an open WebSocket, for both roles. The same code runs whether the socket
// goes straight to the server, through an SSH port-forward or through the relay: it only sees
// binary messages.
//
// Pattern selection: a Baton XX message 1 is exactly 32 bytes (an ephemeral key, empty payload);
// an IK message 1 is 104 bytes (e, encrypted s, encrypted 8-byte timestamp). The responder picks
// the pattern from that length, so no unencrypted byte is added to the Noise messages.
import type WebSocket from 'ws';
import { SecureChannel, type ChannelLimits } from './channel.js';
import { TransportError } from './errors.js';
import { CloseCode, encodeFrame } from './framing.js';
import { Handshake, type Pattern } from './handshake.js';
import { hostIdFor, type StaticKeypair } from './identity.js';
import { buildPrologue, PROTOCOL_VERSION } from './prologue.js';

export const XX_MSG1_LEN = 32;
const TIMESTAMP_LEN = 8;

/** WebSocket close codes a server uses while refusing a handshake (before any transport message). */
export const WsClose = {
  handshakeFailed: 4400,
  clientNotAuthorized: 4403,
  handshakeTimeout: 4408,
  replay: 4409,
} as const;

/** Reads binary messages in order with a deadline; text messages and early closes are failures. */
class MessageReader {
  private queue: Buffer[] = [];
  private waiter: { res: (b: Buffer) => void; rej: (e: Error) => void } | null = null;
  private failure: TransportError | null = null;
  private readonly onMessage = (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return this.fail(new TransportError('handshake-failed', 'A text WebSocket message arrived during the handshake.'));
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.res(data);
      return;
    }
    this.queue.push(data);
    if (this.queue.length <= 4) return;
    // A responder never receives more than one message ahead: more is an attack or a bug. An
    // initiator can: the server may send READY and data in the same TCP segment as message 2,
    // so stop reading and let the channel take them over.
    if (this.role === 'responder') this.fail(new TransportError('handshake-failed', 'The peer sent more messages than the handshake has.'));
    else this.ws.pause();
  };
  private readonly onClose = (code: number, reason: Buffer) => this.fail(closeError(code, reason.toString()));

  constructor(
    private readonly ws: WebSocket,
    private readonly role: 'initiator' | 'responder',
  ) {
    ws.on('message', this.onMessage);
    ws.on('close', this.onClose);
    // ws reports protocol violations (oversized frame, bad opcode) as 'error', then closes: the
    // close carries the outcome, and an unlistened 'error' would crash the process.
    ws.on('error', () => {});
  }

  next(): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    const m = this.queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((res, rej) => (this.waiter = { res, rej }));
  }

  fail(e: TransportError): void {
    if (this.failure) return;
    this.failure = e;
    this.waiter?.rej(e);
    this.waiter = null;
  }

  /** Hands the socket over: messages that already arrived go to the channel. */
  detach(): Buffer[] {
    this.ws.off('message', this.onMessage);
    this.ws.off('close', this.onClose);
    const rest = this.queue;
    this.queue = [];
    return rest;
  }
}

function closeError(code: number, reason: string): TransportError {
  switch (code) {
    case WsClose.clientNotAuthorized:
      return new TransportError('client-not-authorized', `The server refused this client's key${reason ? `: ${reason}` : ''}.`, "Add this computer's key (`baton identity`) to the server's authorized_clients; the SSH bootstrap does this.");
    case WsClose.replay:
      return new TransportError('replay', `The server refused handshake message 1 as a replay${reason ? `: ${reason}` : ''}.`, "Check this computer's clock, then reconnect.");
    case WsClose.handshakeTimeout:
      return new TransportError('handshake-timeout', 'The server gave up waiting for the handshake.', 'Check the network path and retry.');
    case WsClose.handshakeFailed:
      return new TransportError('handshake-failed', `The server could not complete the Noise handshake${reason ? `: ${reason}` : ''}.`, 'The pinned server key may be stale, or the two sides run different Baton protocol versions.');
    default:
      return new TransportError('handshake-failed', `The connection closed during the handshake (WebSocket ${code}${reason ? ` ${reason}` : ''}).`, 'Check that the address points at a Baton server and retry.');
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, rej) => {
      timer = setTimeout(() => {
        onTimeout();
        rej(new TransportError('handshake-timeout', `The handshake did not finish within ${ms} ms.`, 'Check the network path and retry.'));
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Strictly increasing per-process nanosecond clock for IK message 1 (replay protection). */
let lastStamp = 0n;
function handshakeTimestamp(): Buffer {
  let now = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  if (now <= lastStamp) now = lastStamp + 1n;
  lastStamp = now;
  const b = Buffer.alloc(TIMESTAMP_LEN);
  b.writeBigUInt64BE(now);
  return b;
}

// ---------------------------------------------------------------- server (responder)

export type AuthorizeClient = (publicKey: Buffer, handshake: { pattern: Pattern }) => boolean | Promise<boolean>;

export interface AcceptOptions {
  identity: StaticKeypair;
  /** Decides whether a client key may connect; called before message 2 in IK, after 3 in XX. */
  authorizeClient: AuthorizeClient;
  /** Shared across connections: last IK timestamp per client key (see ReplayGuard). */
  replayGuard: ReplayGuard;
  allowXX?: boolean;
  handshakeTimeoutMs?: number;
  limits?: ChannelLimits;
  /** Tests only: speak another protocol version. */
  protocolVersion?: number;
}

/**
 * WireGuard's rule: an IK message 1 carries a timestamp, and the server accepts it only if it is
 * newer than the last one it accepted from that key. A replayed message 1 is refused before
 * message 2. Only authorized keys get an entry, so the map stays as small as the allow-list.
 */
export class ReplayGuard {
  private last = new Map<string, bigint>();
  accept(publicKey: Buffer, stamp: bigint): boolean {
    const k = publicKey.toString('base64');
    const prev = this.last.get(k);
    if (prev !== undefined && stamp <= prev) return false;
    this.last.set(k, stamp);
    return true;
  }
}

/** Runs the responder side on an open WebSocket; resolves with a channel the server has accepted. */
export async function acceptSecure(ws: WebSocket, opts: AcceptOptions): Promise<SecureChannel> {
  const reader = new MessageReader(ws, 'responder');
  const refuse = (code: number, reason: string, err: TransportError): never => {
    reader.fail(err);
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    throw err;
  };
  const timeoutMs = opts.handshakeTimeoutMs ?? 10_000;
  const prologue = buildPrologue(hostIdFor(opts.identity.publicKey), opts.protocolVersion ?? PROTOCOL_VERSION);
  // The allow-list may be unreadable (bad mode, bad line): that is the server's fault, so the
  // client gets 1011 and the operator gets the error with its hint.
  const authorized = async (key: Buffer, pattern: Pattern) => {
    try {
      return await opts.authorizeClient(key, { pattern });
    } catch (e) {
      reader.fail(e as TransportError);
      if (ws.readyState === ws.OPEN) ws.close(1011, 'server cannot read its authorized_clients');
      throw e;
    }
  };

  const run = async (): Promise<SecureChannel> => {
    const msg1 = await reader.next();
    const pattern: Pattern = msg1.length === XX_MSG1_LEN ? 'XX' : 'IK';
    if (pattern === 'XX' && opts.allowXX === false) {
      refuse(WsClose.handshakeFailed, 'first-contact handshake (XX) disabled', new TransportError('handshake-failed', 'A client tried first contact (XX), which this server does not allow.'));
    }
    const hs = new Handshake({ pattern, initiator: false, staticKeypair: opts.identity, prologue });
    let payload: Buffer;
    try {
      payload = hs.readMessage(msg1);
    } catch (e) {
      return refuse(WsClose.handshakeFailed, 'handshake failed', e as TransportError);
    }
    if (pattern === 'IK') {
      const client = hs.remoteStatic!;
      if (payload.length !== TIMESTAMP_LEN) return refuse(WsClose.handshakeFailed, 'bad message 1 payload', new TransportError('handshake-failed', 'IK message 1 must carry an 8-byte timestamp.'));
      // Authorize before message 2: an unknown key learns nothing about this server beyond the refusal.
      if (!(await authorized(client, 'IK'))) {
        return refuse(WsClose.clientNotAuthorized, 'client key not authorized', new TransportError('client-not-authorized', 'A client key that is not on the allow-list tried to connect.'));
      }
      if (!opts.replayGuard.accept(client, payload.readBigUInt64BE(0))) {
        return refuse(WsClose.replay, 'replayed handshake', new TransportError('replay', 'Refused a replayed (or clock-skewed) IK message 1.'));
      }
      ws.send(hs.writeMessage());
    } else {
      if (payload.length !== 0) return refuse(WsClose.handshakeFailed, 'bad message 1', new TransportError('handshake-failed', 'XX message 1 must have an empty payload.'));
      ws.send(hs.writeMessage());
      const msg3 = await reader.next();
      try {
        payload = hs.readMessage(msg3);
      } catch (e) {
        return refuse(WsClose.handshakeFailed, 'handshake failed', e as TransportError);
      }
      if (payload.length !== 0) return refuse(WsClose.handshakeFailed, 'bad message 3', new TransportError('handshake-failed', 'XX message 3 must have an empty payload.'));
    }
    const keys = hs.split();
    if (pattern === 'XX' && !(await authorized(keys.remoteStatic, 'XX'))) {
      // The client already holds transport keys: tell it why, authenticated, then close.
      ws.send(keys.send.encrypt(encodeFrame({ type: 'close', rekey: false, code: CloseCode.clientNotAuthorized, reason: 'client key not authorized' })));
      return refuse(WsClose.clientNotAuthorized, 'client key not authorized', new TransportError('client-not-authorized', 'A client key that is not on the allow-list completed XX.'));
    }
    // The deadline may have passed while we awaited the allow-list: never hand out a dead socket.
    if (ws.readyState !== ws.OPEN) throw new TransportError('handshake-timeout', 'The connection ended during the handshake.');
    const channel = new SecureChannel({ ws, ...keys, expectReady: false, pending: reader.detach(), limits: opts.limits });
    // READY is the server's word that it accepted this client; the client sends nothing before it.
    ws.send(keys.send.encrypt(encodeFrame({ type: 'ready', rekey: false })));
    return channel;
  };

  return withTimeout(run(), timeoutMs, () => {
    reader.fail(new TransportError('handshake-timeout', 'Handshake timed out.'));
    if (ws.readyState === ws.OPEN) ws.close(WsClose.handshakeTimeout, 'handshake timeout');
    else ws.terminate();
  });
}

// ---------------------------------------------------------------- client (initiator)

export interface InitiateOptions {
  identity: StaticKeypair;
  /** Pinned server key: IK. Without it: XX, and `verifyServerKey` decides (TOFU). */
  serverKey?: Buffer;
  /** Required for XX; derived from serverKey for IK. */
  hostId?: string;
  /** XX only: throw to refuse the server key before our identity is sent (message 3). */
  verifyServerKey?: (publicKey: Buffer) => void;
  handshakeTimeoutMs?: number;
  limits?: ChannelLimits;
  protocolVersion?: number;
}

/** Runs the initiator side; resolves once the server sent READY. */
export async function initiateSecure(ws: WebSocket, opts: InitiateOptions): Promise<SecureChannel> {
  const reader = new MessageReader(ws, 'initiator');
  const hostId = opts.serverKey ? hostIdFor(opts.serverKey) : opts.hostId;
  if (!hostId) throw new TransportError('config', 'First contact (no pinned server key) needs the server host id.', 'Use the URL and host id that `baton serve` printed.');
  if (opts.serverKey && opts.hostId && opts.hostId !== hostId) {
    throw new TransportError('config', `Host id ${opts.hostId} does not belong to the pinned server key (its id is ${hostId}).`);
  }
  const prologue = buildPrologue(hostId, opts.protocolVersion ?? PROTOCOL_VERSION);
  const timeoutMs = opts.handshakeTimeoutMs ?? 15_000;
  const abort = (err: unknown): never => {
    reader.fail(err as TransportError);
    if (ws.readyState === ws.OPEN) ws.close(1000);
    throw err;
  };

  const run = async (): Promise<SecureChannel> => {
    let hs: Handshake;
    if (opts.serverKey) {
      hs = new Handshake({ pattern: 'IK', initiator: true, staticKeypair: opts.identity, prologue, remoteStatic: opts.serverKey });
      ws.send(hs.writeMessage(handshakeTimestamp()));
      try {
        if (hs.readMessage(await reader.next()).length !== 0) throw new TransportError('handshake-failed', 'IK message 2 must have an empty payload.');
      } catch (e) {
        return abort(e);
      }
    } else {
      hs = new Handshake({ pattern: 'XX', initiator: true, staticKeypair: opts.identity, prologue });
      ws.send(hs.writeMessage());
      try {
        if (hs.readMessage(await reader.next()).length !== 0) throw new TransportError('handshake-failed', 'XX message 2 must have an empty payload.');
        const serverKey = hs.remoteStatic!;
        // Redundant with the prologue, but states the rule: the host id is the key's hash.
        if (hostIdFor(serverKey) !== hostId) throw new TransportError('handshake-failed', `The server's key does not match host id ${hostId}.`);
        opts.verifyServerKey?.(serverKey);
      } catch (e) {
        return abort(e);
      }
      ws.send(hs.writeMessage());
    }
    const keys = hs.split();
    const channel = new SecureChannel({ ws, ...keys, expectReady: true, pending: reader.detach(), limits: opts.limits });
    await channel.ready;
    return channel;
  };

  return withTimeout(run(), timeoutMs, () => {
    reader.fail(new TransportError('handshake-timeout', 'Handshake timed out.'));
    ws.terminate();
  });
}

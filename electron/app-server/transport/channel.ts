// SecureChannel: a duplex of application messages over one WebSocket after the Noise handshake.
// One WebSocket binary message = one Noise transport message = one frame (framing.ts).
// Backpressure runs end to end: a slow `onMessage` handler fills a bounded receive queue, which
// pauses the socket, which fills TCP, which holds the sender's `send()` until its buffer drains.
import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import { CipherState, RESERVED_NONCE } from './cipher-state.js';
import { TransportError, type TransportErrorCode } from './errors.js';
import { FramePool, POOLED_MIN_BYTES } from './frame-pool.js';
import { CloseCode, decodeFrame, encodeFrameParts, fragment, Reassembler, type Frame } from './framing.js';

export interface ChannelLimits {
  /** Largest application message accepted or sent. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Rekey our sending key after this many messages under one key. Default 2^20. */
  rekeyAfterMessages?: number;
  /** … or after this many ciphertext bytes under one key. Default 1 GiB. */
  rekeyAfterBytes?: number;
  /** `send()` waits while more than this many bytes sit unflushed in the socket. Default 1 MiB. */
  sendHighWaterMark?: number;
  /** Received, undelivered messages beyond this many bytes pause the socket. Default 8 MiB. */
  receiveQueueBytes?: number;
  /**
   * WebSocket ping interval, so relays and NATs see a quiet session as alive; a peer silent (no
   * message, no pong) for three intervals is taken as gone and the session ends as truncated.
   * 0 = off. Default 30 s.
   */
  keepaliveMs?: number;
}

export interface CloseInfo {
  /** True only when the peer (or we) sent an authenticated CLOSE: nothing was cut off. */
  clean: boolean;
  code: number;
  reason: string;
  /** Why it ended when not clean, or the peer's CLOSE code mapped to an error. */
  error?: TransportError;
}

export type MessageHandler = (data: Buffer, isText: boolean) => void | Promise<void>;

interface ChannelInit {
  ws: WebSocket;
  send: CipherState;
  recv: CipherState;
  remoteStatic: Buffer;
  handshakeHash: Buffer;
  /** Client side: the first frame must be READY (the server accepted us). */
  expectReady: boolean;
  /** Transport messages that arrived while the handshake code still held the socket. */
  pending?: Buffer[];
  limits?: ChannelLimits;
}

const closeCodeFor: Partial<Record<TransportErrorCode, number>> = {
  protocol: CloseCode.protocol,
  'decrypt-failed': CloseCode.decryptFailed,
  'message-too-large': CloseCode.messageTooLarge,
  'nonce-exhausted': CloseCode.nonceExhausted,
  'client-not-authorized': CloseCode.clientNotAuthorized,
};

function errorForCloseCode(code: number, reason: string): TransportError | undefined {
  const text = reason ? `: ${reason}` : '';
  switch (code) {
    case CloseCode.normal:
    case CloseCode.goingAway:
      return undefined;
    case CloseCode.clientNotAuthorized:
      return new TransportError('client-not-authorized', `The server does not authorize this client's key${text}.`, "Add this computer's key to the server's authorized_clients (the SSH bootstrap does this).");
    case CloseCode.decryptFailed:
      return new TransportError('decrypt-failed', `The peer received a transport message that failed authentication${text}.`);
    case CloseCode.messageTooLarge:
      return new TransportError('message-too-large', `The peer refused a message as too large${text}.`);
    case CloseCode.nonceExhausted:
      return new TransportError('nonce-exhausted', `The peer ran out of nonces${text}.`, 'Reconnect.');
    default:
      return new TransportError('protocol', `The peer closed the channel with code ${code}${text}.`);
  }
}

export class SecureChannel extends EventEmitter {
  readonly remoteStatic: Buffer;
  readonly handshakeHash: Buffer;
  /** Resolves on READY (client) or at once (server); rejects if the channel closes first. */
  readonly ready: Promise<void>;
  /** Resolves once, after every received message was handed to the handler. */
  readonly closed: Promise<CloseInfo>;
  readonly stats = { rekeysSent: 0, rekeysReceived: 0, messagesSent: 0, messagesReceived: 0 };

  private readonly ws: WebSocket;
  private readonly tx: CipherState;
  private readonly rx: CipherState;
  private readonly limits: Required<ChannelLimits>;
  private readonly reassembler: Reassembler;
  private awaitingReady: boolean;
  private resolveReady!: () => void;
  private rejectReady!: (e: Error) => void;
  private resolveClosed!: (c: CloseInfo) => void;

  // Send side
  private sendChain: Promise<void> = Promise.resolve();
  private unflushed = 0;
  private drainWaiters: (() => void)[] = [];
  private txMessagesUnderKey = 0;
  private txBytesUnderKey = 0;
  private sentClose = false;
  private readonly framePool = new FramePool();

  // Receive side
  private queue: { data: Buffer; text: boolean }[] = [];
  private queuedBytes = 0;
  private handler: MessageHandler | null = null;
  private delivering = false;
  private paused = false;
  private ending: CloseInfo | null = null;
  private emittedClose = false;
  private keepalive: NodeJS.Timeout | null = null;

  constructor(init: ChannelInit) {
    super();
    this.ws = init.ws;
    this.tx = init.send;
    this.rx = init.recv;
    this.remoteStatic = init.remoteStatic;
    this.handshakeHash = init.handshakeHash;
    this.limits = {
      maxMessageBytes: init.limits?.maxMessageBytes ?? 64 * 1024 * 1024,
      rekeyAfterMessages: init.limits?.rekeyAfterMessages ?? 1 << 20,
      rekeyAfterBytes: init.limits?.rekeyAfterBytes ?? 1024 * 1024 * 1024,
      sendHighWaterMark: init.limits?.sendHighWaterMark ?? 1024 * 1024,
      receiveQueueBytes: init.limits?.receiveQueueBytes ?? 8 * 1024 * 1024,
      keepaliveMs: init.limits?.keepaliveMs ?? 30_000,
    };
    this.reassembler = new Reassembler(this.limits.maxMessageBytes);
    this.awaitingReady = init.expectReady;
    this.ready = new Promise((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.ready.catch(() => {}); // observed through `closed` too; never an unhandled rejection
    this.closed = new Promise((res) => (this.resolveClosed = res));
    if (!init.expectReady) this.resolveReady();

    this.ws.on('message', (data, isBinary) => this.onWire(data as Buffer, isBinary));
    this.ws.on('close', (code, reason) => this.onSocketClosed(code, reason.toString()));
    this.ws.on('error', () => {}); // 'close' follows and carries the outcome
    if (this.limits.keepaliveMs > 0) {
      let lastHeard = Date.now();
      const heard = () => (lastHeard = Date.now());
      this.ws.on('pong', heard);
      this.ws.on('message', heard);
      this.keepalive = setInterval(() => {
        if (Date.now() - lastHeard > 3 * this.limits.keepaliveMs) this.ws.terminate();
        else if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
      }, this.limits.keepaliveMs);
      this.keepalive.unref();
    }
    for (const m of init.pending ?? []) this.onWire(m, true);
    // The handshake reader may have paused the socket while messages piled up; ours now.
    if (this.ws.isPaused && !this.paused) this.ws.resume();
  }

  /** Delivers messages one at a time, in order; a returned promise holds the next one back. */
  onMessage(handler: MessageHandler): void {
    this.handler = handler;
    void this.deliver();
  }

  get isOpen(): boolean {
    return this.ending === null && !this.sentClose;
  }

  /** Resolves once the message is encrypted and handed to the socket under the high-water mark. */
  send(message: Buffer | string): Promise<void> {
    const text = typeof message === 'string';
    const data = text ? Buffer.from(message, 'utf8') : message;
    if (data.length > this.limits.maxMessageBytes) {
      return Promise.reject(new TransportError('message-too-large', `A ${data.length}-byte message exceeds the limit of ${this.limits.maxMessageBytes} bytes.`, 'Split it into smaller messages.'));
    }
    const run = this.sendChain.then(() => this.sendFrames(data, text));
    this.sendChain = run.catch(() => {});
    return run;
  }

  /**
   * Clean end: waits for earlier sends, then sends an authenticated CLOSE and closes the socket.
   * It does not wait for `closed` (delivery of what already arrived), so a message handler may
   * call it without waiting on itself.
   */
  async close(reason = ''): Promise<CloseInfo> {
    const run = this.sendChain.then(() => this.sendCloseAndEnd(CloseCode.normal, reason, undefined));
    this.sendChain = run.catch(() => {});
    await run.catch(() => {});
    return this.ending ?? this.closed;
  }

  /** Cuts the connection at once, without CLOSE: the peer sees a truncated session. */
  destroy(): void {
    this.ws.terminate();
  }

  // ---- sending ----

  private async sendFrames(data: Buffer, text: boolean): Promise<void> {
    const bodies = fragment(data);
    for (let i = 0; i < bodies.length; i++) {
      if (!this.isOpen) throw this.ending?.error ?? new TransportError('closed', 'The secure channel is closed.');
      // The last usable nonce (2^64-2) is kept for CLOSE, so running out still ends cleanly.
      if (this.tx.nonce >= RESERVED_NONCE - 1n) {
        const e = new TransportError('nonce-exhausted', 'This session used all its nonces; it was closed cleanly.', 'Reconnect: a new handshake starts fresh keys.');
        this.sendCloseAndEnd(CloseCode.nonceExhausted, 'nonce space exhausted', e);
        throw e;
      }
      await this.waitForDrain();
      if (!this.isOpen) throw this.ending?.error ?? new TransportError('closed', 'The secure channel is closed.');
      this.writeFrame({ type: 'data', more: i < bodies.length - 1, text, rekey: false, body: bodies[i] });
    }
    this.stats.messagesSent++;
  }

  private writeFrame(frame: Frame): void {
    const plainLen = 2 + (frame.type === 'data' ? frame.body.length : 0) + 16;
    // Decide REKEY before encrypting: the flag travels inside this (authenticated) message.
    const rekey = frame.type !== 'close' && (this.txMessagesUnderKey + 1 >= this.limits.rekeyAfterMessages || this.txBytesUnderKey + plainLen >= this.limits.rekeyAfterBytes);
    // Large frames are encrypted into a pooled buffer, returned once the socket wrote it.
    const pooled = plainLen >= POOLED_MIN_BYTES ? this.framePool.take() : undefined;
    const wire = this.tx.encrypt(encodeFrameParts({ ...frame, rekey }), pooled);
    if (rekey) {
      this.tx.rekey();
      this.stats.rekeysSent++;
      this.txMessagesUnderKey = 0;
      this.txBytesUnderKey = 0;
    } else {
      this.txMessagesUnderKey++;
      this.txBytesUnderKey += wire.length;
    }
    this.unflushed += wire.length;
    this.ws.send(wire, { binary: true, compress: false }, () => {
      if (pooled) this.framePool.give(pooled);
      this.unflushed -= wire.length;
      if (this.unflushed <= this.limits.sendHighWaterMark / 2) this.wakeSenders();
    });
  }

  private waitForDrain(): Promise<void> {
    if (this.unflushed <= this.limits.sendHighWaterMark) return Promise.resolve();
    return new Promise((res) => this.drainWaiters.push(res));
  }

  private wakeSenders(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  private sendCloseAndEnd(code: number, reason: string, error: TransportError | undefined): void {
    if (this.sentClose || this.ending) return;
    this.sentClose = true;
    try {
      if (this.ws.readyState === this.ws.OPEN) this.writeFrame({ type: 'close', rekey: false, code, reason });
    } catch {
      // Out of nonces or socket gone: the WebSocket close below still ends the session.
    }
    this.end({ clean: error === undefined || error.code === 'nonce-exhausted', code, reason, error });
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
  }

  // ---- receiving ----

  private onWire(data: Buffer, isBinary: boolean): void {
    if (this.ending) return;
    try {
      if (!isBinary) throw new TransportError('protocol', 'A text WebSocket message arrived; the channel carries binary Noise messages only.');
      const frame = decodeFrame(this.rx.decrypt(data));
      if (frame.rekey) {
        this.rx.rekey();
        this.stats.rekeysReceived++;
      }
      if (this.awaitingReady) {
        if (frame.type === 'ready') {
          this.awaitingReady = false;
          this.resolveReady();
          return;
        }
        if (frame.type !== 'close') throw new TransportError('protocol', 'The server sent data before READY.');
      } else if (frame.type === 'ready') {
        throw new TransportError('protocol', 'READY arrived twice or on the wrong side.');
      }
      if (frame.type === 'close') {
        // A message still being reassembled was never completed: it is dropped, not delivered.
        this.reassembler.reset();
        const error = errorForCloseCode(frame.code, frame.reason);
        this.end({ clean: true, code: frame.code, reason: frame.reason, error });
        if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
        return;
      }
      if (frame.type === 'data') {
        const done = this.reassembler.push(frame);
        if (done) this.enqueue(done);
      }
    } catch (e) {
      const err = e instanceof TransportError ? e : new TransportError('protocol', (e as Error).message);
      this.reassembler.reset();
      this.sendCloseAndEnd(closeCodeFor[err.code] ?? CloseCode.protocol, err.message.slice(0, 200), err);
    }
  }

  private enqueue(m: { data: Buffer; text: boolean }): void {
    this.stats.messagesReceived++;
    this.queue.push(m);
    this.queuedBytes += m.data.length;
    if (this.queuedBytes > this.limits.receiveQueueBytes && !this.paused) {
      this.paused = true;
      this.ws.pause();
    }
    void this.deliver();
  }

  private async deliver(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.handler && this.queue.length > 0) {
        const m = this.queue.shift()!;
        this.queuedBytes -= m.data.length;
        if (this.paused && this.queuedBytes <= this.limits.receiveQueueBytes / 2) {
          this.paused = false;
          this.ws.resume();
        }
        try {
          await this.handler(m.data, m.text);
        } catch (e) {
          // A throwing handler is the application's bug; it must not kill delivery of the rest.
          this.emit('handlerError', e);
        }
      }
    } finally {
      this.delivering = false;
    }
    this.maybeEmitClose();
  }

  private onSocketClosed(code: number, reason: string): void {
    this.reassembler.reset();
    this.end({
      clean: false,
      code: -1,
      reason: `WebSocket closed (${code}${reason ? ` ${reason}` : ''})`,
      error: new TransportError('truncated', `The connection ended without an authenticated close (WebSocket ${code}${reason ? `: ${reason}` : ''}); anything in flight was lost.`, 'Reconnect and retry the operation.'),
    });
    if (this.paused) this.ws.resume();
  }

  private end(info: CloseInfo): void {
    if (this.ending) return;
    this.ending = info;
    if (this.keepalive) clearInterval(this.keepalive);
    this.rejectReady(info.error ?? new TransportError('closed', 'The channel closed before the server accepted it.'));
    this.wakeSenders();
    this.maybeEmitClose();
  }

  private maybeEmitClose(): void {
    if (!this.ending || this.emittedClose) return;
    // Messages that arrived whole before the end are still delivered, then 'close'.
    if (this.handler && (this.queue.length > 0 || this.delivering)) return;
    this.emittedClose = true;
    this.resolveClosed(this.ending);
    this.emit('close', this.ending);
  }
}

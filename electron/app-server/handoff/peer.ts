// The channel between the source's and the destination's app-servers, as the coordinator sees
// it: one typed request, one typed response, optional binary payload (part bytes). Production
// runs it over the secure channel (framing below); tests run it over an in-process pair that can
// be cut at any message to inject faults. Both sides validate every message with the schemas
// of shared/contracts/handoff.ts, whatever carries it.
import { PeerRequest, PeerResponse, type HandoffError, type HandoffErrorCode } from '../../../shared/contracts/handoff';

export type PeerHandler = (req: PeerRequest, payload: Uint8Array | undefined) => Promise<PeerResponse>;

export interface PeerLink {
  /** Sends one request and resolves with its response; rejects with PeerUnavailableError when the channel is down. */
  send(req: PeerRequest, payload?: Uint8Array): Promise<PeerResponse>;
}

const replyType = {
  describe: 'description',
  probe: 'haves',
  prestage: 'prestaged',
  offer: 'resume',
  part: 'part-ack',
  stage: 'staged-ack',
  commit: 'applied-ack',
  abort: 'abort-ack',
  query: 'phase',
} as const satisfies Record<PeerRequest['type'], PeerResponse['type']>;

export type ReplyTo<T extends PeerRequest['type']> = Extract<PeerResponse, { type: (typeof replyType)[T] }>;

/** The other host cannot be reached now (connection cut, host down). Retry or recover; never guess. */
export class PeerUnavailableError extends Error {
  constructor(readonly host: string, detail: string, message?: string) {
    super(message ?? `Host "${host}" cannot be reached (${detail}).`);
    this.name = 'PeerUnavailableError';
  }
}

/** A handoff refused or failed with a stable code; `hint` says what to do. */
export class HandoffFailure extends Error {
  constructor(
    readonly code: HandoffErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'HandoffFailure';
  }

  toJSON(): HandoffError {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

/** Sends `req` and returns the response of the type that answers it; a peer's error becomes a HandoffFailure. */
export async function call<R extends PeerRequest>(link: PeerLink, req: R, payload?: Uint8Array): Promise<ReplyTo<R['type']>> {
  const res = PeerResponse.parse(await link.send(PeerRequest.parse(req), payload));
  // A relay that cannot reach the host answers for it: the host is unreachable, not refusing.
  if (res.type === 'error' && res.error.code === 'peer-unreachable') throw new PeerUnavailableError('', 'through a relay', res.error.message);
  if (res.type === 'error') throw new HandoffFailure(res.error.code, res.error.message, res.error.hint);
  if (res.type !== replyType[req.type]) {
    throw new HandoffFailure('transfer-failed', `The other host answered "${req.type}" with "${res.type}".`, 'Both hosts must run the same Baton version.');
  }
  return res as ReplyTo<R['type']>;
}

/** Turns anything a handler throws into a `{type: 'error'}` response, so a peer never sees a stack. */
export function errorResponse(op: string | undefined, e: unknown): PeerResponse {
  const error: HandoffError =
    e instanceof HandoffFailure
      ? e.toJSON()
      : { code: 'transfer-failed', message: e instanceof Error ? e.message : String(e), hint: (e as { hint?: string }).hint };
  return { type: 'error', ...(op ? { op } : {}), error };
}

// ---------------------------------------------------------------------------------------------
// In-process pair (tests, and This computer ⇄ an embedded server in one process)

export type FaultPoint = 'before-delivery' | 'after-handling';
/** Called around each message; throw (or return true) to cut the channel at that point. */
export type FaultHook = (req: PeerRequest, point: FaultPoint, payloadBytes: number) => boolean | void;

/**
 * A link to a handler in the same process. `target()` returning null means the other host is
 * down; messages go through the schemas and payloads are copied, exactly as if they had crossed
 * a wire. `fault` cuts the channel before a request is delivered or after it was handled (the
 * response is lost): the two ways a real connection drop looks to the sender.
 */
export class InProcessLink implements PeerLink {
  constructor(
    private readonly host: string,
    private readonly target: () => PeerHandler | null,
    public fault?: FaultHook,
  ) {}

  async send(req: PeerRequest, payload?: Uint8Array): Promise<PeerResponse> {
    const wireReq = PeerRequest.parse(JSON.parse(JSON.stringify(req)));
    const bytes = payload ? Uint8Array.from(payload) : undefined;
    if (this.fault?.(wireReq, 'before-delivery', bytes?.length ?? 0)) throw new PeerUnavailableError(this.host, 'connection cut');
    const handler = this.target();
    if (!handler) throw new PeerUnavailableError(this.host, 'not connected');
    const res = await handler(wireReq, bytes);
    if (this.fault?.(wireReq, 'after-handling', bytes?.length ?? 0)) throw new PeerUnavailableError(this.host, 'connection cut before the answer arrived');
    return PeerResponse.parse(JSON.parse(JSON.stringify(res)));
  }
}

// ---------------------------------------------------------------------------------------------
// Framing for a byte channel (the secure channel carries one frame per application message)
//
//   u32 BE  length of the JSON header in bytes
//   JSON    {"id": <u32>, "kind": "req" | "res", "to"?: <host id>, "body": PeerRequest | PeerResponse}
//   bytes   payload (part bytes), to the end of the frame
//
// `to` names the final host when the frame goes through a relay (the desktop between two
// remote hosts); a relay forwards the request there and returns the answer as its own.

export interface PeerFrame {
  id: number;
  kind: 'req' | 'res';
  to?: string;
  body: unknown;
  payload?: Uint8Array;
}

export function encodeFrame(f: PeerFrame): Buffer {
  const header = Buffer.from(JSON.stringify({ id: f.id, kind: f.kind, ...(f.to ? { to: f.to } : {}), body: f.body }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([len, header, f.payload ? Buffer.from(f.payload) : Buffer.alloc(0)]);
}

export function decodeFrame(buf: Uint8Array): PeerFrame {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 4) throw new Error('peer frame shorter than its length prefix');
  const n = b.readUInt32BE(0);
  if (4 + n > b.length) throw new Error('peer frame header runs past the frame');
  const head = JSON.parse(b.toString('utf8', 4, 4 + n)) as { id: unknown; kind: unknown; to?: unknown; body: unknown };
  if (typeof head.id !== 'number' || (head.kind !== 'req' && head.kind !== 'res') || (head.to !== undefined && typeof head.to !== 'string')) {
    throw new Error('peer frame header is malformed');
  }
  const payload = b.length > 4 + n ? Uint8Array.from(b.subarray(4 + n)) : undefined;
  return { id: head.id, kind: head.kind, ...(head.to ? { to: head.to } : {}), body: head.body, payload };
}

/**
 * A PeerLink over any message channel (the secure channel's `send(bytes)` and message events).
 * Requests are matched to responses by id; when the channel closes, every pending request
 * rejects with PeerUnavailableError. Incoming requests go to `handler` (both hosts serve).
 */
export class FramedPeerLink implements PeerLink {
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: PeerResponse) => void; reject: (e: Error) => void }>();
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly sendBytes: (b: Buffer) => void,
    private readonly handler: PeerHandler | null,
    private readonly opts: {
      /** As a relay: the link to a host named by a request's `to` (null: not connected). */
      route?: (to: string) => PeerLink | null;
    } = {},
  ) {}

  send(req: PeerRequest, payload?: Uint8Array): Promise<PeerResponse> {
    return this.sendTo(undefined, req, payload);
  }

  /** A link to `host` behind the relay at the other end of this channel (same channel, requests carry `to`). */
  via(host: string): PeerLink {
    return { send: (req, payload) => this.sendTo(host, req, payload) };
  }

  private sendTo(to: string | undefined, req: PeerRequest, payload?: Uint8Array): Promise<PeerResponse> {
    if (this.closed) return Promise.reject(new PeerUnavailableError(to ?? this.host, 'channel closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.sendBytes(encodeFrame({ id, kind: 'req', to, body: req, payload }));
      } catch (e) {
        this.pending.delete(id);
        reject(new PeerUnavailableError(this.host, e instanceof Error ? e.message : String(e)));
      }
    });
  }

  /** Feed every message received from the channel here. */
  async receive(bytes: Uint8Array): Promise<void> {
    let frame: PeerFrame;
    try {
      frame = decodeFrame(bytes);
    } catch {
      return; // not ours to answer: a malformed frame has no id to reply to
    }
    if (frame.kind === 'res') {
      const p = this.pending.get(frame.id);
      if (!p) return;
      this.pending.delete(frame.id);
      const parsed = PeerResponse.safeParse(frame.body);
      if (parsed.success) p.resolve(parsed.data);
      else p.reject(new HandoffFailure('transfer-failed', `The other host sent an invalid answer: ${parsed.error.issues[0]?.message ?? 'invalid'}.`));
      return;
    }
    let res: PeerResponse;
    const parsed = PeerRequest.safeParse(frame.body);
    if (parsed.success && frame.to && this.opts.route) {
      res = await this.forward(frame.to, parsed.data, frame.payload);
    } else if (!parsed.success || !this.handler) {
      res = errorResponse(undefined, new HandoffFailure('transfer-failed', parsed.success ? 'This host does not accept handoffs.' : `Invalid handoff message: ${parsed.error.issues[0]?.message ?? 'invalid'}.`));
    } else {
      try {
        res = await this.handler(parsed.data, frame.payload);
      } catch (e) {
        res = errorResponse(parsed.data.type === 'describe' ? undefined : parsed.data.op, e);
      }
    }
    if (!this.closed) this.sendBytes(encodeFrame({ id: frame.id, kind: 'res', body: res }));
  }

  private async forward(to: string, req: PeerRequest, payload: Uint8Array | undefined): Promise<PeerResponse> {
    const op = req.type === 'describe' ? undefined : req.op;
    const next = this.opts.route!(to);
    if (!next) return errorResponse(op, new HandoffFailure('peer-unreachable', `Host "${to}" is not connected to the relaying host.`));
    try {
      return await next.send(req, payload);
    } catch (e) {
      if (e instanceof PeerUnavailableError) return errorResponse(op, new HandoffFailure('peer-unreachable', e.message));
      return errorResponse(op, e);
    }
  }

  /** The channel is gone: fail what is pending, refuse what comes. */
  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new PeerUnavailableError(this.host, 'channel closed'));
    this.pending.clear();
  }
}

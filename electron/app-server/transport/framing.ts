// What travels inside each Noise transport message (PROTOCOL.md §4.5), as pure functions:
//   byte 0  type   0x01 DATA, 0x02 CLOSE, 0x03 READY
//   byte 1  flags  0x01 MORE (DATA: more fragments follow), 0x02 REKEY (sender rekeys after this
//                  message), 0x04 TEXT (DATA: the application message is UTF-8 text)
//   rest    body
// An application message is one or more DATA frames; the last has MORE clear.
import { MAX_NOISE_MESSAGE, TAG_LEN } from './cipher-state.js';
import { TransportError } from './errors.js';

export const FRAME_HEADER = 2;
/** Largest body in one frame: 65,535 − 16 (tag) − 2 (header) = 65,517 bytes. */
export const MAX_FRAME_BODY = MAX_NOISE_MESSAGE - TAG_LEN - FRAME_HEADER;

export const FrameType = { DATA: 0x01, CLOSE: 0x02, READY: 0x03 } as const;
export const Flag = { MORE: 0x01, REKEY: 0x02, TEXT: 0x04 } as const;

/** Reasons carried by CLOSE (u16, big-endian), then an optional UTF-8 text. */
export const CloseCode = {
  normal: 0,
  protocol: 1,
  decryptFailed: 2,
  messageTooLarge: 3,
  clientNotAuthorized: 4,
  nonceExhausted: 5,
  goingAway: 6,
} as const;
export const MAX_CLOSE_REASON = 1024;

export type Frame =
  | { type: 'data'; more: boolean; text: boolean; rekey: boolean; body: Buffer }
  | { type: 'close'; rekey: boolean; code: number; reason: string }
  | { type: 'ready'; rekey: boolean };

export function encodeFrame(f: Frame): Buffer {
  const [header, body] = encodeFrameParts(f);
  return Buffer.concat([header, body]);
}

/** The 2-byte header and the body, separately: the channel encrypts them without joining them. */
export function encodeFrameParts(f: Frame): [Buffer, Buffer] {
  let type: number;
  let flags = f.rekey ? Flag.REKEY : 0;
  let body: Buffer;
  switch (f.type) {
    case 'data':
      if (f.body.length > MAX_FRAME_BODY) throw new TransportError('message-too-large', `A frame body is at most ${MAX_FRAME_BODY} bytes.`);
      type = FrameType.DATA;
      flags |= (f.more ? Flag.MORE : 0) | (f.text ? Flag.TEXT : 0);
      body = f.body;
      break;
    case 'close': {
      type = FrameType.CLOSE;
      const reason = Buffer.from(f.reason, 'utf8').subarray(0, MAX_CLOSE_REASON);
      body = Buffer.alloc(2 + reason.length);
      body.writeUInt16BE(f.code, 0);
      reason.copy(body, 2);
      break;
    }
    case 'ready':
      type = FrameType.READY;
      body = Buffer.alloc(0);
      break;
  }
  return [Buffer.from([type, flags]), body];
}

/** Throws a 'protocol' error for anything the format does not allow. */
export function decodeFrame(plain: Buffer): Frame {
  const bad = (why: string) => new TransportError('protocol', `Malformed frame: ${why}.`);
  if (plain.length < FRAME_HEADER) throw bad(`${plain.length} bytes is shorter than the 2-byte header`);
  const [type, flags] = [plain[0], plain[1]];
  const rekey = (flags & Flag.REKEY) !== 0;
  const body = plain.subarray(FRAME_HEADER);
  switch (type) {
    case FrameType.DATA:
      if (flags & ~(Flag.MORE | Flag.REKEY | Flag.TEXT)) throw bad(`unknown flags 0x${flags.toString(16)}`);
      return { type: 'data', more: (flags & Flag.MORE) !== 0, text: (flags & Flag.TEXT) !== 0, rekey, body };
    case FrameType.CLOSE:
      if (flags & ~Flag.REKEY) throw bad(`unknown flags 0x${flags.toString(16)} on CLOSE`);
      if (body.length < 2 || body.length > 2 + MAX_CLOSE_REASON) throw bad('a CLOSE body is a u16 code and at most 1024 bytes of reason');
      return { type: 'close', rekey, code: body.readUInt16BE(0), reason: body.subarray(2).toString('utf8') };
    case FrameType.READY:
      if (flags & ~Flag.REKEY) throw bad(`unknown flags 0x${flags.toString(16)} on READY`);
      if (body.length !== 0) throw bad('READY has no body');
      return { type: 'ready', rekey };
    default:
      throw bad(`unknown type 0x${type.toString(16)}`);
  }
}

/** Splits an application message into frame bodies; an empty message is one empty frame. */
export function fragment(message: Buffer, maxBody = MAX_FRAME_BODY): Buffer[] {
  if (message.length === 0) return [message];
  const out: Buffer[] = [];
  for (let off = 0; off < message.length; off += maxBody) out.push(message.subarray(off, off + maxBody));
  return out;
}

/**
 * Collects DATA fragments into whole application messages. It hands out a message only when its
 * last fragment arrived, so a connection cut mid-message delivers nothing of it.
 */
export class Reassembler {
  private parts: Buffer[] = [];
  private size = 0;
  private text: boolean | null = null;

  constructor(private readonly maxMessageBytes: number) {}

  /** Bytes of an unfinished message held right now. */
  get pendingBytes(): number {
    return this.size;
  }

  push(f: Extract<Frame, { type: 'data' }>): { data: Buffer; text: boolean } | null {
    if (this.text !== null && this.text !== f.text) throw new TransportError('protocol', 'Malformed frame: TEXT flag changed inside one message.');
    this.size += f.body.length;
    if (this.size > this.maxMessageBytes) {
      throw new TransportError('message-too-large', `An incoming message exceeds the limit of ${this.maxMessageBytes} bytes.`, 'Raise maxMessageBytes on the receiving side, or send smaller messages.');
    }
    this.parts.push(f.body);
    this.text = f.text;
    if (f.more) return null;
    const done = { data: this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size), text: f.text };
    this.reset();
    return done;
  }

  reset(): void {
    this.parts = [];
    this.size = 0;
    this.text = null;
  }
}

import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, fragment, MAX_FRAME_BODY, Reassembler, type Frame } from './framing.js';

describe('encodeFrame / decodeFrame', () => {
  const cases: [string, Frame, string][] = [
    ['final data', { type: 'data', more: false, text: false, rekey: false, body: Buffer.from('hi') }, '01006869'],
    ['more data', { type: 'data', more: true, text: false, rekey: false, body: Buffer.from('hi') }, '01016869'],
    ['text + rekey', { type: 'data', more: false, text: true, rekey: true, body: Buffer.alloc(0) }, '0106'],
    ['close', { type: 'close', rekey: false, code: 0, reason: 'bye' }, '02000000627965'],
    ['ready', { type: 'ready', rekey: false }, '0300'],
  ];
  it.each(cases)('%s is byte-exact and round-trips', (_name, frame, hex) => {
    expect(encodeFrame(frame).toString('hex')).toBe(hex);
    expect(decodeFrame(Buffer.from(hex, 'hex'))).toEqual(frame);
  });

  const bad: [string, string][] = [
    ['empty', ''],
    ['one byte', '01'],
    ['unknown type', '0700'],
    ['unknown data flag', '0108'],
    ['MORE on close', '02010000'],
    ['close without code', '0200'],
    ['ready with body', '030000'],
  ];
  it.each(bad)('rejects %s', (_name, hex) => {
    expect(() => decodeFrame(Buffer.from(hex, 'hex'))).toThrow(expect.objectContaining({ code: 'protocol' }));
  });
});

describe('fragment + Reassembler', () => {
  it.each([0, 1, MAX_FRAME_BODY, MAX_FRAME_BODY + 1, 3 * MAX_FRAME_BODY + 5])('round-trips a %d-byte message', (n) => {
    const msg = Buffer.alloc(n, 0xab);
    const bodies = fragment(msg);
    expect(bodies.length).toBe(Math.max(1, Math.ceil(n / MAX_FRAME_BODY)));
    const r = new Reassembler(1 << 20);
    const out = bodies.map((body, i) => r.push({ type: 'data', more: i < bodies.length - 1, text: false, rekey: false, body }));
    expect(out.slice(0, -1).every((x) => x === null)).toBe(true);
    expect(out.at(-1)!.data.equals(msg)).toBe(true);
  });

  it('refuses a message over the limit while it is still arriving', () => {
    const r = new Reassembler(10);
    r.push({ type: 'data', more: true, text: false, rekey: false, body: Buffer.alloc(6) });
    expect(() => r.push({ type: 'data', more: true, text: false, rekey: false, body: Buffer.alloc(6) })).toThrow(expect.objectContaining({ code: 'message-too-large' }));
  });

  it('refuses a TEXT flag that changes inside a message', () => {
    const r = new Reassembler(100);
    r.push({ type: 'data', more: true, text: true, rekey: false, body: Buffer.from('a') });
    expect(() => r.push({ type: 'data', more: false, text: false, rekey: false, body: Buffer.from('b') })).toThrow(expect.objectContaining({ code: 'protocol' }));
  });
});

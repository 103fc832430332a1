import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerRequest, PeerResponse } from '../../../shared/contracts/handoff';
import { call, decodeFrame, encodeFrame, FramedPeerLink, HandoffFailure, InProcessLink, PeerUnavailableError, type PeerHandler } from './peer';

const op = 'op_12345678';
const echo: PeerHandler = async (req, payload) => {
  if (req.type === 'part') return { type: 'part-ack', op: req.op, name: req.name, offset: req.offset + (payload?.length ?? 0) };
  if (req.type === 'query') return { type: 'phase', op: req.op, side: 'destination', phase: 'staged' };
  if (req.type === 'abort') throw new HandoffFailure('too-late-to-cancel', 'already committed', 'wait for it');
  return { type: 'abort-ack', op: 'op_wrongwrong' };
};

const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** Two FramedPeerLinks over a real loopback TCP connection, frames length-prefixed on the stream. */
async function tcpPair(handler: PeerHandler): Promise<{ client: FramedPeerLink; cut: () => void }> {
  const frameStream = (sock: net.Socket, onFrame: (b: Buffer) => void) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const n = buf.readUInt32BE(0);
        onFrame(buf.subarray(4, 4 + n));
        buf = buf.subarray(4 + n);
      }
    });
  };
  const send = (sock: net.Socket) => (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    sock.write(Buffer.concat([len, b]));
  };
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const c = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const s = await accepted;
  const serverSide = new FramedPeerLink('source', send(s), handler);
  frameStream(s, (b) => void serverSide.receive(b));
  const client = new FramedPeerLink('gpu', send(c), null);
  frameStream(c, (b) => void client.receive(b));
  c.on('close', () => client.close());
  closers.push(() => {
    c.destroy();
    s.destroy();
    server.close();
  });
  return { client, cut: () => c.destroy() };
}

describe('peer links', () => {
  it('carries typed requests, payload bytes and errors over a real socket', async () => {
    const { client } = await tcpPair(echo);
    const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
    expect(await call(client, { type: 'part', op, name: 'pack', offset: 10, length: bytes.length }, bytes)).toEqual({ type: 'part-ack', op, name: 'pack', offset: 300_010 });
    expect((await call(client, { type: 'query', op })).phase).toBe('staged');
    await expect(call(client, { type: 'abort', op, reason: 'x' })).rejects.toMatchObject({ code: 'too-late-to-cancel', hint: 'wait for it' });
    await expect(call(client, { type: 'stage', op })).rejects.toThrow(/answered "stage" with "abort-ack"/);
  });

  it('fails pending requests when the connection is cut, and refuses later ones', async () => {
    let release!: () => void;
    const { client, cut } = await tcpPair(() => new Promise<PeerResponse>((r) => (release = () => r({ type: 'abort-ack', op }))));
    const pending = call(client, { type: 'abort', op, reason: 'x' });
    await new Promise((r) => setTimeout(r, 50));
    cut();
    await expect(pending).rejects.toBeInstanceOf(PeerUnavailableError);
    await expect(call(client, { type: 'query', op })).rejects.toBeInstanceOf(PeerUnavailableError);
    release();
  });

  it('answers a malformed request with an error, not a crash', async () => {
    const answers: Buffer[] = [];
    const link = new FramedPeerLink('x', (b) => answers.push(b), echo);
    await link.receive(encodeFrame({ id: 7, kind: 'req', body: { type: 'part', op: '../../x', name: 'pack', offset: 0, length: 1 } }));
    await link.receive(Buffer.from([1, 2])); // garbage: ignored
    expect(answers).toHaveLength(1);
    const f = decodeFrame(answers[0]!);
    expect(f).toMatchObject({ id: 7, kind: 'res', body: { type: 'error', error: { code: 'transfer-failed' } } });
  });

  it('in-process links validate, copy payloads, and cut where the fault hook says', async () => {
    let down = false;
    const seen: PeerRequest['type'][] = [];
    const link = new InProcessLink('gpu', () => (down ? null : echo), (req, point) => {
      seen.push(req.type);
      return req.type === 'query' && point === 'after-handling';
    });
    const payload = new Uint8Array([1, 2, 3]);
    expect((await call(link, { type: 'part', op, name: 'events', offset: 0, length: 3 }, payload)).offset).toBe(3);
    await expect(call(link, { type: 'query', op })).rejects.toThrow(/before the answer arrived/);
    down = true;
    await expect(call(link, { type: 'stage', op })).rejects.toThrow(/not connected/);
    await expect(call(link, { type: 'part', op: 'bad', name: 'events', offset: 0, length: 0 })).rejects.toThrow();
    expect(seen).toContain('query');
  });
});

describe('relayed peer links', () => {
  it('forwards requests addressed to another host through the relay and answers for a missing one', async () => {
    // gpu ⇄ desktop ⇄ build: gpu's link to "build" runs over its channel to the desktop.
    const seen: string[] = [];
    const buildHandler: PeerHandler = async (req) => {
      seen.push(req.type);
      return { type: 'phase', op: (req as { op: string }).op, side: 'destination', phase: 'applied' };
    };
    // desktop ⇄ build
    let toBuild!: FramedPeerLink;
    const atBuild = new FramedPeerLink('desktop', (b) => void toBuild.receive(b), buildHandler);
    toBuild = new FramedPeerLink('build', (b) => void atBuild.receive(b), null);
    // gpu ⇄ desktop, the desktop routing by `to`
    let desktopSide!: FramedPeerLink;
    const gpuSide = new FramedPeerLink('desktop', (b) => void desktopSide.receive(b), null);
    desktopSide = new FramedPeerLink('gpu', (b) => void gpuSide.receive(b), null, { route: (to) => (to === 'build' ? toBuild : null) });
    const gpuToBuild = gpuSide.via('build');
    expect(await call(gpuToBuild, { type: 'query', op })).toMatchObject({ phase: 'applied' });
    expect(seen).toEqual(['query']);
    await expect(call(gpuSide.via('nowhere'), { type: 'query', op })).rejects.toBeInstanceOf(PeerUnavailableError);
    toBuild.close();
    await expect(call(gpuToBuild, { type: 'query', op })).rejects.toThrow(/cannot be reached|channel closed/);
  });
});

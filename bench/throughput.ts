// Channel throughput (issue 9, item 4): 64 KiB application messages for ~2 s each, sender in this
// process and receiver in another, over loopback — raw WebSocket, Baton's Noise channel, and raw
// WebSocket through an OpenSSH port-forward (`ssh -L`, what one would use without Baton).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { addAuthorizedClient, connectSecure, loadOrCreateIdentity } from '../electron/app-server/transport/index.js';

export const MESSAGE = 64 * 1024;
const IN_FLIGHT = 1024 * 1024; // the raw sender keeps at most this much unflushed, like the channel's high-water mark

interface Sink {
  child: ChildProcess;
  info: { port: number; publicKey?: string; token?: string };
}

export async function startSink(mode: 'raw' | 'noise', home: string): Promise<Sink> {
  // tsx's loader now and then deadlocks while a child starts on this shared machine (the process
  // sleeps on a futex before printing its port): such a start is killed and tried again.
  for (let attempt = 1; ; attempt++) {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'sink.ts'), mode, home], { stdio: ['ignore', 'pipe', 'inherit'] });
    let timer: NodeJS.Timeout | undefined;
    const info = await new Promise<Sink['info'] | null>((resolve, reject) => {
      let out = '';
      timer = setTimeout(() => resolve(null), 30_000);
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!));
      });
      child.once('exit', (code) => reject(new Error(`sink exited ${code}`)));
    }).finally(() => clearTimeout(timer));
    if (info) return { child, info };
    child.kill('SIGKILL');
    if (attempt === 3) throw new Error(`bench/sink.ts ${mode} did not start in 30 s, three times`);
    console.error(`bench: sink ${mode} did not start in 30 s; starting it again`);
  }
}

/** One timed run: MB/s (10^6 bytes) at the receiver, and CPU time (all threads, user + system) per MB on each side. */
export interface Run {
  mbps: number;
  senderCpuMsPerMB: number;
  receiverCpuMsPerMB: number;
}

function runOf(bytes: number, startedAt: number, cpuAtStart: NodeJS.CpuUsage, receiverCpuMicros: number): Run {
  const cpu = process.cpuUsage(cpuAtStart);
  const mb = bytes / 1e6;
  return { mbps: mb / ((performance.now() - startedAt) / 1000), senderCpuMsPerMB: (cpu.user + cpu.system) / 1000 / mb, receiverCpuMsPerMB: receiverCpuMicros / 1000 / mb };
}

/** Raw WebSocket to `port` (the sink's, or a forward's). */
export async function rawThroughput(port: number, seconds: number): Promise<Run> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise<void>((r, j) => (ws.once('open', () => r()), ws.once('error', j)));
  const payload = Buffer.alloc(MESSAGE, 0x5a);
  let unflushed = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < seconds * 1000) {
    if (unflushed > IN_FLIGHT) {
      await new Promise((r) => setImmediate(r));
      continue;
    }
    unflushed += MESSAGE;
    ws.send(payload, { binary: true }, () => (unflushed -= MESSAGE));
    if (++i % 16 === 0) await new Promise((r) => setImmediate(r));
  }
  const reply = new Promise<{ bytes: number; cpuMicros: number }>((r) => ws.once('message', (d: Buffer) => r(JSON.parse(d.toString()))));
  ws.send('end');
  const { bytes, cpuMicros } = await reply;
  const run = runOf(bytes, start, cpu, cpuMicros);
  ws.terminate();
  return run;
}

export async function noiseThroughput(port: number, serverKey: Buffer, token: string, clientHome: string, seconds: number): Promise<Run> {
  const ch = await connectSecure({ home: clientHome, url: `ws://127.0.0.1:${port}`, token, serverKey });
  const payload = Buffer.alloc(MESSAGE, 0x5a);
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) await ch.send(payload);
  const reply = new Promise<{ bytes: number; cpuMicros: number }>((r) => ch.onMessage((m) => r(JSON.parse(m.toString()))));
  await ch.send('end');
  const { bytes, cpuMicros } = await reply;
  const run = runOf(bytes, start, cpu, cpuMicros);
  await ch.close();
  return run;
}

export interface ThroughputResult {
  rawWebSocket: number;
  noiseChannel: number;
  sshForward: number | null;
  /** The same runs with CPU per MB; for `sshForward` the receiver's figure is the sink's alone (not ssh's or sshd's). */
  runs: { rawWebSocket: Run; noiseChannel: Run; sshForward: Run | null };
}

/**
 * `sshForward(remotePort)` opens a forward to the sink and returns the local port and a stop
 * function; null skips that row (no sshd here).
 */
export async function measureThroughput(
  seconds: number,
  sshForward: ((remotePort: number) => Promise<{ port: number; stop(): void }>) | null,
): Promise<ThroughputResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-bench-tp-'));
  const sinks: Sink[] = [];
  try {
    const raw = await startSink('raw', path.join(dir, 'raw'));
    sinks.push(raw);
    const rawWebSocket = await rawThroughput(raw.info.port, seconds);

    const serverHome = path.join(dir, 'server');
    const clientHome = path.join(dir, 'client');
    addAuthorizedClient(serverHome, loadOrCreateIdentity(clientHome).publicKey);
    const noise = await startSink('noise', serverHome);
    sinks.push(noise);
    const noiseChannel = await noiseThroughput(noise.info.port, Buffer.from(noise.info.publicKey!, 'base64'), noise.info.token!, clientHome, seconds);

    // The same raw WebSocket bytes, through SSH's encryption instead of ours.
    let viaSsh: Run | null = null;
    if (sshForward) {
      const fwd = await sshForward(raw.info.port);
      try {
        viaSsh = await rawThroughput(fwd.port, seconds);
      } finally {
        fwd.stop();
      }
    }
    return {
      rawWebSocket: rawWebSocket.mbps,
      noiseChannel: noiseChannel.mbps,
      sshForward: viaSsh?.mbps ?? null,
      runs: { rawWebSocket, noiseChannel, sshForward: viaSsh },
    };
  } finally {
    for (const s of sinks) s.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

// The receiving end of the throughput benchmarks, in its own process (as a real peer would be:
// with sender and receiver in one process, one core would do both the encryption and the
// decryption and the figures would measure that, not the channel).
//   tsx bench/sink.ts raw|noise <home>
// Prints one JSON line {port, publicKey?, token?}; counts received bytes; on the text message
// "end" replies with {"bytes": N, "cpuMicros": M}, M being this process's CPU time (all threads,
// user + system) since the first byte arrived.
import WebSocket, { WebSocketServer } from 'ws';
import { startSecureServer } from '../electron/app-server/transport/index.js';

const [mode, home] = process.argv.slice(2);

/**
 * Counts one connection. Per connection, not per process: the raw sink serves the direct run
 * and then the run through `ssh -L`, and a shared count credited the forward with both.
 */
function counter() {
  let bytes = 0;
  let cpuAtFirst: NodeJS.CpuUsage | null = null;
  return {
    add(n: number) {
      cpuAtFirst ??= process.cpuUsage();
      bytes += n;
    },
    report() {
      const c = process.cpuUsage(cpuAtFirst ?? undefined);
      return JSON.stringify({ bytes, cpuMicros: c.user + c.system });
    },
  };
}

if (mode === 'raw') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 1 << 30 });
  wss.on('connection', (ws: WebSocket) => {
    const count = counter();
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      if (!isBinary && d.toString() === 'end') ws.send(count.report());
      else count.add(d.length);
    });
  });
  wss.once('listening', () => console.log(JSON.stringify({ port: (wss.address() as { port: number }).port })));
} else if (mode === 'noise') {
  const server = await startSecureServer({
    home: home!,
    onChannel: (ch) => {
      const count = counter();
      ch.onMessage((m, isText) => {
        if (isText && m.toString() === 'end') void ch.send(count.report());
        else count.add(m.length);
      });
    },
  });
  console.log(JSON.stringify({ port: server.port, publicKey: server.publicKey.toString('base64'), token: server.token }));
} else {
  console.error('usage: sink.ts raw|noise <home>');
  process.exit(2);
}

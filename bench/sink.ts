// The receiving end of the throughput benchmarks, in its own process (as a real peer would be:
// with sender and receiver in one process, one core would do both the encryption and the
// decryption and the figures would measure that, not the channel).
//   tsx bench/sink.ts raw|noise <home>
// Prints one JSON line {port, publicKey?, token?}; counts received bytes; on the text message
// "end" replies with {"bytes": N}.
import WebSocket, { WebSocketServer } from 'ws';
import { startSecureServer } from '../electron/app-server/transport/index.js';

const [mode, home] = process.argv.slice(2);
let bytes = 0;

if (mode === 'raw') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 1 << 30 });
  wss.on('connection', (ws: WebSocket) =>
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      if (!isBinary && d.toString() === 'end') ws.send(JSON.stringify({ bytes }));
      else bytes += d.length;
    }),
  );
  wss.once('listening', () => console.log(JSON.stringify({ port: (wss.address() as { port: number }).port })));
} else if (mode === 'noise') {
  const server = await startSecureServer({
    home: home!,
    onChannel: (ch) =>
      ch.onMessage((m, isText) => {
        if (isText && m.toString() === 'end') void ch.send(JSON.stringify({ bytes }));
        else bytes += m.length;
      }),
  });
  console.log(JSON.stringify({ port: server.port, publicKey: server.publicKey.toString('base64'), token: server.token }));
} else {
  console.error('usage: sink.ts raw|noise <home>');
  process.exit(2);
}

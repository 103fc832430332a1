// `baton relay --listen HOST:PORT`: the blind forwarder for hosts that cannot be reached
// directly (PROTOCOL.md §4). It pairs a registered server with a client by rendezvous id and
// splices their WebSockets; it only ever sees the id and Noise ciphertext, so running one on a
// machine nobody trusts exposes nothing but traffic volume.
import type { Command } from 'commander';
import { startRelay } from '../../app-server/transport/index';
import { withJson } from '../command';
import { ExitCode, reportError } from '../output';
import { parseListen } from './serve';

const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number`);
  return n;
};

export function registerRelay(program: Command): void {
  withJson(
    program
      .command('relay')
      .description('run a blind relay between Baton servers and clients that cannot reach each other directly')
      .option('--listen <host:port>', 'address to listen on (default 127.0.0.1 and a free port; use 0.0.0.0:PORT to serve others)')
      .option('--max-per-ip <n>', 'open connections per client address (default 32)', positive('--max-per-ip'))
      .option('--idle-timeout <seconds>', 'close a pair idle this long (default 300)', positive('--idle-timeout')),
  ).action(async (opts: { listen?: string; maxPerIp?: number; idleTimeout?: number; json?: boolean }) => {
    const log = (line: string) => process.stderr.write(`${line}\n`);
    try {
      const listen = opts.listen ? parseListen(opts.listen) : { host: '127.0.0.1', port: 0 };
      const relay = await startRelay({
        host: listen.host,
        port: listen.port,
        limits: {
          ...(opts.maxPerIp ? { perIpConnections: opts.maxPerIp } : {}),
          ...(opts.idleTimeout ? { idleTimeoutMs: opts.idleTimeout * 1000 } : {}),
        },
        warn: log,
      });
      if (opts.json) process.stdout.write(JSON.stringify({ url: relay.url, host: relay.host, port: relay.port }) + '\n');
      else log(`baton relay: listening on ${relay.url} (it forwards ciphertext only; servers register with their host id)`);
      await new Promise<void>((resolve) => {
        const stop = () => void relay.close().then(resolve, resolve);
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      process.exitCode = ExitCode.ok;
    } catch (e) {
      process.exitCode = reportError(e, opts);
    }
  });
}

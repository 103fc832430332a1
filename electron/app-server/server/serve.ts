// `baton serve`: the headless app-server of one BATON_HOME. It listens on a loopback WebSocket
// (token only: for CLIs and SSH forwards on this machine), on the secure channel (Noise over
// WebSocket with the same token: for `baton --remote`), and with --stdio also speaks on
// stdin/stdout for the SSH peer that started it. It advertises
// itself in server.json so CLIs on this host use it instead of writing the logs themselves, and
// on SIGTERM/SIGINT or end of stdin closes running turns as interrupted before it exits.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { RpcError } from '../../../shared/rpc/errors';
import { homePaths } from '../storage/home';
import { lineConnection } from '../rpc/stdio';
import { secureChannelConnection } from '../rpc/secureChannel';
import { channelPeer } from '../handoff/channelPeer';
import { handoffServiceOf } from '../handoff/extension';
import { listenWebSocket } from '../rpc/websocket';
import { isAuthorizedClient } from '../transport/key-stores';
import { loadOrCreateIdentity } from '../transport/identity';
import { startSecureServer } from '../transport/server';
import { startAppServer, type AppServerOptions } from './appServer';
import { newToken, readLiveServerInfo, removeServerInfo, writeServerInfo, type ServerInfo } from './serverInfo';
import { SERVER_VERSION } from './version';

export interface ServeOptions extends AppServerOptions {
  host?: string;
  port?: number;
  stdio?: boolean;
  /** The secure channel's address (default 127.0.0.1, a free port). */
  secureHost?: string;
  securePort?: number;
  /** Required with a non-loopback secureHost (and then `token` must be given). */
  allowNonLoopback?: boolean;
  /** Also listen on this Unix socket (mode 0600: the file's permissions are the access control). */
  socketPath?: string;
  /** The bearer token for both listeners; default a fresh one per start. */
  token?: string;
  log: (line: string) => void;
}

export interface RunningServer {
  info: ServerInfo;
  /** Resolves when the server has stopped (signal, end of stdin, or stop()). */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const paths = homePaths(opts.home);
  const other = readLiveServerInfo(paths.serverInfo);
  if (other && other.pid !== process.pid) {
    throw new RpcError('conflict', `A Baton server is already running for ${opts.home} (pid ${other.pid}, ${other.url}).`, 'Use it (the baton CLI does so by itself), stop it, or set BATON_HOME to another directory.');
  }
  const app = await startAppServer(opts);
  if (app.recovered.length) opts.log(`closed ${app.recovered.length} turn(s) left running by a previous process: ${app.recovered.join(', ')}`);
  const token = opts.token ?? newToken();
  const ws = await listenWebSocket({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0, token, onConnection: (c) => app.attach(c) });
  const identity = loadOrCreateIdentity(opts.home);
  let secure;
  try {
    secure = await startSecureServer({
      home: opts.home,
      identity,
      host: opts.secureHost ?? '127.0.0.1',
      port: opts.securePort ?? 0,
      token,
      allowNonLoopback: !!opts.allowNonLoopback,
      // Keys on BATON_HOME/authorized_clients, and this home's own key (a CLI sharing the home holds it).
      authorizeClient: (key) => key.equals(identity.publicKey) || isAuthorizedClient(opts.home, key),
      onChannel: (channel) => {
        // Handoff peer frames ride the same channel as binary messages (no base64).
        const service = handoffServiceOf(app);
        const peer = channelPeer(channel, 'client', service ? service.handle : null);
        app.attach(secureChannelConnection(channel, peer.receive));
      },
      warn: opts.log,
    });
  } catch (e) {
    await ws.close();
    await app.close();
    throw e;
  }
  let unix: net.Server | null = null;
  if (opts.socketPath) {
    try {
      unix = await listenUnix(opts.socketPath, (socket) => app.attach(lineConnection(socket, socket)));
    } catch (e) {
      await secure.close();
      await ws.close();
      await app.close();
      throw e;
    }
  }
  const info: ServerInfo = {
    pid: process.pid,
    port: ws.port,
    url: ws.url,
    version: SERVER_VERSION,
    startedAt: new Date().toISOString(),
    token,
    securePort: secure.port,
    secureUrl: secure.url,
    noisePublicKey: secure.publicKey.toString('base64'),
    fingerprint: secure.fingerprint,
    hostId: secure.hostId,
    ...(opts.socketPath ? { socketPath: opts.socketPath } : {}),
  };
  writeServerInfo(paths.serverInfo, info);
  opts.log(`baton serve: listening on ${ws.url} (loopback, token) and ${secure.url} (secure channel, ${secure.fingerprint}) (BATON_HOME ${opts.home}, pid ${process.pid})`);

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      removeServerInfo(paths.serverInfo);
      await app.close();
      await ws.close();
      await secure.close();
      if (unix) {
        await new Promise<void>((r) => unix!.close(() => r()));
        try {
          unlinkSync(opts.socketPath!);
        } catch {
          // Already gone.
        }
      }
      resolveDone();
    })());

  if (opts.stdio) {
    const conn = lineConnection(process.stdin, process.stdout);
    app.attach(conn);
    conn.onClose(() => void stop());
  }
  return { info, done, stop };
}

/** A Unix socket only this user can open: created under umask 077, so there is no window before a chmod. */
async function listenUnix(file: string, onSocket: (s: net.Socket) => void): Promise<net.Server> {
  try {
    // A socket left by a server that was killed: nothing listens (serve() checked server.json).
    if (lstatSync(file).isSocket()) unlinkSync(file);
  } catch {
    // Nothing there.
  }
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    onSocket(socket);
  });
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => reject(new RpcError('conflict', `Cannot listen on the Unix socket ${file}: ${e.message}.`, 'Choose another path with --socket, or remove the file if no server uses it.')));
      server.listen(file, () => resolve());
    });
  } finally {
    process.umask(old);
  }
  chmodSync(file, 0o600);
  return server;
}

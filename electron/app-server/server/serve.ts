// `baton serve`: the headless app-server of one BATON_HOME. It listens on a loopback WebSocket
// (and, with --stdio, also speaks on stdin/stdout for the SSH peer that started it), advertises
// itself in server.json so CLIs on this host use it instead of writing the logs themselves, and
// on SIGTERM/SIGINT or end of stdin closes running turns as interrupted before it exits.
import { RpcError } from '../../../shared/rpc/errors';
import { homePaths } from '../storage/home';
import { lineConnection } from '../rpc/stdio';
import { listenWebSocket } from '../rpc/websocket';
import { startAppServer, type AppServerOptions } from './appServer';
import { newToken, readLiveServerInfo, removeServerInfo, writeServerInfo, type ServerInfo } from './serverInfo';
import { SERVER_VERSION } from './version';

export interface ServeOptions extends AppServerOptions {
  host?: string;
  port?: number;
  stdio?: boolean;
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
  const token = newToken();
  const ws = await listenWebSocket({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0, token, onConnection: (c) => app.attach(c) });
  const info: ServerInfo = { pid: process.pid, port: ws.port, url: ws.url, version: SERVER_VERSION, startedAt: new Date().toISOString(), token };
  writeServerInfo(paths.serverInfo, info);
  opts.log(`baton serve: listening on ${ws.url} (BATON_HOME ${opts.home}, pid ${process.pid})`);

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      removeServerInfo(paths.serverInfo);
      await app.close();
      await ws.close();
      resolveDone();
    })());

  if (opts.stdio) {
    const conn = lineConnection(process.stdin, process.stdout);
    app.attach(conn);
    conn.onClose(() => void stop());
  }
  return { info, done, stop };
}

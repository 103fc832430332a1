// Every CLI command talks JSON-RPC to an app-server: the running `baton serve` of this
// BATON_HOME when server.json points to a live one (so the CLI never writes logs a server is
// writing), otherwise an app-server embedded in this process for the duration of the call.
import type { PeerLink } from '../app-server/handoff/peer';
import type { MethodTable, Methods, NotificationTable, Notifications } from '../../shared/contracts/rpc';
import { createRpcClient, type RpcClient } from '../../shared/rpc/client';
import { createAgent } from '../app-server/agent/index';
import type { MessageConnection } from '../app-server/rpc/dispatcher';
import { connectionPair } from '../app-server/rpc/stdio';
import { connectWebSocket } from '../app-server/rpc/websocket';
import { startAppServer, type AppServer } from '../app-server/server/appServer';
import { readLiveServerInfo } from '../app-server/server/serverInfo';
import { SERVER_VERSION } from '../app-server/server/version';
import { batonHome, homePaths } from '../app-server/storage/home';
import { CliError } from './output';
import { openRemoteSession } from './remote/open';
import { selectedRemote } from './remote/selection';

/** Which methods a session's client knows: the core API, or that plus another contract's. */
export interface Tables<T extends MethodTable, N extends NotificationTable> {
  methods?: T;
  notifications?: N;
}

export interface Session<T extends MethodTable = Methods, N extends NotificationTable = Notifications> {
  client: RpcClient<T, N>;
  /** `server`: a running baton serve; `embedded`: an app-server inside this process. */
  mode: 'server' | 'embedded';
  home: string;
  /** Resolves if the connection to the server drops before close(). */
  lost: Promise<void>;
  /** Handoff peer messages to that server over the secure channel (binary), when the session has one. */
  peer?: PeerLink;
  close(): Promise<void>;
}

export async function openSession<T extends MethodTable = Methods, N extends NotificationTable = Notifications>(tables: Tables<T, N> = {}): Promise<Session<T, N>> {
  // `baton --remote …`: another host's app-server (or this one's, over the secure channel).
  const remote = selectedRemote();
  if (remote) return openRemoteSession<T, N>(remote, tables);
  const home = batonHome();
  const info = readLiveServerInfo(homePaths(home).serverInfo);
  if (info) {
    let conn: MessageConnection | null = null;
    try {
      conn = await connectWebSocket(info.url, info.token);
    } catch (e) {
      // Nothing listens there: server.json outlived its server and the pid was reused. Then it
      // is safe to work embedded (the thread locks will say so if a live writer remains).
      if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED') {
        throw new CliError(
          `The Baton server for ${home} (pid ${info.pid}) did not accept a connection at ${info.url}: ${(e as Error).message}.`,
          'Restart it with `baton serve`, or stop it to let the CLI work without it.',
        );
      }
    }
    if (conn) {
      const c = conn;
      const session = serverSession(c, tables, home, () => c.close());
      await initialize(session.client);
      return session;
    }
  }
  const app: AppServer = await startAppServer({ home, createAgent: (settings) => createAgent(settings) });
  const [mine, theirs] = connectionPair();
  app.attach(theirs);
  const client = createRpcClient<T, N>((t) => mine.send(t), tables);
  mine.onMessage((t) => client.receive(t));
  await initialize(client);
  return {
    client,
    mode: 'embedded',
    home,
    lost: new Promise<void>(() => undefined), // in-process: it cannot drop
    close: async () => {
      await app.close();
      mine.close();
    },
  };
}

/**
 * A session with a server over a message connection (a local `baton serve`, or a remote one):
 * `lost` resolves when the connection drops before `close()` was asked for.
 */
export function serverSession<T extends MethodTable, N extends NotificationTable>(
  conn: MessageConnection,
  tables: Tables<T, N>,
  home: string,
  closeConnection: () => void | Promise<void>,
): Session<T, N> {
  const client = createRpcClient<T, N>((t) => conn.send(t), tables);
  let closing = false;
  let markLost!: () => void;
  const lost = new Promise<void>((r) => (markLost = r));
  conn.onMessage((t) => client.receive(t));
  conn.onClose(() => {
    client.close('the server closed the connection');
    if (!closing) markLost();
  });
  return {
    client,
    mode: 'server',
    home,
    lost,
    close: async () => {
      closing = true;
      await closeConnection();
    },
  };
}

/** Every table a session uses includes the core methods; the generic cannot say so. */
async function initialize(client: RpcClient<MethodTable, NotificationTable>): Promise<void> {
  await (client as unknown as RpcClient).call('initialize', { clientName: 'baton-cli', clientVersion: SERVER_VERSION });
}

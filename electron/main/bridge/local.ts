// This computer's host link. When a `baton serve` already runs on this BATON_HOME the desktop
// joins it (two writers on one home would fight over thread locks); otherwise the app-server
// runs embedded in this process, connected through an in-process message pair.
import { createAgent } from '../../app-server/agent/index';
import { recoverHandoffs, type HandoffWiring } from '../../app-server/handoff/extension';
import { connectionPair } from '../../app-server/rpc/stdio';
import { connectWebSocket } from '../../app-server/rpc/websocket';
import { startAppServer, type AppServer } from '../../app-server/server/appServer';
import { readLiveServerInfo } from '../../app-server/server/serverInfo';
import { homePaths } from '../../app-server/storage/home';
import { linkOver, type HostLink } from './hostLink';

export interface LocalHost {
  link: HostLink;
  /** `server`: joined a running baton serve; `embedded`: the app-server lives in this process. */
  mode: 'server' | 'embedded';
  /** Embedded only: resolves the handoffs a lost connection left open (once their peer is back). */
  recoverHandoffs?: () => Promise<unknown>;
}

/** `handoff`: the embedded server's coordinator peers (handoffPeersOf(hub)); a joined `baton serve` has its own (none). */
export async function startLocalHost(home: string, handoff?: HandoffWiring): Promise<LocalHost> {
  const info = readLiveServerInfo(homePaths(home).serverInfo);
  if (info) {
    const conn = await connectWebSocket(info.url, info.token);
    return { link: linkOver(conn, async () => conn.close()), mode: 'server' };
  }
  const app: AppServer = await startAppServer({ home, createAgent: (settings) => createAgent(settings), ...(handoff ? { handoff } : {}) });
  const [mine, theirs] = connectionPair();
  app.attach(theirs);
  return {
    link: linkOver(mine, async () => {
      await app.close();
      mine.close();
    }),
    mode: 'embedded',
    recoverHandoffs: () => recoverHandoffs(app),
  };
}

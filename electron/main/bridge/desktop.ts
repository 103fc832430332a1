// Everything behind the bridge, assembled once per app run: the hub with This computer attached
// and the SSH hosts from Settings > Connections. Electron and browser mode both start here.
import path from 'node:path';
import { batonHome } from '../../app-server/storage/home';
import { defaultSshPaths } from '../ssh/config';
import { savedHostsConnections, type ConnectionsPort } from './connections';
import { createDispatcher, type BridgeDispatch } from './dispatch';
import { HostHub } from './hub';
import { startLocalHost } from './local';

export interface Desktop {
  hub: HostHub;
  dispatch: BridgeDispatch;
  home: string;
  close(): Promise<void>;
}

export async function startDesktop(opts: { home?: string; connections?: ConnectionsPort } = {}): Promise<Desktop> {
  const home = path.resolve(opts.home ?? batonHome());
  const ssh = defaultSshPaths();
  const hub = new HostHub(opts.connections ?? savedHostsConnections({ batonHome: home, sshConfig: ssh.sshConfig }));
  const local = await startLocalHost(home);
  await hub.attach('local', local.link);
  return { hub, dispatch: createDispatcher(hub.handlers()), home, close: () => hub.close() };
}

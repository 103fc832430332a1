// A session with an app-server on another host (`baton --remote …`): the secure channel for
// ws:// and wss:// (Noise, bearer token on the upgrade), a 0600 Unix socket, or a saved SSH host
// (bootstrap, then the secure channel through an SSH port-forward, with the server's key pinned
// from its server.json). Every failure becomes one line saying what to do.
import net from 'node:net';
import { PROTOCOL_VERSION, type MethodTable, type Methods, type NotificationTable, type Notifications } from '../../../shared/contracts/rpc';
import type { RpcClient } from '../../../shared/rpc/client';
import { RpcError } from '../../../shared/rpc/errors';
import type { MessageConnection } from '../../app-server/rpc/dispatcher';
import { channelPeer } from '../../app-server/handoff/channelPeer';
import type { PeerLink } from '../../app-server/handoff/peer';
import { secureChannelConnection } from '../../app-server/rpc/secureChannel';
import { lineConnection } from '../../app-server/rpc/stdio';
import { readLiveServerInfo } from '../../app-server/server/serverInfo';
import { SERVER_VERSION } from '../../app-server/server/version';
import { batonHome, homePaths } from '../../app-server/storage/home';
import type { SecureChannel } from '../../app-server/transport/channel';
import { connectSecure } from '../../app-server/transport/client';
import { TransportError } from '../../app-server/transport/errors';
import { fingerprint, loadOrCreateIdentity } from '../../app-server/transport/identity';
import { lookupKnownServer, serverAddressForUrl } from '../../app-server/transport/key-stores';
import { tokenFromEnv } from '../../app-server/transport/token';
import { serverSession, type Session, type Tables } from '../connect';
import { CliError, ExitCode } from '../output';
import type { RemoteSelection } from './selection';
import { parseRemoteTarget, tokenPolicy, type RemoteTarget } from './target';

/** Progress and notices go to stderr: stdout belongs to results (and --json). */
const note = (line: string) => process.stderr.write(`baton: ${line}\n`);

export async function openRemoteSession<T extends MethodTable = Methods, N extends NotificationTable = Notifications>(
  selection: RemoteSelection,
  tables: Tables<T, N> = {},
): Promise<Session<T, N>> {
  const target = parseRemoteTarget(selection.remote);
  if (tokenPolicy(target, !!selection.tokenEnv) === 'refused') {
    throw new CliError(
      `Refusing to send the token from ${selection.tokenEnv} over plain ws:// to ${(target as { host: string }).host}: it would cross the network unencrypted.`,
      'Use wss://, a saved SSH host (`--remote <host-name>`), or an SSH port-forward to 127.0.0.1.',
      ExitCode.refused,
    );
  }
  const home = batonHome();
  const link = await connect(target, selection, home);
  const session: Session<T, N> = { ...serverSession(link.conn, tables, home, () => link.close()), ...(link.peer ? { peer: link.peer } : {}) };
  try {
    await initialize(session.client as unknown as RpcClient, link.label);
  } catch (e) {
    await link.close().catch(() => undefined);
    throw e;
  }
  return session;
}

interface Link {
  conn: MessageConnection;
  /** Handoff peer messages to that server as binary messages of the secure channel. */
  peer?: PeerLink;
  label: string;
  close(): Promise<void>;
}

async function connect(target: RemoteTarget, selection: RemoteSelection, home: string): Promise<Link> {
  switch (target.kind) {
    case 'unix':
      return connectUnix(target.path);
    case 'url':
      return connectUrl(target, selection, home);
    case 'host':
      return connectSavedHost(target.name, home);
  }
}

async function initialize(client: RpcClient, label: string): Promise<void> {
  let r;
  try {
    r = await client.call('initialize', { clientName: 'baton-cli', clientVersion: SERVER_VERSION, protocolVersion: PROTOCOL_VERSION });
  } catch (e) {
    if (e instanceof RpcError) throw e;
    throw new CliError(`The server at ${label} closed the connection before answering: ${(e as Error).message}.`, 'Check that it is a Baton server of the same version (`baton --version` on both sides).');
  }
  if (r.protocolVersion !== PROTOCOL_VERSION) {
    throw new CliError(
      `The Baton server at ${label} (version ${r.serverVersion}) speaks protocol ${r.protocolVersion}; this baton (${SERVER_VERSION}) speaks ${PROTOCOL_VERSION}.`,
      'Install the same Baton version on both sides (a saved SSH host is updated automatically on connect).',
    );
  }
}

function connectUnix(path: string): Promise<Link> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(path);
    sock.once('connect', () => {
      sock.removeAllListeners('error');
      sock.on('error', () => sock.destroy());
      const conn = lineConnection(sock, sock);
      resolve({ conn, label: `unix://${path}`, close: async () => conn.close() });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') reject(new CliError(`No Baton server listens on the Unix socket ${path}.`, `Start one with \`baton serve --socket ${path}\`.`));
      else if (e.code === 'EACCES') reject(new CliError(`Permission denied opening ${path}.`, 'The socket belongs to another user: run baton as that user.', ExitCode.refused));
      else reject(new CliError(`Could not connect to ${path}: ${e.message}.`, 'Check the path of the server socket.'));
    });
  });
}

/** The server of this BATON_HOME, when the URL points at its secure port: its token and pinned key. */
function localServerFor(home: string, target: Extract<RemoteTarget, { kind: 'url' }>) {
  if (!target.loopback || target.secure) return null;
  const info = readLiveServerInfo(homePaths(home).serverInfo);
  if (!info || info.securePort !== target.port) return null;
  return info;
}

async function connectUrl(target: Extract<RemoteTarget, { kind: 'url' }>, selection: RemoteSelection, home: string): Promise<Link> {
  const local = localServerFor(home, target);
  let token: string | undefined;
  try {
    token = selection.tokenEnv ? tokenFromEnv(selection.tokenEnv) : local?.token;
  } catch (e) {
    throw new CliError((e as Error).message, `Export ${selection.tokenEnv}=<the token from the server's server.json> before running baton.`, ExitCode.usage);
  }
  if (!token) {
    throw new CliError(`No bearer token for ${target.url}.`, "Put the server's token (the `token` field of its BATON_HOME/server.json) in an environment variable and pass --remote-auth-token-env VAR.", ExitCode.usage);
  }
  const serverKey = local?.noisePublicKey ? Buffer.from(local.noisePublicKey, 'base64') : undefined;
  const address = serverAddressForUrl(target.url);
  const firstContact = !serverKey && !lookupKnownServer(home, address);
  const channel = await connectSecure({ home, url: target.url, token, ...(serverKey ? { serverKey } : {}) }).catch((e: unknown) => {
    throw transportToCli(e, target.url, home, selection.tokenEnv);
  });
  if (firstContact) note(`first contact with ${address}: its key ${fingerprint(channel.remoteStatic)} is now pinned in ${home}/known_servers.`);
  const peer = channelPeer(channel, target.url, null);
  const conn = secureChannelConnection(channel, peer.receive);
  return { conn, peer: peer.link, label: target.url, close: () => closeChannel(channel) };
}

/**
 * A clean end (authenticated CLOSE), but bounded: a busy or vanished server must not keep the
 * CLI alive for the WebSocket's own 30-second closing timeout.
 */
async function closeChannel(channel: SecureChannel): Promise<void> {
  await channel.close().catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([channel.closed.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 2000)))]);
  clearTimeout(timer);
  if (!ended) channel.destroy();
}

export function transportToCli(e: unknown, url: string, home: string, tokenEnv: string | undefined): Error {
  if (!(e instanceof TransportError)) return e as Error;
  switch (e.code) {
    case 'unauthorized':
      return new CliError(`The server at ${url} refused the bearer token (401).`, tokenEnv ? `${tokenEnv} must hold the \`token\` from that server's server.json (it changes on each start unless the server uses --auth-token-env).` : 'Pass the right token with --remote-auth-token-env VAR.');
    case 'client-not-authorized': {
      const key = loadOrCreateIdentity(home).publicKey.toString('base64');
      return new CliError(`The server at ${url} does not admit this client's key.`, `On the server, run: baton identity authorize ${key}`, ExitCode.refused);
    }
    case 'host-key-changed':
    case 'insecure-url':
      return new CliError(e.message, e.hint, ExitCode.refused);
    case 'handshake-failed':
      if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(e.message)) {
        return new CliError(`No Baton server answers at ${url}.`, 'Start it there with `baton serve` and use the secureUrl from its server.json (or a saved host name).');
      }
      return new CliError(`The secure handshake with ${url} failed: ${e.message}`, e.hint || 'Check that the address is the secure port of a Baton server of the same version.');
    default:
      return new CliError(e.message, e.hint);
  }
}

async function connectSavedHost(name: string, home: string): Promise<Link> {
  // Loaded only for saved hosts: ssh2 is heavy, and most commands never need it.
  const ssh = await import('../../main/ssh/index');
  const identity = loadOrCreateIdentity(home);
  const paths = { ...ssh.defaultSshPaths(), batonHome: home };
  let session;
  try {
    session = await ssh.openRemoteHost(name, {
      paths,
      // Scripted stdin is the script: an SSH question must not eat its lines.
      prompter: process.stdin.isTTY ? ssh.terminalPrompter() : ssh.refusingPrompter,
      bundlePath: ssh.defaultServerBundle(),
      clientPublicKey: identity.publicKey,
      onProgress: (_step, detail) => note(`${name}: ${detail}`),
    });
  } catch (e) {
    if (e instanceof ssh.SshError) throw new CliError(e.message, e.hint);
    throw e;
  }
  const opened = session;
  let link;
  try {
    link = await ssh.openSecureLink(opened, home, name, SERVER_VERSION);
  } catch (e) {
    await opened.close().catch(() => undefined);
    if (e instanceof ssh.SshError) throw new CliError(e.message, e.hint);
    throw transportToCli(e, `${name} (over SSH)`, home, undefined);
  }
  const { channel, closeForward } = link;
  const closeAll = async () => {
    await closeForward().catch(() => undefined);
    await opened.close().catch(() => undefined);
  };
  const ch = channel;
  const peer = channelPeer(ch, name, null);
  return {
    conn: secureChannelConnection(ch, peer.receive),
    peer: peer.link,
    label: `${name} (over SSH)`,
    close: async () => {
      await closeChannel(ch);
      await closeAll();
    },
  };
}

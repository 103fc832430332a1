// A saved host, end to end: connect (re-resolving ~/.ssh/config), bootstrap the app-server,
// and expose it on a stable local port that follows reconnects. This is what the desktop's
// host hub and the CLI (`baton host test|stop`, `baton --remote`) call.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { HostStatus, SavedHost, ServerInfo } from '../../../shared/contracts/hosts.js';
import type { BackoffPolicy } from '../../../shared/ssh/backoff.js';
import type { NodeCandidate } from '../../../shared/ssh/node-probe.js';
import { bootstrapRemote, type BootstrapOptions } from './bootstrap/bootstrap.js';
import { startLocalForward, type LocalForward } from './bootstrap/forward.js';
import { describeBundle } from './bootstrap/install.js';
import { authorizeClientOnHost, readServerNoiseKey } from './bootstrap/pin.js';
import { stopRemoteServer } from './bootstrap/start.js';
import { localResolveEnv, type ResolveEnv, type SshPaths } from './config.js';
import { SshError } from './errors.js';
import { getHost, resolveSavedTarget } from './hosts-store.js';
import { fingerprintSha256 } from './known-hosts.js';
import { HostConnection } from './manager.js';
import type { SshPrompter } from './prompter.js';

export interface RemoteHostDeps {
  paths: SshPaths;
  prompter: SshPrompter;
  /** The server bundle to install (dist/baton.cjs); see defaultServerBundle(). */
  bundlePath: string;
  resolveEnv?: ResolveEnv;
  /** Default SSH_AUTH_SOCK; null: no agent. */
  agentSocket?: string | null;
  /** This desktop's Noise public key, written to the host's authorized_clients. */
  clientPublicKey?: Buffer;
  probePaths?: string[];
  loginShellFallback?: boolean;
  backoff?: BackoffPolicy;
  onStatus?: (s: HostStatus) => void;
  onProgress?: BootstrapOptions['onProgress'];
}

/** Where the server bundle is: BATON_SERVER_BUNDLE, else next to the running `baton`, else ./dist. */
export function defaultServerBundle(env: NodeJS.ProcessEnv = process.env, argv1: string | undefined = process.argv[1]): string {
  const candidates = [
    env.BATON_SERVER_BUNDLE,
    argv1 && path.basename(argv1) === 'baton.cjs' ? path.resolve(path.dirname(argv1), '..', 'dist', 'baton.cjs') : undefined,
    argv1 && path.basename(argv1) === 'baton.cjs' ? path.resolve(argv1) : undefined,
    path.resolve('dist', 'baton.cjs'),
  ].filter((c): c is string => !!c);
  return candidates.find((c) => existsSync(c)) ?? candidates[candidates.length - 1]!;
}

function requireHost(batonHome: string, name: string): SavedHost {
  const host = getHost(batonHome, name);
  if (!host) throw new SshError('config', `There is no saved host named "${name}".`, `Add it with \`baton host add ${name} <ssh-config-alias or user@host[:port]>\`.`);
  return host;
}

function connectionFor(host: SavedHost, deps: RemoteHostDeps): HostConnection {
  const env = deps.resolveEnv ?? localResolveEnv();
  const hc = new HostConnection({
    label: host.name,
    resolve: () => resolveSavedTarget(host.target, deps.paths.sshConfig, env),
    prompter: deps.prompter,
    knownHosts: { user: [deps.paths.knownHosts], baton: path.join(deps.paths.batonHome, 'known_hosts') },
    ...(deps.agentSocket !== undefined ? { agentSocket: deps.agentSocket } : {}),
    ...(deps.backoff ? { backoff: deps.backoff } : {}),
  });
  if (deps.onStatus) hc.on('status', deps.onStatus);
  return hc;
}

export interface RemoteHostSession {
  host: SavedHost;
  connection: HostConnection;
  /** The latest server.json (re-read after each reconnect). */
  info: ServerInfo;
  node: NodeCandidate;
  hostKeyFingerprint: string;
  /** ws://127.0.0.1:<local port>: the remote server through the SSH forward; stable across reconnects. */
  localUrl: string;
  forward: LocalForward;
  close(): Promise<void>;
}

async function bootstrapOn(hc: HostConnection, host: SavedHost, deps: RemoteHostDeps) {
  const conn = hc.connection;
  if (!conn) throw new SshError('disconnected', `Lost the connection to ${host.name} during setup.`, 'Try again.');
  const bundle = describeBundle(deps.bundlePath);
  const boot = await bootstrapRemote(conn.client, {
    label: host.name, bundle,
    ...(deps.probePaths ? { probePaths: deps.probePaths } : {}),
    ...(deps.loginShellFallback !== undefined ? { loginShellFallback: deps.loginShellFallback } : {}),
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
  });
  if (deps.clientPublicKey) await authorizeClientOnHost(conn.client, deps.clientPublicKey, `baton-desktop@${deps.resolveEnv?.localUser ?? localResolveEnv().localUser}`, host.name);
  return boot;
}

/** Connects to a saved host, starts or reuses its server, and forwards a local port to it. */
export async function openRemoteHost(name: string, deps: RemoteHostDeps): Promise<RemoteHostSession> {
  const host = requireHost(deps.paths.batonHome, name);
  const hc = connectionFor(host, deps);
  const conn = await hc.start();
  let boot;
  try {
    boot = await bootstrapOn(hc, host, deps);
  } catch (e) {
    hc.stop();
    throw e;
  }
  const session: RemoteHostSession = {
    host, connection: hc, info: boot.info, node: boot.node, hostKeyFingerprint: conn.hostKeyFingerprint,
    localUrl: '', forward: undefined as unknown as LocalForward,
    close: async () => {
      hc.stop();
      await session.forward.close();
    },
  };
  // After a reconnect the server is normally still running (it outlives SSH); bootstrapping
  // again reuses it, or restarts it if it died meanwhile, and the forward follows its port.
  hc.on('connected', (c) => {
    session.hostKeyFingerprint = c.hostKeyFingerprint;
    bootstrapOn(hc, host, deps).then(
      (b) => { session.info = b.info; session.node = b.node; },
      (e: unknown) => {
        const err = e instanceof SshError ? e : new SshError('server-start-failed', (e as Error).message);
        deps.onStatus?.({ state: 'error', error: err.toInfo() });
      },
    );
  });
  session.forward = await startLocalForward(() => hc.connection?.client, () => session.info.port);
  session.localUrl = `ws://127.0.0.1:${session.forward.port}`;
  return session;
}

export interface HostTestReport {
  name: string;
  target: string;
  /** user@host:port actually reached, and the jump hosts on the way. */
  endpoint: string;
  via: string[];
  hostKeyFingerprint: string;
  node: NodeCandidate;
  server: { version?: string | undefined; pid: number; port: number; installed: boolean; started: boolean };
  /** Noise fingerprints (SHA256:…): the server's from server.json when it publishes one, and this desktop's. */
  noise: { server?: string; client?: string };
}

/** `baton host test <name>`: connect, bootstrap, report; leaves the server running. */
export async function testHost(name: string, deps: RemoteHostDeps): Promise<HostTestReport> {
  const host = requireHost(deps.paths.batonHome, name);
  const hc = connectionFor(host, deps);
  try {
    const conn = await hc.start();
    const opts = resolveSavedTarget(host.target, deps.paths.sshConfig, deps.resolveEnv ?? localResolveEnv());
    const bundle = describeBundle(deps.bundlePath);
    const boot = await bootstrapOn(hc, host, deps);
    const serverKey = await readServerNoiseKey(conn.client, boot.node.path, boot.info);
    return {
      name: host.name,
      target: host.target,
      endpoint: `${opts.user}@${opts.hostName}:${opts.port}`,
      via: opts.proxyJump.map((h) => `${h.user}@${h.hostName}:${h.port}`),
      hostKeyFingerprint: conn.hostKeyFingerprint,
      node: boot.node,
      server: { version: boot.info.version ?? bundle.version, pid: boot.info.pid, port: boot.info.port, installed: boot.installed, started: boot.started },
      noise: {
        ...(serverKey ? { server: fingerprintSha256(serverKey) } : {}),
        ...(deps.clientPublicKey ? { client: fingerprintSha256(deps.clientPublicKey) } : {}),
      },
    };
  } finally {
    hc.stop();
  }
}

/** `baton host stop <name>`: stops the host's server cleanly. Returns its pid, or null if none ran. */
export async function stopHost(name: string, deps: Omit<RemoteHostDeps, 'bundlePath'>): Promise<number | null> {
  const host = requireHost(deps.paths.batonHome, name);
  const hc = connectionFor(host, { ...deps, bundlePath: '' });
  try {
    const conn = await hc.start();
    return await stopRemoteServer(conn.client);
  } finally {
    hc.stop();
  }
}

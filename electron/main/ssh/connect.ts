// Opening an authenticated SSH connection like `ssh` would: through each ProxyJump hop in turn
// (the previous hop's direct-tcpip channel is the next connection's socket), with every hop's
// host key checked against known_hosts before any credential is sent, and the user asked —
// through the prompter — only for what OpenSSH would ask.
import { Client, type Algorithms, type ServerHostKeyAlgorithm } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { ResolvedSshOptions, SshEndpoint } from '../../../shared/contracts/hosts.js';
import { knownHostsName } from '../../../shared/ssh/target.js';
import { makeAuthHandler } from './auth.js';
import { SshError } from './errors.js';
import {
  appendKnownHost, changedKeyWarning, checkHostKey, fingerprintSha256, keyTypeOf, knownKeyTypes, readKnownHostsFiles,
} from './known-hosts.js';
import type { SshPrompter } from './prompter.js';

export interface KnownHostsFiles {
  /** Read only: ~/.ssh/known_hosts (and any others the user keeps). */
  user: string[];
  /** Baton's own file (BATON_HOME/known_hosts): read, and where accepted keys are appended. */
  baton: string;
}

export interface ConnectInput {
  options: ResolvedSshOptions;
  /** The saved host's name or the target: used in messages and prompts. */
  label: string;
  prompter: SshPrompter;
  knownHosts: KnownHostsFiles;
  /** Default: process.env.SSH_AUTH_SOCK. Pass null for no agent. */
  agentSocket?: string | null;
  /** Time for TCP + handshake + authentication, not counting time spent waiting on the user. */
  timeoutMs?: number;
}

export interface SshConnection {
  client: Client;
  /** SHA256 fingerprint of the destination's host key. */
  hostKeyFingerprint: string;
  /** Resolves when the destination connection (or any hop under it) closes. */
  closed: Promise<void>;
  close(): void;
}

type HopInput = SshEndpoint & { identityFiles: string[]; identitiesOnly: boolean };

function serverHostKeyPreference(types: string[]): Algorithms | undefined {
  // Ask the server for a key type we already know, as OpenSSH does; otherwise a host whose
  // ed25519 key is on file could present RSA and look "unknown".
  const algos: ServerHostKeyAlgorithm[] = [];
  for (const t of types) {
    if (t === 'ssh-rsa') algos.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else if (['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'].includes(t)) algos.push(t as ServerHostKeyAlgorithm);
  }
  if (!algos.length) return undefined;
  return { serverHostKey: { remove: algos, prepend: algos } as unknown as Algorithms['serverHostKey'] };
}

function describeNetError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'host name not found';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'no route to host';
    case 'ETIMEDOUT': return 'timed out';
    case 'ECONNRESET': return 'connection reset';
    default: return e.message;
  }
}

/** One SSH connection to one endpoint, over a fresh TCP socket or over `sock` (a jump channel). */
async function connectEndpoint(hop: HopInput, input: ConnectInput, sock: Duplex | undefined, isDestination: boolean): Promise<{ client: Client; fingerprint: string }> {
  const where = `${hop.user}@${hop.hostName}:${hop.port}`;
  const label = isDestination ? input.label : `${input.label} (jump host ${hop.hostName})`;
  const name = knownHostsName(hop.hostName, hop.port);
  const files = [...input.knownHosts.user, input.knownHosts.baton];
  const entries = readKnownHostsFiles(files);
  const timeoutMs = input.timeoutMs ?? 20_000;
  const agentSocket = input.agentSocket === undefined ? process.env.SSH_AUTH_SOCK : input.agentSocket ?? undefined;

  const algorithms = serverHostKeyPreference(knownKeyTypes(entries, name));
  const client = new Client();
  return new Promise((resolve, reject) => {
    let settled = false;
    let hostKeyError: SshError | undefined;
    let fingerprint = '';
    let tcpUp = !!sock;
    let timer: NodeJS.Timeout | undefined;
    const armTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        fail(tcpUp
          ? new SshError('timeout', `${where} accepted the connection but SSH did not finish within ${Math.round(timeoutMs / 1000)} s.`, 'Check that an SSH server is listening on that port and that the host is not overloaded.')
          : new SshError('unreachable', `Could not reach ${where} within ${Math.round(timeoutMs / 1000)} s.`, 'Check the host name, port and network (VPN, firewall).'));
      }, timeoutMs);
    };
    const pauseTimer = () => clearTimeout(timer);
    const fail = (e: SshError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      client.destroy();
      reject(e);
    };

    const { handler, notes } = makeAuthHandler({
      user: hop.user, label, identityFiles: hop.identityFiles, identitiesOnly: hop.identitiesOnly, agentSocket,
      prompter: input.prompter, onPromptStart: pauseTimer, onPromptEnd: armTimer,
    });

    client.on('connect', () => {
      tcpUp = true;
      // Small request/answer messages (JSON-RPC, handoff steps) must not wait for Nagle's
      // algorithm to meet the peer's delayed ACK: that costs ~40 ms per round trip (OpenSSH sets it too).
      client.setNoDelay(true);
    });
    client.on('ready', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ client, fingerprint });
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (settled) return;
      if (hostKeyError) return fail(hostKeyError);
      if (err.level === 'client-authentication') {
        if (notes.badPassphrase.length) {
          return fail(new SshError('bad-passphrase', `Wrong passphrase for ${notes.badPassphrase.join(', ')}; ${where} refused the other methods.`, 'Type the passphrase again, or add the key to ssh-agent with `ssh-add`.'));
        }
        const tried = notes.tried.length ? notes.tried.join(', ') : 'nothing (no agent, no identity files found)';
        const extra = notes.unreadableKeys.length ? ` Unusable keys: ${notes.unreadableKeys.join('; ')}.` : '';
        return fail(new SshError('auth-failed', `${where} refused every authentication method (tried ${tried}).${notes.cancelled ? ' A prompt was cancelled.' : ''}${extra}`,
          `Check the user name, add your key to ssh-agent (\`ssh-add\`) or set IdentityFile for this host in ~/.ssh/config, and check that \`ssh ${where.replace(/:\d+$/, '')} -p ${hop.port}\` works.`));
      }
      if (err.code && /^E[A-Z]+$/.test(err.code)) {
        const code = tcpUp ? 'disconnected' : 'unreachable';
        return fail(new SshError(code, `Could not ${tcpUp ? 'talk to' : 'reach'} ${where}: ${describeNetError(err)}.`,
          tcpUp ? 'The connection was cut during the handshake; try again.' : 'Check the host name and port, that sshd is running there, and your network (VPN, firewall).'));
      }
      return fail(new SshError('disconnected', `SSH to ${where} failed: ${err.message}`, 'Try again; if it persists, check `ssh -v` to the same host.'));
    });
    client.on('close', () => {
      if (!settled) fail(hostKeyError ?? new SshError(tcpUp ? 'disconnected' : 'unreachable', `${where} closed the connection before SSH was ready.`, 'Check that an SSH server (not another service) listens on that port.'));
    });

    armTimer();
    try {
      client.connect({
        ...(sock ? { sock } : { host: hop.hostName, port: hop.port }),
        username: hop.user,
        readyTimeout: 0, // our own timer, paused while the user answers a prompt
        keepaliveInterval: input.options.serverAliveInterval * 1000,
        keepaliveCountMax: input.options.serverAliveCountMax,
        ...(algorithms ? { algorithms } : {}),
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          fingerprint = fingerprintSha256(key);
          const check = checkHostKey(entries, name, key);
          if (check.kind === 'known') return verify(true);
          if (check.kind === 'changed') {
            hostKeyError = new SshError('host-key-changed', `Host ${label} changed its host key (${fingerprint}).\n${changedKeyWarning(name, key, check.entry)}`,
              `If the change is expected, remove the old key with \`ssh-keygen -R '${name}' -f ${check.entry.file}\` and connect again.`);
            return verify(false);
          }
          if (check.kind === 'revoked') {
            hostKeyError = new SshError('host-key-changed', `Host ${label} presented a REVOKED key (${fingerprint}, ${check.entry.file}:${check.entry.line}).`, 'Do not connect; ask the host\'s administrator.');
            return verify(false);
          }
          pauseTimer();
          input.prompter
            .confirmHostKey({ label, knownHostsName: name, keyType: keyTypeOf(key), fingerprint, otherKnownTypes: check.otherTypes })
            .catch(() => false)
            .then((ok) => {
              if (settled) return;
              armTimer();
              if (!ok) {
                hostKeyError = new SshError('host-key-rejected', `The host key of ${label} (${fingerprint}) was not accepted; nothing was sent to it.`, 'Compare the fingerprint with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the host, then accept it.');
                return verify(false);
              }
              appendKnownHost(input.knownHosts.baton, name, key);
              verify(true);
            });
        },
        authHandler: handler,
      });
    } catch (e) {
      fail(new SshError('config', `Could not start SSH to ${where}: ${(e as Error).message}`));
    }
  });
}

function forwardOut(client: Client, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

/** Connects to the destination, through its ProxyJump hops if any. */
export async function connectSsh(input: ConnectInput): Promise<SshConnection> {
  const { options } = input;
  const chain: HopInput[] = [...options.proxyJump, options];
  const clients: Client[] = [];
  const closeAll = () => { for (const c of clients.slice().reverse()) c.end(); };
  let sock: Duplex | undefined;
  try {
    let fingerprint = '';
    for (let i = 0; i < chain.length; i++) {
      const hop = chain[i]!;
      if (i > 0) {
        const prev = chain[i - 1]!;
        try {
          sock = await forwardOut(clients[i - 1]!, hop.hostName, hop.port);
        } catch (e) {
          throw new SshError('proxy-jump', `Jump host ${prev.hostName} could not open a connection to ${hop.hostName}:${hop.port}: ${(e as Error).message}.`,
            `Check that ${hop.hostName}:${hop.port} is reachable from ${prev.hostName} and that it allows TCP forwarding (AllowTcpForwarding).`);
        }
      }
      const r = await connectEndpoint(hop, input, sock, i === chain.length - 1);
      clients.push(r.client);
      fingerprint = r.fingerprint;
    }
    const dest = clients[clients.length - 1]!;
    const closed = new Promise<void>((resolve) => {
      let done = false;
      const once = () => { if (!done) { done = true; closeAll(); resolve(); } };
      for (const c of clients) c.once('close', once);
    });
    return { client: dest, hostKeyFingerprint: fingerprint, closed, close: closeAll };
  } catch (e) {
    closeAll();
    throw e;
  }
}

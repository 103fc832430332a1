// What `--remote` names, decided without touching the network: a WebSocket URL (the server's
// secure channel), a Unix socket, or a host saved with `baton host add`. Plus the rule that a
// bearer token never crosses the network in clear text.
import { isLoopbackHost } from '../../app-server/transport/loopback';
import { CliError, ExitCode } from '../output';

export type RemoteTarget =
  | { kind: 'url'; url: string; secure: boolean; loopback: boolean; host: string; port: number }
  | { kind: 'unix'; path: string }
  | { kind: 'host'; name: string };

/** Saved host names (hosts-store) are plain words: no scheme, no slash, no colon. */
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function parseRemoteTarget(value: string): RemoteTarget {
  const v = value.trim();
  const usage = (why: string) =>
    new CliError(`--remote "${value}": ${why}`, 'Use ws://127.0.0.1:PORT, wss://HOST:PORT, unix:///path/to/socket, or the name of a host saved with `baton host add`.', ExitCode.usage);
  if (/^unix:/i.test(v)) {
    const p = v.replace(/^unix:(\/\/)?/i, '');
    if (!p.startsWith('/')) throw usage('a Unix socket path must be absolute (unix:///run/user/1000/baton.sock).');
    return { kind: 'unix', path: p };
  }
  if (/^wss?:\/\//i.test(v)) {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw usage('not a valid URL.');
    }
    const secure = u.protocol === 'wss:';
    if (!u.port && !secure) throw usage('a ws:// address needs a port (the secureUrl in the server’s server.json).');
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return { kind: 'url', url: u.href, secure, loopback: isLoopbackHost(host), host, port: Number(u.port || 443) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) throw usage('only ws://, wss:// and unix:// addresses are understood.');
  if (!HOST_NAME.test(v)) throw usage('not an address, and not a valid saved host name.');
  return { kind: 'host', name: v };
}

/**
 * Whether a bearer token may be sent to this target. Plain ws:// to another machine would show
 * the token to the network, so it is refused before any connection is made.
 */
export function tokenPolicy(target: RemoteTarget, tokenGiven: boolean): 'ok' | 'refused' {
  if (!tokenGiven) return 'ok';
  if (target.kind === 'url' && !target.secure && !target.loopback) return 'refused';
  return 'ok';
}

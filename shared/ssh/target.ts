// Parsing of what users type for a host: `user@host[:port]`, `[v6addr]:port`, `ssh://user@host:port`,
// or a bare name (an alias from ~/.ssh/config, or a host name). Same grammar as OpenSSH's
// ProxyJump entries, so it parses those too.

export interface ParsedTarget {
  user?: string;
  host: string;
  port?: number;
}

export type ParseResult = { ok: true; target: ParsedTarget } | { ok: false; error: string };

const hostRe = /^[A-Za-z0-9._%-]+$/;

export function parseTarget(input: string): ParseResult {
  let s = input.trim();
  if (!s) return { ok: false, error: 'the target is empty; use an alias from ~/.ssh/config or user@host[:port]' };
  if (/\s/.test(s)) return { ok: false, error: `"${input}" contains spaces; use an alias or user@host[:port]` };
  if (s.startsWith('ssh://')) s = s.slice('ssh://'.length).replace(/\/$/, '');
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
    if (!user) return { ok: false, error: `"${input}" has an empty user before "@"` };
  }
  let host = s;
  let portText: string | undefined;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return { ok: false, error: `"${input}" opens "[" without closing it` };
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest) {
      if (!rest.startsWith(':')) return { ok: false, error: `"${input}": expected ":port" after "]"` };
      portText = rest.slice(1);
    }
    if (!/^[0-9A-Fa-f:.]+$/.test(host)) return { ok: false, error: `"${host}" is not an IPv6 address` };
  } else {
    const colon = s.indexOf(':');
    if (colon >= 0) {
      if (s.indexOf(':', colon + 1) >= 0) return { ok: false, error: `"${input}": write IPv6 addresses as [addr]:port` };
      host = s.slice(0, colon);
      portText = s.slice(colon + 1);
    }
    if (!hostRe.test(host)) return { ok: false, error: `"${host}" is not a valid host name` };
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return { ok: false, error: `"${portText}" is not a port (1-65535)` };
    }
    port = Number(portText);
  }
  return { ok: true, target: { ...(user !== undefined ? { user } : {}), host, ...(port !== undefined ? { port } : {}) } };
}

/** ProxyJump value → hops, outermost first. `none` means no jump (OpenSSH's way to cancel one). */
export function parseProxyJump(value: string): { ok: true; hops: ParsedTarget[] } | { ok: false; error: string } {
  const v = value.trim();
  if (!v || v.toLowerCase() === 'none') return { ok: true, hops: [] };
  const hops: ParsedTarget[] = [];
  for (const part of v.split(',')) {
    const r = parseTarget(part);
    if (!r.ok) return { ok: false, error: `ProxyJump ${value}: ${r.error}` };
    hops.push(r.target);
  }
  return { ok: true, hops };
}

/** OpenSSH's name for a host in known_hosts: `host` on port 22, else `[host]:port`. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

// Host resolution the way OpenSSH does it: the target (an alias or user@host[:port]) is looked up
// in ~/.ssh/config with the `ssh-config` parser — first value wins, `Host *` blocks apply to
// everything — and the result is the concrete endpoint, identities, jump hops and keepalives a
// connection uses. `resolveHost` is pure (text in, options out); reading the file is separate.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import type { ResolvedSshOptions, SshEndpoint } from '../../../shared/contracts/hosts.js';
import { parseProxyJump, parseTarget, type ParsedTarget } from '../../../shared/ssh/target.js';

export interface ResolveEnv {
  /** Local home directory, for `~` and `%d`. */
  home: string;
  /** Local user name: the remote user when neither target nor config names one (like ssh). */
  localUser: string;
}

export type ResolveResult = { ok: true; options: ResolvedSshOptions } | { ok: false; error: string };

/** OpenSSH's default identities when the config names none (tried only if the file exists). */
const defaultIdentities = ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ed25519'];

type Computed = Record<string, string | string[]>;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function all(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The `%` tokens OpenSSH expands in HostName and IdentityFile that make sense without a connection. */
function expandTokens(value: string, t: { h: string; host: string; r: string; u: string; d: string; p: number }): string {
  return value.replace(/%([%hnrudp])/g, (_m, k: string) => {
    switch (k) {
      case '%': return '%';
      case 'h': return t.h;
      case 'n': return t.host;
      case 'r': return t.r;
      case 'u': return t.u;
      case 'd': return t.d;
      case 'p': return String(t.p);
      default: return _m;
    }
  });
}

function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.posix.join(home, p.slice(2));
  return p;
}

function yes(v: string | undefined): boolean {
  return v !== undefined && /^(yes|true)$/i.test(v);
}

function parseConfig(configText: string): { ok: true; config: SSHConfig } | { ok: false; error: string } {
  try {
    return { ok: true, config: SSHConfig.parse(configText) };
  } catch (e) {
    return { ok: false, error: `~/.ssh/config could not be parsed: ${(e as Error).message}` };
  }
}

function resolveOne(config: SSHConfig, t: ParsedTarget, env: ResolveEnv): { ok: true; endpoint: SshEndpoint; c: Computed; identityFiles: string[]; identitiesOnly: boolean } | { ok: false; error: string } {
  // matchExec off: resolution must not run programs; `Match exec` blocks simply do not match.
  const c = config.compute({ Host: t.host, ...(t.user ? { User: t.user } : {}) }, { ignoreCase: true, matchExec: false }) as Computed;
  const portText = first(c['port']);
  let port = t.port ?? 22;
  if (t.port === undefined && portText !== undefined) {
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return { ok: false, error: `~/.ssh/config gives Port "${portText}" for ${t.host}; it must be 1-65535` };
    }
    port = Number(portText);
  }
  const user = t.user ?? first(c['user']) ?? env.localUser;
  const hostNameRaw = first(c['hostname']);
  const tokens = { h: t.host, host: t.host, r: user, u: env.localUser, d: env.home, p: port };
  const hostName = hostNameRaw ? expandTokens(hostNameRaw, tokens) : t.host;
  tokens.h = hostName;
  const configured = all(c['identityfile']);
  const identityFiles = (configured.length ? configured : defaultIdentities).map((f) => expandHome(expandTokens(f, tokens), env.home));
  return { ok: true, endpoint: { hostName, port, user }, c, identityFiles, identitiesOnly: yes(first(c['identitiesonly'])) };
}

/** Resolves `target` against the text of ~/.ssh/config. */
export function resolveHost(target: string, configText: string, env: ResolveEnv): ResolveResult {
  const parsed = parseTarget(target);
  if (!parsed.ok) return parsed;
  const cfg = parseConfig(configText);
  if (!cfg.ok) return cfg;
  const main = resolveOne(cfg.config, parsed.target, env);
  if (!main.ok) return main;
  const jumpText = first(main.c['proxyjump']);
  const jumps = jumpText ? parseProxyJump(jumpText) : { ok: true as const, hops: [] };
  if (!jumps.ok) return jumps;
  const proxyJump = [];
  for (const hop of jumps.hops) {
    // Each hop is itself looked up in the config (its HostName, User, Port, IdentityFile apply),
    // as `ssh -J` does; a hop's own ProxyJump is not followed (no nested chains).
    const h = resolveOne(cfg.config, hop, env);
    if (!h.ok) return h;
    proxyJump.push({ ...h.endpoint, identityFiles: h.identityFiles, identitiesOnly: h.identitiesOnly });
  }
  const aliveText = first(main.c['serveraliveinterval']) ?? '0';
  const countText = first(main.c['serveralivecountmax']) ?? '3';
  if (!/^\d+$/.test(aliveText)) return { ok: false, error: `ServerAliveInterval "${aliveText}" is not a number of seconds` };
  if (!/^\d+$/.test(countText) || Number(countText) < 1) return { ok: false, error: `ServerAliveCountMax "${countText}" must be a positive number` };
  return {
    ok: true,
    options: {
      ...main.endpoint,
      identityFiles: main.identityFiles,
      identitiesOnly: main.identitiesOnly,
      proxyJump,
      serverAliveInterval: Number(aliveText),
      serverAliveCountMax: Number(countText),
    },
  };
}

/** Concrete `Host` aliases (no `*`, `?` or `!`), in file order: suggestions for `baton host add`. */
export function listHostAliases(configText: string): string[] {
  const cfg = parseConfig(configText);
  if (!cfg.ok) return [];
  const out: string[] = [];
  for (const line of cfg.config) {
    if (line.type !== SSHConfig.DIRECTIVE || line.param.toLowerCase() !== 'host') continue;
    const values = typeof line.value === 'string' ? [line.value] : line.value.map((v) => v.val);
    for (const v of values) if (!/[*?!]/.test(v) && !out.includes(v)) out.push(v);
  }
  return out;
}

export interface SshPaths {
  /** ~/.ssh/config */
  sshConfig: string;
  /** ~/.ssh/known_hosts */
  knownHosts: string;
  /** BATON_HOME */
  batonHome: string;
}

/** The real paths on this machine; tests pass their own. */
export function defaultSshPaths(env: NodeJS.ProcessEnv = process.env): SshPaths {
  const home = os.homedir();
  return {
    sshConfig: path.join(home, '.ssh', 'config'),
    knownHosts: path.join(home, '.ssh', 'known_hosts'),
    batonHome: env.BATON_HOME || path.join(home, '.baton'),
  };
}

/**
 * ~/.ssh/config with its `Include` lines replaced by the files they name (relative paths are
 * under ~/.ssh, `~` expands, `*` and `?` glob in the file name, up to 16 levels deep), since the
 * parser does not follow them. Splicing the text keeps OpenSSH's meaning: an Include inside a
 * Host block applies to that block until the included file starts its own Host.
 */
export function readSshConfigText(file: string, home: string = os.homedir()): string {
  return readConfigFile(file, home, 0);
}

function readConfigFile(file: string, home: string, depth: number): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
  if (depth >= 16) return text;
  return text
    .split('\n')
    .map((line) => {
      const m = /^\s*include(?:\s+|\s*=\s*)(.+?)\s*$/i.exec(line);
      if (!m) return line;
      const parts = m[1]!.match(/"[^"]*"|\S+/g) ?? [];
      const included = parts.flatMap((raw) => expandIncludePattern(raw.replace(/^"|"$/g, ''), home));
      return [`# ${line.trim()}`, ...included.map((f) => readConfigFile(f, home, depth + 1))].join('\n');
    })
    .join('\n');
}

function expandIncludePattern(pattern: string, home: string): string[] {
  const expanded = expandHome(pattern, home);
  const abs = path.isAbsolute(expanded) ? expanded : path.join(home, '.ssh', expanded);
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  if (!/[*?]/.test(base)) return [abs];
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  try {
    return readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

export function localResolveEnv(): ResolveEnv {
  return { home: os.homedir(), localUser: os.userInfo().username };
}

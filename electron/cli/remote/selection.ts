// The global `--remote` / `--remote-auth-token-env` options, recorded once by main.ts before a
// command runs and read by openSession: every command that talks to an app-server honours them
// without knowing about them. Commands about this machine itself refuse them rather than
// silently acting here.
import type { Command } from 'commander';
import { CliError, ExitCode } from '../output';

export interface RemoteSelection {
  /** What --remote named: a URL, unix://PATH or a saved host name. */
  remote: string;
  /** --remote-auth-token-env: the environment variable holding the bearer token. */
  tokenEnv?: string;
}

/** Top-level commands that act on this machine (its server, keys, saved hosts, relay). */
export const LOCAL_ONLY_COMMANDS: ReadonlySet<string> = new Set(['serve', 'identity', 'host', 'relay']);

let current: RemoteSelection | null = null;

export function selectRemote(selection: RemoteSelection | null): void {
  current = selection;
}

export function selectedRemote(): RemoteSelection | null {
  return current;
}

/** `baton` as the user must type it again for the same server (in hints: `baton --remote gpu approve …`). */
export function batonCommandPrefix(): string {
  if (!current) return 'baton';
  const quote = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  return `baton --remote ${quote(current.remote)}${current.tokenEnv ? ` --remote-auth-token-env ${current.tokenEnv}` : ''}`;
}

/** The selection from the root command's options, checked against the command about to run. */
export function selectionFor(opts: { remote?: string; remoteAuthTokenEnv?: string }, topLevelCommand: string): RemoteSelection | null {
  if (!opts.remote) {
    if (opts.remoteAuthTokenEnv) throw new CliError('--remote-auth-token-env needs --remote.', 'Add --remote ws://HOST:PORT (or wss://…).', ExitCode.usage);
    return null;
  }
  if (LOCAL_ONLY_COMMANDS.has(topLevelCommand)) {
    throw new CliError(`\`baton ${topLevelCommand}\` acts on this machine and does not take --remote.`, topLevelCommand === 'host' ? 'Use `baton host … <name>` directly.' : `Run \`baton ${topLevelCommand}\` on the other host (e.g. over ssh).`, ExitCode.usage);
  }
  return { remote: opts.remote, ...(opts.remoteAuthTokenEnv ? { tokenEnv: opts.remoteAuthTokenEnv } : {}) };
}

/** The name of the top-level command `cmd` belongs to (`thread` for `thread list`). */
export function topLevelName(cmd: Command): string {
  let c = cmd;
  while (c.parent && c.parent.parent) c = c.parent;
  return c.name();
}

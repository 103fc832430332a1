// What a command group module gets: a way to add commands that share --json, a session with
// an app-server, and the error and exit-code conventions. A new group (host, identity, relay,
// thread export/import) is one file in commands/ plus one line in commands/index.ts.
import type { Command } from 'commander';
import type { MethodTable, Methods, NotificationTable, Notifications } from '../../shared/contracts/rpc';
import { openSession, type Session, type Tables } from './connect';
import { reportError, type OutputOptions } from './output';

export type CommandGroup = (program: Command) => void;

/**
 * The command group `name` (`thread`, `host`…), created on first use: groups in different files
 * can add subcommands to one parent (`thread export` next to `thread new`).
 */
export function commandGroup(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/** Adds the --json option every command has. */
export function withJson(cmd: Command): Command {
  return cmd.option('--json', 'print the result as JSON');
}

/**
 * Runs a command body against an app-server session and turns any error into one line and an
 * exit code. Never throws: commander must not print a stack for an error we can explain.
 */
export async function runWithSession<T extends MethodTable = Methods, N extends NotificationTable = Notifications>(
  opts: OutputOptions,
  body: (s: Session<T, N>) => Promise<number | void>,
  /** Another contract's tables merged with the core ones, for its commands (e.g. handoff). */
  tables?: Tables<T, N>,
): Promise<void> {
  let session: Session<T, N> | null = null;
  try {
    session = await openSession<T, N>(tables);
    const code = await body(session);
    process.exitCode = code ?? 0;
  } catch (e) {
    process.exitCode = reportError(e, opts);
  } finally {
    await session?.close().catch(() => undefined);
  }
}

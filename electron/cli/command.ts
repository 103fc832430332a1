// What a command group module gets: a way to add commands that share --json, a session with
// an app-server, and the error and exit-code conventions. A new group (host, identity, relay,
// thread export/import) is one file in commands/ plus one line in commands/index.ts.
import type { Command } from 'commander';
import { openSession, type Session } from './connect';
import { reportError, type OutputOptions } from './output';

export type CommandGroup = (program: Command) => void;

/** Adds the --json option every command has. */
export function withJson(cmd: Command): Command {
  return cmd.option('--json', 'print the result as JSON');
}

/**
 * Runs a command body against an app-server session and turns any error into one line and an
 * exit code. Never throws: commander must not print a stack for an error we can explain.
 */
export async function runWithSession(opts: OutputOptions, body: (s: Session) => Promise<number | void>): Promise<void> {
  let session: Session | null = null;
  try {
    session = await openSession();
    const code = await body(session);
    process.exitCode = code ?? 0;
  } catch (e) {
    process.exitCode = reportError(e, opts);
  } finally {
    await session?.close().catch(() => undefined);
  }
}

// `baton thread archive <thread> [--undo]`: hides a thread from lists (its log is kept).
import type { Command } from 'commander';
import { commandGroup, runWithSession, withJson } from '../command';
import { exitCodesHelp } from '../help/texts';
import { printResult } from '../output';

export function registerArchive(program: Command): void {
  const thread = commandGroup(program, 'thread', 'threads: conversations with an agent in a project');
  withJson(
    thread
      .command('archive <thread>')
      .description('archive a thread (hidden from `thread list` unless --all; nothing is deleted)')
      .option('--undo', 'unarchive it')
      .addHelpText('after', `\n--json prints the thread (id, title, status, archived…).\n${exitCodesHelp}`),
  ).action((ref: string, opts: { undo?: boolean; json?: boolean }) =>
    runWithSession(opts, async ({ client }) => {
      const { thread: t } = await client.call('thread/archive', { thread: ref, archived: !opts.undo });
      printResult(opts, t, () => `${opts.undo ? 'Unarchived' : 'Archived'} thread ${t.id} "${t.title}"`);
    }),
  );
}

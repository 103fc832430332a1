// `baton fork <thread> [--at <item>]`: a new thread on the same host with the transcript up to
// a point; the original is untouched (and keeps running if it was).
import type { Command } from 'commander';
import { runWithSession, withJson } from '../command';
import { forkHelp } from '../help/texts';
import { printResult } from '../output';
import { selectedRemote } from '../remote/selection';

export function registerFork(program: Command): void {
  withJson(
    program
      .command('fork <thread>')
      .description('start a new thread from a copy of another one’s transcript (up to --at)')
      .option('--at <item>', 'copy up to and including this item id (see `baton thread show <thread> --json`)')
      .option('--title <title>', 'title of the new thread (default "Fork of …")')
      .addHelpText('after', forkHelp),
  ).action((ref: string, opts: { at?: string; title?: string; json?: boolean }) =>
    runWithSession(opts, async ({ client }) => {
      const { thread: t } = await client.call('thread/fork', { thread: ref, ...(opts.at ? { itemId: opts.at } : {}), ...(opts.title ? { title: opts.title } : {}) });
      const remote = selectedRemote();
      printResult(opts, t, () => `Forked thread ${t.forkedFrom?.threadId ?? ref} into ${t.id} "${t.title}". Continue it with: baton ${remote ? `--remote ${remote.remote} ` : ''}resume ${t.id}`);
    }),
  );
}

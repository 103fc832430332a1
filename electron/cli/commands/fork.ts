// `baton fork [<thread> | --last] [--at <item>] [--cd DIR]`: a new thread on the same host with
// the transcript up to a point; the original is untouched (and keeps running if it was).
import path from 'node:path';
import type { Command } from 'commander';
import { runWithSession, withJson } from '../command';
import { forkHelp } from '../help/texts';
import { CliError, ExitCode, printResult } from '../output';
import { selectedRemote } from '../remote/selection';
import { pickLastThread } from '../resume/pick';

export function registerFork(program: Command): void {
  withJson(
    program
      .command('fork [thread]')
      .description('start a new thread from a copy of another one’s transcript (up to --at)')
      .option('--at <item>', 'copy up to and including this item id (see `baton thread show <thread> --json`)')
      .option('--last', "fork the most recently updated thread of the current directory's project")
      .option('--all', 'with --last: of any project')
      .option('--cd <dir>', "the new thread's working directory, on the thread's host (with --last: also whose project counts)")
      .option('--title <title>', 'title of the new thread (default "Fork of …")')
      .addHelpText('after', forkHelp),
  ).action((ref: string | undefined, opts: { at?: string; last?: boolean; all?: boolean; cd?: string; title?: string; json?: boolean }) =>
    runWithSession(opts, async ({ client }) => {
      if (!!ref === !!opts.last) throw new CliError(ref ? 'Pass either a thread or --last, not both.' : 'Which thread? Name one (id, id prefix or title) or pass --last.', 'See `baton help fork`.', ExitCode.usage);
      if (opts.all && !opts.last) throw new CliError('--all chooses among threads for --last.', 'Add --last, or drop it.', ExitCode.usage);
      const remote = selectedRemote();
      if (remote && opts.last && !opts.all && !opts.cd) throw new CliError('--last with --remote needs --cd DIR (a project folder on that host) or --all.', 'This directory is a path on this computer, not on the remote host.', ExitCode.usage);
      const dir = opts.cd ? (remote ? opts.cd : path.resolve(opts.cd)) : process.cwd();
      const source = opts.last ? await pickLastThread(client, { all: !!opts.all, dir, where: remote ? remote.remote : 'this computer' }) : ref!;
      const forked = (await client.call('thread/fork', { thread: source, ...(opts.at ? { itemId: opts.at } : {}), ...(opts.title ? { title: opts.title } : {}) })).thread;
      // The fork starts its commands in --cd (checked on the thread's host), the original is untouched.
      const t = opts.cd ? (await client.call('thread/configure', { thread: forked.id, cwd: dir })).thread : forked;
      printResult(opts, t, () => `Forked thread ${t.forkedFrom?.threadId ?? source} into ${t.id} "${t.title}". Continue it with: baton ${remote ? `--remote ${remote.remote} ` : ''}resume ${t.id}`);
    }),
  );
}

// `baton thread export <thread> -o FILE` and `baton thread import FILE`: a whole thread in one
// `.baton` file (PROTOCOL.md §3), for hosts with no network path. The app-server that owns the
// thread does the work; paths are resolved here because it may run in another directory.
import path from 'node:path';
import type { Command } from 'commander';
import { methods, notifications } from '../../../shared/contracts/rpc';
import { threadArchiveMethods } from '../../../shared/contracts/threadArchive';
import { commandGroup, runWithSession, withJson } from '../command';
import { printResult } from '../output';

const tables = { methods: { ...methods, ...threadArchiveMethods }, notifications };

const size = (n: number) => (n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

export function registerTransfer(program: Command): void {
  const thread = commandGroup(program, 'thread', 'threads: conversations with an agent, in a worktree');

  withJson(
    thread
      .command('export <thread>')
      .description('write a thread (transcript, plan, approvals) and its Git state to one .baton file')
      .requiredOption('-o, --output <file>', 'the archive to write')
      .option('--force', 'replace the file if it exists'),
  ).action((ref: string, opts: { output: string; force?: boolean; json?: boolean }) =>
    runWithSession(
      opts,
      async ({ client }) => {
        const r = await client.call('thread/export', { thread: ref, file: path.resolve(opts.output), overwrite: !!opts.force });
        printResult(opts, r, () =>
          [
            `Exported thread ${r.threadId} (revision ${r.revision}${r.branch ? `, branch ${r.branch}` : ''}) to ${r.file} (${size(r.size)}, ${r.objectCount} Git objects).`,
            r.ignored.length ? `Left behind (ignored by .gitignore): ${r.ignored.slice(0, 10).join(', ')}${r.ignored.length > 10 ? `, and ${r.ignored.length - 10} more` : ''}.` : '',
            'The thread stays live here; once it is imported elsewhere, archive this copy (`baton thread archive`).',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      },
      tables,
    ),
  );

  withJson(
    thread
      .command('import <file>')
      .description("restore a thread from a .baton file into its project's worktree on this host"),
  ).action((file: string, opts: { json?: boolean }) =>
    runWithSession(
      opts,
      async ({ client }) => {
        const r = await client.call('thread/import', { file: path.resolve(file) });
        printResult(opts, r, () => `Imported thread ${r.thread.id} "${r.thread.title}" into ${r.worktreePath} (${r.created ? 'new worktree' : 'worktree reused'}, ${r.placement}).`);
      },
      tables,
    ),
  );
}

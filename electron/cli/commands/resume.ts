// `baton resume [<thread> | --last] [--all] [--cd DIR] [--add-dir DIR …]`: attach this terminal (or a script) to
// a thread wherever it runs (--remote), as Codex CLI users expect of `codex resume`.
import path from 'node:path';
import type { Command } from 'commander';
import { colourEnabled } from '../colour';
import { runWithSession, withJson } from '../command';
import { resumeHelp } from '../help/texts';
import { CliError, ExitCode } from '../output';
import { selectedRemote } from '../remote/selection';
import { pickLastThread } from '../resume/pick';
import { attach } from '../resume/session';

interface ResumeOptions {
  addDir: string[];
  last?: boolean;
  all?: boolean;
  cd?: string;
  tail: string;
  json?: boolean;
}

export function registerResume(program: Command): void {
  withJson(
    program
      .command('resume [thread]')
      .description('attach to a thread: see its transcript live, send messages, answer approvals (Ctrl-C interrupts, twice detaches)')
      .option('--last', "the most recently updated thread of the current directory's project")
      .option('--all', 'with --last: of any project')
      .option('--cd <dir>', "the agent's working directory, on the thread's host (with --last: also whose project counts)")
      .option('--add-dir <dir>', "grant write access to DIR too (repeatable; a path on the thread's host)", (v: string, all: string[]) => [...all, v], [] as string[])
      .option('--tail <n>', 'transcript items to print on attach', '20')
      .addHelpText('after', resumeHelp),
  ).action(async (ref: string | undefined, opts: ResumeOptions) => {
    await runWithSession(opts, async (s) => {
      if (!!ref === !!opts.last) {
        throw new CliError(ref ? 'Pass either a thread or --last, not both.' : 'Which thread? Name one (id, id prefix or title) or pass --last.', 'See `baton help resume`.', ExitCode.usage);
      }
      if (opts.all && !opts.last) throw new CliError('--all chooses among threads for --last.', 'Add --last, or drop it.', ExitCode.usage);
      const tail = Number(opts.tail);
      if (!Number.isInteger(tail) || tail < 0 || tail > 10_000) throw new CliError(`--tail ${opts.tail} is not a number of items (0–10000).`, undefined, ExitCode.usage);
      const remote = selectedRemote();
      const where = remote ? remote.remote : 'this computer';
      // --cd is a path on the thread's host: resolved against this directory only when that host is this one.
      const dir = opts.cd ? (remote ? opts.cd : path.resolve(opts.cd)) : process.cwd();
      if (remote && opts.last && !opts.all && !opts.cd) {
        throw new CliError('--last with --remote needs --cd DIR (a project folder on that host) or --all.', 'This directory is a path on this computer, not on the remote host.', ExitCode.usage);
      }
      const thread = opts.last ? await pickLastThread(s.client, { all: !!opts.all, dir, where }) : ref!;
      if (opts.cd) {
        // Interpreted on the thread's host, where the server checks that it is a directory.
        const { thread: t } = await s.client.call('thread/configure', { thread, cwd: dir });
        process.stderr.write(`baton: thread ${t.id} now runs its commands in ${t.settings.cwd}.\n`);
      }
      if (opts.addDir.length) {
        // Like --cd, a path on the thread's host; only this host's may be made absolute here.
        const dirs = opts.addDir.map((d) => (remote ? d : path.resolve(d)));
        const { thread: t } = await s.client.call('thread/configure', { thread, addWritableRoots: dirs });
        process.stderr.write(`baton: thread ${t.id} may now also write to: ${t.settings.permissions.writableRoots.join(', ')} (sandbox ${t.settings.permissions.sandbox}).\n`);
      }
      const interactive = !!process.stdin.isTTY && !opts.json;
      return attach(s, thread, {
        interactive,
        json: !!opts.json,
        colour: colourEnabled(process.stdout),
        tail,
        remoteHint: remote ? `--remote ${remote.remote} ` : '',
        input: process.stdin,
        output: process.stdout,
        errors: process.stderr,
      });
    });
    // Detached means gone: a terminal left in some odd state, or a remote link slow to say
    // goodbye, must not keep the person waiting. Normally the process has exited long before.
    setTimeout(() => process.exit(), 3000).unref();
  });
}

// Registered last: adds to `baton help <command>` what each command's --json prints (the field
// names scripts may rely on) and the exit codes, for commands defined in other files; and
// answers `baton handoff` with a clear line while no handoff command is built in.
import type { Command } from 'commander';
import { CliError, ExitCode, reportError } from '../output';
import { exitCodesHelp } from './texts';

const threadMeta = 'id, title, project {id, name, identity, subdir}, host, branch, worktreePath, status, settings, approvalRules, revision, epoch, createdAt, updatedAt, archived, activeTurnId, movedTo?, forkedFrom?';

/** `group subcommand` (or a top-level name) → what --json prints. */
export const jsonFields: Record<string, string> = {
  'thread new': `the thread: ${threadMeta}`,
  'thread send': 'without --wait: {threadId, turnId}; with --wait: {threadId, turnId, outcome: completed|interrupted|failed, error?, items: [TranscriptItem]}',
  'thread show': `${threadMeta}, planHistory [{revision, at, plan}], items [TranscriptItem: id, type, turnId?, at, …], pendingApprovals [{requestId, summary, tool, pattern, …}]`,
  'thread list': `an array of threads: ${threadMeta}, preview`,
  'thread interrupt': '{threadId, turnId (null when nothing ran), interrupted}',
  'project add': '{id, name, root, subdir, identity, originUrl, addedAt}',
  'project list': 'an array of {id, name, root, subdir, identity, originUrl, addedAt}',
  approve: '{threadId, requestId, decision}',
};

function find(program: Command, path: string): Command | undefined {
  return path.split(' ').reduce<Command | undefined>((c, name) => c?.commands.find((x) => x.name() === name), program);
}

export function registerHelpTexts(program: Command): void {
  for (const [path, fields] of Object.entries(jsonFields)) {
    find(program, path)?.addHelpText('after', `\n--json prints ${fields}.\nErrors with --json: {"error": {code, message, hint?}}.\n${exitCodesHelp}`);
  }
  if (!find(program, 'handoff')) {
    program
      .command('handoff')
      .description('hand a thread off to another host (not available in this build)')
      .allowUnknownOption()
      .argument('[args...]')
      .option('--json', 'print the result as JSON')
      .action((_args: string[], opts: { json?: boolean }) => {
        process.exitCode = reportError(new CliError('`baton handoff` is not available in this build of baton.', 'Hand the thread off from the desktop app, or update baton.', ExitCode.failure), opts);
      });
  }
}

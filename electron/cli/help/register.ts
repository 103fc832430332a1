// Registered last: adds to `baton help <command>` what each command's --json prints (the field
// names scripts may rely on) and the exit codes, for commands defined in other files.
import type { Command } from 'commander';
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
}

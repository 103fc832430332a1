// `baton thread new|send|show|list|interrupt`: threads and their turns.
import { createInterface } from 'node:readline/promises';
import { Option, type Command } from 'commander';
import type { NotificationParams } from '../../../shared/contracts/rpc';
import type { TranscriptItem } from '../../../shared/contracts/thread';
import type { RpcClient } from '../../../shared/rpc/client';
import { commandGroup, runWithSession, withJson } from '../command';
import type { Session } from '../connect';
import { formatHeader, formatItem, formatPlan, formatThreadList, pendingApprovals } from '../format';
import { CliError, ExitCode, printResult } from '../output';
import { batonCommandPrefix } from '../remote/selection';

export function registerThread(program: Command): void {
  const thread = commandGroup(program, 'thread', 'threads: conversations with an agent in a project');

  withJson(
    thread
      .command('new')
      .description('start a thread in a saved project')
      .requiredOption('--project <name>', 'project name or id (see `baton project list`)')
      .option('--title <title>', 'thread title')
      .addOption(new Option('--approval <policy>', 'when the agent must ask before acting').choices(['untrusted', 'on-request', 'never']))
      .option('--profile <name>', 'permission profile from config.toml'),
  ).action((opts: { project: string; title?: string; approval?: 'untrusted' | 'on-request' | 'never'; profile?: string; json?: boolean }) =>
    runWithSession(opts, async ({ client }) => {
      const { thread: t } = await client.call('thread/start', {
        project: opts.project,
        ...(opts.title ? { title: opts.title } : {}),
        ...(opts.approval ? { approvalPolicy: opts.approval } : {}),
        ...(opts.profile ? { profile: opts.profile } : {}),
      });
      printResult(opts, t, () => `Created thread ${t.id} "${t.title}" in ${t.project.name} (approval: ${t.settings.permissions.approvalPolicy})`);
    }),
  );

  withJson(
    thread
      .command('send <thread> <message>')
      .description('send a message: starts a turn (with a running `baton serve` it returns at once unless --wait)')
      .option('--wait', 'wait until the turn has finished'),
  ).action((ref: string, message: string, opts: { wait?: boolean; json?: boolean }) => runWithSession(opts, (s) => send(s, ref, message, opts)));

  withJson(thread.command('show <thread>').description('print a thread: status, plan, transcript, open approval requests')).action((ref: string, opts: { json?: boolean }) =>
    runWithSession(opts, async ({ client }) => {
      const r = await client.call('thread/read', { thread: ref });
      const items = r.items ?? [];
      printResult(opts, { ...r.thread, items, pendingApprovals: pendingApprovals(items) }, () => {
        const answered = new Map(items.flatMap((i) => (i.type === 'approval_decision' ? [[i.requestId, i.decision] as const] : [])));
        const plan = r.thread.planHistory.at(-1);
        const pending = pendingApprovals(items);
        return [
          formatHeader(r.thread),
          ...(plan ? ['', 'Plan:', formatPlan(plan.plan)] : []),
          '',
          ...items.map((i) => formatItem(i, answered)),
          ...pending.map((p) => `\nWaiting for approval: ${batonCommandPrefix()} approve ${r.thread.id} ${p.requestId} allow|deny|always`),
        ].join('\n');
      });
    }),
  );

  withJson(thread.command('list').description('list the threads on this host').option('--project <name>', 'only this project').option('--all', 'include archived threads')).action(
    (opts: { project?: string; all?: boolean; json?: boolean }) =>
      runWithSession(opts, async ({ client }) => {
        const { threads, unreadable } = await client.call('thread/list', { ...(opts.project ? { project: opts.project } : {}), includeArchived: !!opts.all });
        for (const u of unreadable ?? []) process.stderr.write(`baton: thread ${u.threadId} cannot be read: ${u.message}\n`);
        printResult(opts, threads, () => formatThreadList(threads));
      }),
  );

  withJson(thread.command('interrupt <thread>').description('stop the running turn (its commands are killed)')).action((ref: string, opts: { json?: boolean }) =>
    runWithSession(opts, async ({ client }) => {
      const r = await client.call('turn/interrupt', { thread: ref });
      printResult(opts, r, () => (r.interrupted ? `Interrupted turn ${r.turnId} of thread ${r.threadId}` : `Thread ${r.threadId} has no running turn.`));
    }),
  );
}

type Completed = NotificationParams<'turn/completed'>;

async function send(s: Session, ref: string, message: string, opts: { wait?: boolean; json?: boolean }): Promise<number> {
  const { client, mode } = s;
  // An embedded server lives only as long as this command: leaving before the turn ends would stop it.
  const wait = !!opts.wait || mode === 'embedded';
  const byTurn = new Map<string, TranscriptItem[]>();
  const completed = new Map<string, Completed>();
  let current: { threadId: string; turnId: string } | null = null;
  let finish: (c: Completed) => void = () => undefined;
  const done = new Promise<Completed>((r) => (finish = r));
  let refusedByPolicy: string | null = null;
  const stopListening: Array<() => void> = [];
  const say = (line: string) => {
    if (!opts.json) process.stdout.write(line.replace(/\n?$/, '\n'));
  };

  const onItem = async (item: TranscriptItem) => {
    if (!current) return;
    if (item.type === 'user_message' || (item.type === 'command_execution' && item.status === 'running')) return;
    if (item.type === 'approval_request') {
      if (mode === 'server') {
        say(`? ${item.summary}\n  answer with: ${batonCommandPrefix()} approve ${current.threadId} ${item.requestId} allow|deny|always`);
        return;
      }
      if (!process.stdin.isTTY) {
        // Nobody can answer: no server keeps this turn alive for a later `baton approve`.
        refusedByPolicy = `The turn needs approval (${item.summary}), but no Baton server is running to keep it waiting, so it was stopped.`;
        await client.call('turn/interrupt', { thread: current.threadId }).catch(() => undefined);
        return;
      }
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      let answer = '';
      while (!['allow', 'deny', 'always'].includes(answer)) answer = (await rl.question(`? ${item.summary} [allow/deny/always] `)).trim().toLowerCase();
      rl.close();
      await client.call('approval/respond', { thread: current.threadId, requestId: item.requestId, decision: answer as 'allow' });
      return;
    }
    say(formatItem(item));
  };

  const offAdded = client.on('item/added', (p) => {
    if (!p.item.turnId) return;
    if (current && p.item.turnId === current.turnId) void onItem(p.item);
    else if (!current) byTurn.set(p.item.turnId, [...(byTurn.get(p.item.turnId) ?? []), p.item]);
  });
  const offUpdated = client.on('item/updated', (p) => {
    if (current && p.item.turnId === current.turnId && p.item.type === 'command_execution' && p.item.status !== 'running') void onItem(p.item);
  });
  const offCompleted = client.on('turn/completed', (p) => {
    completed.set(p.turnId, p);
    if (current && p.turnId === current.turnId) finish(p);
  });
  try {
    const started = await client.call('turn/start', { thread: ref, input: message });
    if (!wait) {
      printResult(opts, started, () => `Started turn ${started.turnId} in thread ${started.threadId}. Follow it with: baton thread show ${started.threadId}`);
      return ExitCode.ok;
    }
    current = started;
    // Ctrl-C while waiting stops the turn (its commands are killed) rather than orphaning it.
    const onSigint = () => {
      process.stderr.write('baton: interrupting the turn…\n');
      void client.call('turn/interrupt', { thread: started.threadId }).catch(() => undefined);
    };
    process.on('SIGINT', onSigint);
    stopListening.push(() => process.off('SIGINT', onSigint));
    for (const item of byTurn.get(started.turnId) ?? []) await onItem(item);
    const early = completed.get(started.turnId);
    if (early) finish(early);
    const end = await Promise.race([
      done,
      s.lost.then(() => {
        throw new CliError(`The Baton server stopped before turn ${started.turnId} finished.`, `Start it again with \`baton serve\`; the turn is then recorded as interrupted (see \`baton thread show ${started.threadId}\`).`);
      }),
    ]);
    if (refusedByPolicy) throw new CliError(refusedByPolicy, 'Start `baton serve` in another terminal and send again, or create the thread with --approval never.', ExitCode.refused);
    if (opts.json) {
      const items = await turnItems(client, started.threadId, started.turnId);
      process.stdout.write(JSON.stringify({ ...started, outcome: end.outcome, ...(end.error ? { error: end.error } : {}), items }, null, 2) + '\n');
    } else if (end.outcome !== 'completed') {
      say(end.outcome === 'failed' ? `Turn failed: ${end.error ?? 'unknown error'}` : 'Turn interrupted.');
    }
    return end.outcome === 'completed' ? ExitCode.ok : ExitCode.failure;
  } finally {
    offAdded();
    offUpdated();
    offCompleted();
    for (const f of stopListening) f();
  }
}

async function turnItems(client: RpcClient, threadId: string, turnId: string): Promise<TranscriptItem[]> {
  const r = await client.call('thread/read', { thread: threadId });
  return (r.items ?? []).filter((i) => i.turnId === turnId);
}

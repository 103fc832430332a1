// `baton handoff <thread> --to <host>|local [--yes] [--json]`: moves a thread of this computer to
// a saved SSH host (issue 6), through the same coordinator the desktop uses.
//
// Where the coordinator runs: the source app-server must reach the destination's. A headless
// `baton serve` has no links to other hosts, so the CLI runs this computer's app-server embedded
// (startAppServer with AppServerOptions.handoff) and gives its coordinator one peer: an RPC
// client of the destination's app-server, opened the way `--remote <host>` opens it (SSH
// bootstrap, port-forward, secure channel). Every peer message is one `handoff/peer` call on
// that client (RpcPeerLink). Two sources cannot work this way yet, and are refused in one line:
// a running `baton serve` of this BATON_HOME (its process owns the threads), and `--remote`
// (the remote server would need this CLI to relay its peer messages; see PROTOCOL.md §6.7).
import readline from 'node:readline';
import type { Command } from 'commander';
import { handoffMethods, handoffNotifications, type HandoffProgress, type HandoffReview, type HandoffStatus } from '../../../shared/contracts/handoff';
import { methods, notifications } from '../../../shared/contracts/rpc';
import { createRpcClient, type RpcClient } from '../../../shared/rpc/client';
import { createAgent } from '../../app-server/agent/index';
import { recoverHandoffs } from '../../app-server/handoff/extension';
import { RpcPeerLink } from '../../app-server/handoff/rpc';
import { connectionPair } from '../../app-server/rpc/stdio';
import { startAppServer, type AppServer } from '../../app-server/server/appServer';
import { readLiveServerInfo } from '../../app-server/server/serverInfo';
import { SERVER_VERSION } from '../../app-server/server/version';
import { batonHome, homePaths } from '../../app-server/storage/home';
import { withJson } from '../command';
import type { Session } from '../connect';
import { exitCodesHelp } from '../help/texts';
import { CliError, ExitCode, printResult, reportError } from '../output';
import { openRemoteSession } from '../remote/open';
import { selectedRemote } from '../remote/selection';

const tables = { methods: { ...methods, ...handoffMethods }, notifications: { ...notifications, ...handoffNotifications } };
type HandoffClient = RpcClient<typeof tables.methods, typeof tables.notifications>;

/** This computer's name for itself in `--to` (the same word the desktop uses for its own host). */
const LOCAL = 'local';

export const handoffHelp = `
Moves the thread whole: transcript, plan history, approvals, and its Git branch with every
uncommitted change (untracked files included; ignored files stay and are listed). The review
is printed first and you are asked to confirm; --yes skips the question (required when stdin
is not a terminal). Progress goes to stderr. A running turn is interrupted first.

--to NAME is a host saved with \`baton host add\` (bootstrapped over SSH like --remote NAME);
the thread must live on this computer, and no \`baton serve\` may be running for this
BATON_HOME (stop it, or hand off from the desktop app). --to local from this computer is
refused (the thread is already here).

--json prints {operationId, threadId, from, destination, review, status} where review is
{branch, headCommit, worktree {path, reused}, commits [{sha, subject}], commitsTruncated,
files [{path, state: staged|unstaged|untracked, change}], ignoredLeftBehind [path],
ignoredTruncated, transcript {events, items}, tip, warnings [{code, message}], willInterrupt}
and status is {stage, state: moved|aborted|in-doubt, bytesDone, bytesTotal, error?}.
Errors with --json: {"error": {code, message, hint?}}; a refusal's code is policyRefused.
${exitCodesHelp}
  (a handoff that did not end with the thread moved exits 1; a refusal such as the thread
   handing off itself or a destination without the matching project exits 3)`;

export function registerHandoffCommand(program: Command): void {
  withJson(
    program
      .command('handoff <thread>')
      .description('move a thread of this computer, with its Git state, to a saved SSH host')
      .requiredOption('--to <host>', 'destination: a saved SSH host name, or `local` for this computer')
      .option('--yes', 'do not ask for confirmation after the review')
      .option('--follow-up <prompt>', 'start a turn with this prompt on the destination once the thread arrives')
      .addHelpText('after', handoffHelp),
  ).action(async (thread: string, opts: { to: string; yes?: boolean; followUp?: string; json?: boolean }) => {
    let close: (() => Promise<void>) | null = null;
    try {
      checkSource(opts.to);
      if (!opts.yes && !process.stdin.isTTY) throw new CliError('baton handoff asks for confirmation, and stdin is not a terminal.', 'Pass --yes to hand off without asking.', ExitCode.usage);
      const source = await openSource(opts.to);
      close = source.close;
      process.exitCode = await handoff(source.client, thread, opts);
    } catch (e) {
      process.exitCode = reportError(e, opts);
    } finally {
      await close?.().catch(() => undefined);
    }
  });
}

function checkSource(to: string): void {
  const remote = selectedRemote();
  if (remote) {
    throw new CliError(
      `Handing off a thread of ${remote.remote} to ${to} is not supported from the CLI yet: the server there would have to reach ${to} through this baton, which does not relay handoff messages.`,
      remote.remote === to || to === LOCAL ? `Hand it off from the desktop app, or run \`baton handoff\` on ${remote.remote} to a host saved there.` : 'Hand it off from the desktop app.',
    );
  }
  const info = readLiveServerInfo(homePaths(batonHome()).serverInfo);
  if (info) {
    throw new CliError(
      `A baton serve (pid ${info.pid}) owns the threads of ${batonHome()}, and it has no connection to ${to} to hand a thread off through.`,
      'Stop it and run baton handoff again (or hand off from the desktop app, which connects it).',
    );
  }
  if (to !== LOCAL && /^(wss?|unix):/i.test(to.trim())) {
    throw new CliError(`--to ${to}: name a host saved with \`baton host add\`, or \`local\`.`, 'See `baton host list`.', ExitCode.usage);
  }
}

/** This computer's app-server in this process, its coordinator linked to `to`'s app-server. */
async function openSource(to: string): Promise<{ client: HandoffClient; close(): Promise<void> }> {
  let dest: Session<typeof tables.methods, typeof tables.notifications> | null = null;
  if (to !== LOCAL) dest = await openRemoteSession({ remote: to }, tables);
  const destClient = dest?.client;
  let app: AppServer;
  try {
    app = await startAppServer({
      home: batonHome(),
      createAgent: (settings) => createAgent(settings),
      handoff: {
        peers: (host) => (destClient && host === to ? new RpcPeerLink(to, (method, params) => destClient.call(method, params as never)) : null),
        hosts: () => (to === LOCAL ? [LOCAL] : [LOCAL, to]),
      },
    });
  } catch (e) {
    await dest?.close().catch(() => undefined);
    throw e;
  }
  // An earlier handoff cut short (this process killed, the link lost) ends first, now that its
  // peer is reachable again: the thread is then in exactly one place before anything new starts.
  for (const r of await recoverHandoffs(app)) {
    process.stderr.write(`baton: earlier handoff ${r.op} of ${r.thread}: ${r.settled ? `the thread is live on ${r.resolution?.live === 'destination' ? 'the destination' : 'the source'}` : `still waiting for the other host${r.error ? ` (${r.error})` : ''}`}\n`);
  }
  const [mine, theirs] = connectionPair();
  app.attach(theirs);
  const client: HandoffClient = createRpcClient((t) => mine.send(t), tables);
  mine.onMessage((t) => client.receive(t));
  await client.call('initialize', { clientName: 'baton-cli', clientVersion: SERVER_VERSION });
  return {
    client,
    close: async () => {
      await app.close();
      mine.close();
      await dest?.close();
    },
  };
}

async function handoff(client: HandoffClient, thread: string, opts: { to: string; yes?: boolean; followUp?: string; json?: boolean }): Promise<number> {
  const { review } = await client.call('handoff/prepare', { thread, to: opts.to, ...(opts.followUp ? { followUpPrompt: opts.followUp } : {}) });
  process.stderr.write(describeReview(review));
  if (!opts.yes && !(await confirm(`Hand off thread ${review.threadId} to ${review.destination}? [y/N] `))) {
    await client.call('handoff/cancel', { operationId: review.operationId }).catch(() => undefined);
    throw new CliError('Handoff cancelled; nothing was changed.', undefined, ExitCode.failure);
  }
  const progress = progressPrinter();
  const off = client.on('handoff/progress', (p) => {
    if (p.operationId === review.operationId) progress(p);
  });
  let status: HandoffStatus;
  try {
    await client.call('handoff/start', { operationId: review.operationId });
    status = await settled(client, review.operationId);
  } finally {
    off();
    progress.end();
  }
  const result = { operationId: review.operationId, threadId: review.threadId, from: review.from, destination: review.destination, review, status };
  if (status.state !== 'moved') {
    if (opts.json) printResult(opts, result, () => '');
    else {
      const why = status.error ? ` ${status.error.message}${status.error.hint ? ` ${status.error.hint}` : ''}` : '';
      process.stderr.write(
        status.state === 'in-doubt'
          ? `baton: the handoff of ${review.threadId} is waiting for ${review.destination} (stage ${status.stage}).${why} Run baton handoff ${review.threadId} --to ${review.destination} again when it is reachable: recovery finishes it first.\n`
          : `baton: the handoff of ${review.threadId} was aborted at ${status.stage}; the thread stays on ${review.from}.${why}\n`,
      );
    }
    return ExitCode.failure;
  }
  printResult(opts, result, () => `Moved thread ${review.threadId} to ${review.destination} (${formatBytes(status.bytesTotal)} sent). Continue it there: baton --remote ${review.destination} resume ${review.threadId}`);
  return ExitCode.ok;
}

/** Waits for the operation to leave `running` (the notifications only draw the progress). */
async function settled(client: HandoffClient, operationId: string): Promise<HandoffStatus> {
  for (;;) {
    const s = await client.call('handoff/status', { operationId });
    if (s.state !== 'running') return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function describeReview(r: HandoffReview): string {
  const lines = [
    `Hand off ${r.threadId} from ${r.from} to ${r.destination}`,
    `  branch     ${r.branch?.replace(/^refs\/heads\//, '') ?? '(detached)'} at ${r.headCommit.slice(0, 12)} (destination: ${r.tip})`,
    `  worktree   ${r.worktree.path} (${r.worktree.reused ? 'reused' : 'new'})`,
    `  transcript ${r.transcript.items} items`,
    `  commits    ${r.commits.length === 0 ? 'none to send' : `${r.commits.length}${r.commitsTruncated ? '+' : ''}`}`,
    ...r.commits.slice(0, 10).map((c) => `    ${c.sha.slice(0, 12)} ${c.subject}`),
    `  changes    ${r.files.length === 0 ? 'none' : r.files.length}`,
    ...r.files.slice(0, 20).map((f) => `    ${f.state.padEnd(9)} ${f.change.padEnd(8)} ${f.path}`),
    ...(r.files.length > 20 ? [`    … and ${r.files.length - 20} more`] : []),
    ...(r.ignoredLeftBehind.length ? [`  left behind (ignored): ${r.ignoredLeftBehind.slice(0, 10).join(', ')}${r.ignoredTruncated || r.ignoredLeftBehind.length > 10 ? ', …' : ''}`] : []),
    ...(r.willInterrupt ? ['  the running turn will be interrupted first'] : []),
    ...r.warnings.map((w) => `  warning: ${w.message}`),
  ];
  return lines.join('\n') + '\n';
}

function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
    rl.on('close', () => resolve(false));
  });
}

/** Stage changes as lines; on a terminal, the byte count redrawn in place. */
function progressPrinter(): ((p: HandoffProgress) => void) & { end(): void } {
  const tty = !!process.stderr.isTTY;
  let stage = '';
  let drawn = false;
  const print = (p: HandoffProgress) => {
    const bytes = p.bytesTotal ? ` ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}` : '';
    if (tty) {
      process.stderr.write(`\r\x1b[K${p.stage}${bytes}`);
      drawn = true;
    } else if (p.stage !== stage || (p.bytesTotal > 0 && p.bytesDone === p.bytesTotal)) {
      process.stderr.write(`${p.stage}${bytes}\n`);
    }
    stage = p.stage;
  };
  return Object.assign(print, {
    end: () => {
      if (drawn) process.stderr.write('\n');
    },
  });
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// `baton handoff <thread> --to <host>|local [--yes] [--json]`: moves a thread to another host
// (issue 6) through the same coordinator the desktop uses. PROTOCOL.md §6.7.
//
// The coordinator runs in the source's app-server and must reach the destination's. For a
// thread of this computer the CLI runs this computer's app-server embedded (startAppServer with
// AppServerOptions.handoff) and gives its coordinator one peer: an RPC client of the saved
// host's app-server, opened the way `--remote <host>` opens it; each peer message is one
// `handoff/peer` call (RpcPeerLink). For a thread of a remote host (`--remote`), that server has
// no link to the destination: the CLI registers its connection as a relay (`handoff/relay`) and
// delivers each relayed message to the destination (this computer's embedded app-server, or
// another saved host's). This computer's app-server runs in this process either way, so a
// running `baton serve` of this BATON_HOME is refused in one line.
import readline from 'node:readline';
import type { Command } from 'commander';
import { handoffMethods, handoffNotifications, type HandoffProgress, type HandoffReview, type HandoffStatus } from '../../../shared/contracts/handoff';
import { handoffRelayMethods, handoffRelayNotifications } from '../../../shared/contracts/handoffRelay';
import { methods, notifications } from '../../../shared/contracts/rpc';
import { createRpcClient, type RpcClient } from '../../../shared/rpc/client';
import { createAgent } from '../../app-server/agent/index';
import { handoffServiceOf, recoverHandoffs } from '../../app-server/handoff/extension';
import { errorResponse, HandoffFailure, PeerUnavailableError, type PeerLink } from '../../app-server/handoff/peer';
import { RpcPeerLink } from '../../app-server/handoff/rpc';
import type { RecoveryOutcome } from '../../app-server/handoff/service';
import { connectionPair } from '../../app-server/rpc/stdio';
import { startAppServer, type AppServer } from '../../app-server/server/appServer';
import { readLiveServerInfo } from '../../app-server/server/serverInfo';
import { SERVER_VERSION } from '../../app-server/server/version';
import { batonHome, homePaths } from '../../app-server/storage/home';
import { withJson } from '../command';
import { exitCodesHelp } from '../help/texts';
import { CliError, ExitCode, printResult, reportError } from '../output';
import { openRemoteSession } from '../remote/open';
import { selectedRemote } from '../remote/selection';

const tables = { methods: { ...methods, ...handoffMethods, ...handoffRelayMethods }, notifications: { ...notifications, ...handoffNotifications, ...handoffRelayNotifications } };
type HandoffClient = RpcClient<typeof tables.methods, typeof tables.notifications>;

/** This computer's name for itself in `--to` (the same word the desktop uses for its own host). */
const LOCAL = 'local';

export const handoffHelp = `
Moves the thread whole: transcript, plan history, approvals, and its Git branch with every
uncommitted change (untracked files included; ignored files stay and are listed). The review
is printed first and you are asked to confirm; --yes skips the question (required when stdin
is not a terminal). Progress goes to stderr. A running turn is interrupted first. While the
review is shown the destination already takes in what it lacks and checks out the worktree;
the move waits for that, then sends only what changed since.

--to NAME is a host saved with \`baton host add\` (bootstrapped over SSH like --remote NAME),
or \`local\` for this computer. The thread lives on this computer, or on the host named by
--remote (then this baton relays the handoff messages between the two hosts and must keep
running until the end). No \`baton serve\` may be running for this BATON_HOME while this
computer is the source or the destination (stop it, or hand off from the desktop app).

--json prints {operationId, threadId, from, destination, review, status} where review is
{branch, headCommit, worktree {path, reused}, commits [{sha, subject}], commitsTruncated,
files [{path, state: staged|unstaged|untracked, change}], ignoredLeftBehind [path],
ignoredTruncated, transcript {events, items}, tip, warnings [{code, message}], willInterrupt}
and status is {stage, state: moved|aborted|in-doubt, bytesDone, bytesTotal, prestageBytes?, error?}.
Errors with --json: {"error": {code, message, hint?}}; a refusal's code is policyRefused.
${exitCodesHelp}
  (a handoff that did not end with the thread moved exits 1; a refusal such as the thread
   handing off itself or a destination without the matching project exits 3)`;

export function registerHandoffCommand(program: Command): void {
  withJson(
    program
      .command('handoff <thread>')
      .description('move a thread, with its Git state, to another host (a saved SSH host, or `local`)')
      .requiredOption('--to <host>', 'destination: a saved SSH host name, or `local` for this computer')
      .option('--yes', 'do not ask for confirmation after the review')
      .option('--follow-up <prompt>', 'start a turn with this prompt on the destination once the thread arrives')
      .addHelpText('after', handoffHelp),
  ).action(async (thread: string, opts: { to: string; yes?: boolean; followUp?: string; json?: boolean }) => {
    let close: (() => Promise<void>) | null = null;
    try {
      const remote = selectedRemote();
      checkArgs(opts.to, remote?.remote);
      if (!opts.yes && !process.stdin.isTTY) throw new CliError('baton handoff asks for confirmation, and stdin is not a terminal.', 'Pass --yes to hand off without asking.', ExitCode.usage);
      const source = remote ? await openRelayedSource(remote.remote, opts.to) : await openLocalSource(opts.to);
      close = source.close;
      process.exitCode = await handoff(source.client, thread, opts, { destination: opts.to, remote: remote?.remote });
    } catch (e) {
      process.exitCode = reportError(e, opts);
    } finally {
      await close?.().catch(() => undefined);
    }
  });
}

interface Source {
  client: HandoffClient;
  close(): Promise<void>;
}

function checkArgs(to: string, remote: string | undefined): void {
  if (to !== LOCAL && /^(wss?|unix):/i.test(to.trim())) {
    throw new CliError(`--to ${to}: name a host saved with \`baton host add\`, or \`local\`.`, 'See `baton host list`.', ExitCode.usage);
  }
  if (remote && remote === to) throw new CliError(`The thread already lives on ${to}.`, 'Pick another destination.', ExitCode.refused);
  // This computer's app-server runs in this process as source or destination: it must be the only one.
  if (!remote || to === LOCAL) {
    const info = readLiveServerInfo(homePaths(batonHome()).serverInfo);
    if (info) {
      throw new CliError(
        `A baton serve (pid ${info.pid}) owns the threads of ${batonHome()}; baton handoff runs this computer's app-server itself and cannot while it does.`,
        'Stop it and run baton handoff again (or hand off from the desktop app).',
      );
    }
  }
}

/** The destination's app-server, as a PeerLink: a saved host over SSH, or this computer's embedded one. */
async function openDestination(to: string): Promise<{ link: PeerLink; close(): Promise<void> }> {
  if (to === LOCAL) {
    const app = await startAppServer({ home: batonHome(), createAgent: (settings) => createAgent(settings) });
    const service = handoffServiceOf(app)!;
    return { link: { send: (req, payload) => service.handle(req, payload) }, close: () => app.close() };
  }
  const dest = await openRemoteSession({ remote: to }, tables);
  // Binary peer frames on the secure channel when there is one (packs without base64).
  return { link: dest.peer ?? new RpcPeerLink(to, (method, params) => dest.client.call(method, params as never)), close: () => dest.close() };
}

/** This computer's app-server in this process, its coordinator linked to `to`'s app-server. */
async function openLocalSource(to: string): Promise<Source> {
  const dest = to === LOCAL ? null : await openDestination(to);
  let app: AppServer;
  try {
    app = await startAppServer({
      home: batonHome(),
      createAgent: (settings) => createAgent(settings),
      handoff: { peers: (host) => (dest && host === to ? dest.link : null), hosts: () => (dest ? [LOCAL, to] : [LOCAL]) },
    });
  } catch (e) {
    await dest?.close().catch(() => undefined);
    throw e;
  }
  // An earlier handoff cut short (this process killed, the link lost) ends first, now that its
  // peer is reachable again: the thread is then in exactly one place before anything new starts.
  for (const r of await recoverHandoffs(app)) noteRecovery(r);
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

/**
 * The thread lives on `remote`, whose server has no link to the destination: this process
 * relays. It registers its connection with `handoff/relay` and delivers each relayed peer
 * message to the destination's app-server (this computer's embedded, or a saved host's).
 */
async function openRelayedSource(remote: string, to: string): Promise<Source> {
  const session = await openRemoteSession(selectedRemote()!, tables);
  let dest: Awaited<ReturnType<typeof openDestination>> | null = null;
  try {
    dest = await openDestination(to);
    const link = dest.link;
    // Both logs of a thread must name hosts alike (the destination records the move under its
    // own name): this computer is `local` to itself, so the source must not be `local` too.
    const { hostId } = await session.client.call('initialize', { clientName: 'baton-cli', clientVersion: SERVER_VERSION });
    if (to === LOCAL && hostId === LOCAL) {
      throw new CliError(
        `The Baton server on ${remote} calls itself "local", like this computer, so it cannot hand a thread here (the two logs would disagree about where the thread went).`,
        `Restart it under its name: \`baton host stop ${remote}\`, then on ${remote} run \`BATON_HOST_ID=${remote} baton serve\` (the SSH bootstrap does not name the server yet).`,
      );
    }
    session.client.on('handoff/relayRequest', (r) => {
      void link
        .send(r.request, r.payload === undefined ? undefined : Buffer.from(r.payload, 'base64'))
        .catch((e: unknown) => errorResponse(r.request.type === 'describe' ? undefined : r.request.op, e instanceof PeerUnavailableError ? new HandoffFailure('peer-unreachable', e.message) : e))
        .then((response) => session.client.call('handoff/relayAnswer', { id: r.id, response }))
        .catch(() => undefined); // the source lost us: its coordinator treats the silence as a cut connection
    });
    await session.client.call('handoff/relay', { hosts: [to] });
    const d = dest;
    return {
      client: session.client,
      close: async () => {
        await session.close();
        await d.close();
      },
    };
  } catch (e) {
    await session.close().catch(() => undefined);
    await dest?.close().catch(() => undefined);
    throw e;
  }
}

function noteRecovery(r: RecoveryOutcome): void {
  process.stderr.write(`baton: earlier handoff ${r.op} of ${r.thread}: ${r.settled ? `the thread is live on ${r.resolution?.live === 'destination' ? 'the destination' : 'the source'}` : `still waiting for the other host${r.error ? ` (${r.error})` : ''}`}\n`);
}

async function handoff(client: HandoffClient, thread: string, opts: { to: string; yes?: boolean; followUp?: string; json?: boolean }, where: { destination: string; remote?: string }): Promise<number> {
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
          ? `baton: the handoff of ${review.threadId} is waiting for ${review.destination} (stage ${status.stage}).${why} Run baton ${where.remote ? `--remote ${where.remote} ` : ''}handoff ${review.threadId} --to ${where.destination} again when it is reachable: recovery finishes it first.\n`
          : `baton: the handoff of ${review.threadId} was aborted at ${status.stage}; the thread stays on ${review.from}.${why}\n`,
      );
    }
    return ExitCode.failure;
  }
  // Pre-staging moved most bytes before the click; say both, so the figure is not a surprise.
  const sent = status.prestageBytes !== undefined ? `${formatBytes(status.prestageBytes)} pre-staged, ${formatBytes(status.bytesTotal)} after the click` : `${formatBytes(status.bytesTotal)} sent`;
  printResult(opts, result, () => `Moved thread ${review.threadId} to ${review.destination} (${sent}). Continue it there: baton ${where.destination === LOCAL ? '' : `--remote ${where.destination} `}resume ${review.threadId}`);
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

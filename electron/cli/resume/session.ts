// An attached session (`baton resume`): the transcript tail, then live items as the thread's
// host reports them; lines of input become turns or approval answers (decide.ts says which);
// Ctrl-C interrupts, a second Ctrl-C detaches. Detaching never stops the thread: it keeps
// running on its host, and `baton resume` attaches again.
import { createInterface, type Interface } from 'node:readline';
import type { Writable } from 'node:stream';
import type { NotificationParams } from '../../../shared/contracts/rpc';
import type { ThreadMeta, TranscriptItem } from '../../../shared/contracts/thread';
import { painter } from '../colour';
import type { Session } from '../connect';
import { formatHeader, formatItem, pendingApprovals } from '../format';
import { ExitCode } from '../output';
import { decideCtrlC, decideLine, type LineAction } from './decide';

export interface AttachOptions {
  /** A person at a terminal (prompts, Ctrl-C semantics) rather than a script. */
  interactive: boolean;
  json: boolean;
  colour: boolean;
  /** How many transcript items to print on attach. */
  tail: number;
  /** Shown in hints ("baton --remote X resume …"). */
  remoteHint: string;
  input: NodeJS.ReadableStream;
  output: Writable;
  errors: Writable;
}

type Outcome = NotificationParams<'turn/completed'>['outcome'];

export async function attach(s: Session, ref: string, opts: AttachOptions): Promise<number> {
  const { client } = s;
  const paint = painter(opts.colour);
  // The API pages at least one item; --tail 0 reads one and shows none.
  const first = await client.call('thread/read', { thread: ref, limit: Math.max(1, opts.tail) });
  const tailItems = opts.tail ? (first.items ?? []) : [];
  let meta: ThreadMeta = first.thread;
  const threadId = meta.id;
  const again = `baton ${opts.remoteHint}resume ${threadId}`;

  let rl: Interface | null = null;
  /** One record for --json (null: nothing for scripts), or human text (null: nothing to show). */
  const emit = (json: Record<string, unknown> | null, human: () => string | null) => {
    if (opts.json) {
      if (json) opts.output.write(JSON.stringify(json) + '\n');
      return;
    }
    const text = human();
    if (text === null) return;
    if (rl && opts.interactive) {
      // Print above the prompt, then draw the prompt (and what was typed so far) again.
      opts.output.write('\r\x1b[2K' + text.replace(/\n?$/, '\n'));
      rl.prompt(true);
    } else {
      opts.output.write(text.replace(/\n?$/, '\n'));
    }
  };
  const notice = (text: string) => {
    if (rl && opts.interactive && !opts.json) emit(null, () => paint('dim', text));
    else opts.errors.write(`baton: ${text}\n`);
  };
  const styled = (item: TranscriptItem): string => {
    const text = formatItem(item);
    switch (item.type) {
      case 'user_message':
        return paint('cyan', text);
      case 'system_event':
        return paint('dim', text);
      case 'turn_interrupted':
        return paint('red', text);
      case 'approval_request':
        return paint('yellow', `? ${item.summary}  — answer y (allow), n (deny) or a (always)`);
      default:
        return text;
    }
  };

  // ---- state
  let running = !!meta.activeTurnId;
  let interruptRequested = false;
  const pending: string[] = pendingApprovals(first.items ?? [])
    .filter((r) => r.turnId && r.turnId === meta.activeTurnId)
    .map((r) => r.requestId);
  const completedTurns = new Set<string>();
  /** Commands whose output is being streamed: the partial last line of each. */
  const streamed = new Map<string, string>();
  let lastOutcome: Outcome | null = null;
  let lastSent: string | null = null;
  const queue: string[] = [];
  let inputEnded = false;
  let finished = false;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));

  // ---- what was there before we attached
  emit({ type: 'thread', thread: meta }, () => formatHeader(meta));
  if ((first.nextCursor || tailItems.length < (first.items ?? []).length) && !opts.json) emit(null, () => paint('dim', `… earlier items: baton ${opts.remoteHint}thread show ${threadId}`));
  for (const item of tailItems) emit({ type: 'item', item, history: true }, () => styled(item));
  if (running) emit(null, () => paint('dim', pending.length ? '(the turn is waiting for your approval)' : '(a turn is running)'));

  const prompt = () => {
    if (!rl || !opts.interactive) return;
    rl.setPrompt(pending.length ? paint('yellow', 'approve [y/n/a]› ') : running ? paint('dim', '(running) › ') : '› ');
    rl.prompt(true);
  };

  // ---- live items
  const offs: Array<() => void> = [];
  offs.push(
    client.on('item/added', (p) => {
      if (p.threadId !== threadId) return;
      const item = p.item;
      if (item.type === 'approval_request') {
        if (!pending.includes(item.requestId)) pending.push(item.requestId);
        emit({ type: 'approval', requestId: item.requestId, summary: item.summary, tool: item.tool }, () => styled(item));
        prompt();
        pump();
        return;
      }
      if (item.type === 'approval_decision') {
        // Answered here or elsewhere (`baton approve`, the desktop): no longer ours to ask.
        const i = pending.indexOf(item.requestId);
        if (i >= 0) pending.splice(i, 1);
        emit({ type: 'approval', requestId: item.requestId, decision: item.decision }, () => paint('dim', formatItem(item)));
        prompt();
        pump();
        return;
      }
      if (item.type === 'user_message' && item.text === lastSent) {
        lastSent = null; // our own line, already on screen
        emit({ type: 'item', item }, () => null);
        return;
      }
      if (item.type === 'command_execution' && item.status === 'running') {
        emit({ type: 'item', item }, () => paint('dim', `$ ${item.command}  (running…)`));
        return;
      }
      emit({ type: 'item', item }, () => styled(item));
    }),
    // A running command's output, line by line as it arrives (JSON clients get the finished item).
    client.on('thread/event', (p) => {
      if (p.threadId !== threadId || opts.json || p.event.kind !== 'item_delta' || p.event.field !== 'output') return;
      const lines = ((streamed.get(p.event.itemId) ?? '') + p.event.chunk).split('\n');
      streamed.set(p.event.itemId, lines.pop()!);
      if (lines.length) emit(null, () => lines.map((l) => `  ${l}`).join('\n'));
    }),
    client.on('item/updated', (p) => {
      if (p.threadId !== threadId || p.item.type !== 'command_execution' || p.item.status === 'running') return;
      const item = p.item;
      const rest = streamed.get(item.id);
      if (rest === undefined) return emit({ type: 'item', item }, () => styled(item));
      // Its output is on screen already: finish the last line and say how it ended.
      streamed.delete(item.id);
      const state = item.status === 'completed' || item.status === 'failed' ? `exit ${item.exitCode ?? '?'}` : item.status;
      emit({ type: 'item', item }, () => `${rest ? `  ${rest}\n` : ''}${paint(item.status === 'completed' ? 'dim' : 'red', `$ ${item.command}  (${state})`)}`);
    }),
    client.on('thread/status', (p) => {
      if (p.threadId !== threadId) return;
      meta = { ...meta, status: p.status, activeTurnId: p.activeTurnId };
      if (p.status === 'moved') {
        // Handed off: this host no longer runs it, so there is nothing left to attach to here.
        emit({ type: 'detached', threadId, reason: 'moved' }, () => null);
        opts.errors.write(`baton: thread ${threadId} was handed off to another host; attach where it lives now: baton --remote <that host> resume ${threadId}\n`);
        finish(ExitCode.ok);
        return;
      }
      if (p.activeTurnId && !completedTurns.has(p.activeTurnId)) running = true;
      prompt();
    }),
    client.on('turn/completed', (p) => {
      if (p.threadId !== threadId) return;
      completedTurns.add(p.turnId);
      running = false;
      interruptRequested = false;
      pending.length = 0;
      lastOutcome = p.outcome;
      emit({ type: 'turn', turnId: p.turnId, outcome: p.outcome, ...(p.error ? { error: p.error } : {}) }, () =>
        p.outcome === 'completed' ? paint('dim', '— turn completed') : paint('red', p.outcome === 'failed' ? `— turn failed: ${p.error ?? 'unknown error'}` : '— turn interrupted'),
      );
      prompt();
      pump();
    }),
  );

  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    // Resolve first: whatever happens while tearing down, the command ends and closes the session.
    resolveDone(code);
    for (const off of offs) off();
    process.off('SIGINT', onSigint);
    try {
      rl?.close();
    } catch {
      // Already closed with its input.
    }
  };
  const detach = (why?: string) => {
    const keeps = running ? (s.mode === 'embedded' ? ' No `baton serve` runs for this BATON_HOME, so its running turn stops now; start one to keep turns running after you leave.' : ' Its turn keeps running on its host.') : '';
    emit({ type: 'detached', threadId, ...(why ? { reason: why } : {}) }, () => null);
    opts.errors.write(`${opts.interactive && !opts.json ? '\n' : ''}baton: ${why ? `${why} ` : ''}Detached from thread ${threadId}.${keeps} Attach again with: ${again}\n`);
    finish(ExitCode.ok);
  };

  const interrupt = () => {
    interruptRequested = true;
    notice('interrupting the turn… (Ctrl-C again to detach)');
    client.call('turn/interrupt', { thread: threadId }).catch((e: unknown) => notice(`could not interrupt: ${(e as Error).message}`));
  };

  const perform = async (action: LineAction): Promise<void> => {
    switch (action.kind) {
      case 'skip':
      case 'wait':
        return;
      case 'unknown-command':
        notice(`unknown command ${action.name}: /detach, /interrupt, /show, /help`);
        return;
      case 'command':
        if (action.name === 'detach') detach();
        else if (action.name === 'interrupt') {
          if (running) interrupt();
          else notice('no turn is running');
        } else if (action.name === 'show') {
          const r = await client.call('thread/read', { thread: threadId, limit: 1 });
          emit({ type: 'thread', thread: r.thread }, () => formatHeader(r.thread));
        } else notice('type a message to start a turn; y/n/a answers an approval; /interrupt, /detach (or Ctrl-C, Ctrl-D), /show');
        return;
      case 'bad-answer':
        notice(`the turn waits for approval of ${action.requestId}: answer y (allow), n (deny) or a (always)`);
        return;
      case 'answer': {
        const i = pending.indexOf(action.requestId);
        if (i >= 0) pending.splice(i, 1);
        try {
          await client.call('approval/respond', { thread: threadId, requestId: action.requestId, decision: action.decision });
        } catch (e) {
          notice(`could not answer ${action.requestId}: ${(e as Error).message}`);
        }
        prompt();
        return;
      }
      case 'turn': {
        lastSent = action.text;
        running = true;
        try {
          const started = await client.call('turn/start', { thread: threadId, input: action.text });
          // The turn may already have ended (notifications can overtake the response).
          if (completedTurns.has(started.turnId)) running = false;
        } catch (e) {
          running = false;
          lastSent = null;
          lastOutcome = 'failed';
          notice(`${(e as Error).message}${(e as { hint?: string }).hint ? ` ${(e as { hint?: string }).hint}` : ''}`);
        }
        prompt();
        return;
      }
    }
  };

  let pumping = false;
  async function pump(): Promise<void> {
    if (pumping || finished) return;
    pumping = true;
    try {
      while (queue.length && !finished) {
        const action = decideLine({ running, pending }, queue[0]!);
        if (action.kind === 'wait') break;
        queue.shift();
        // One failed call (the server said no) is reported, and the session goes on.
        await perform(action).catch((e: unknown) => notice(`${(e as Error).message}${(e as { hint?: string }).hint ? ` ${(e as { hint?: string }).hint}` : ''}`));
      }
    } finally {
      pumping = false;
    }
    if (finished || !inputEnded || queue.length) return;
    if (opts.interactive) return detach();
    // Scripted: the input is over; wait for the running turn, unless it waits for an answer nobody will give.
    if (pending.length) {
      opts.errors.write(`baton: input ended while the turn waits for approval (${pending[0]}). Detached; answer with: baton ${opts.remoteHint}approve ${threadId} ${pending[0]} allow|deny|always\n`);
      return finish(ExitCode.failure);
    }
    if (!running) finish(lastOutcome === null || lastOutcome === 'completed' ? ExitCode.ok : ExitCode.failure);
  }

  function onSigint(): void {
    if (decideCtrlC(running, interruptRequested) === 'interrupt') interrupt();
    else detach();
  }

  // ---- input
  rl = createInterface({ input: opts.input, ...(opts.interactive ? { output: opts.output, terminal: true } : { terminal: false }) });
  rl.on('line', (line) => {
    queue.push(line);
    if (opts.interactive && decideLine({ running, pending }, line).kind === 'wait') notice('queued: it is sent when the running turn ends');
    void pump();
  });
  rl.on('close', () => {
    inputEnded = true;
    void pump();
  });
  // A terminal's Ctrl-C reaches readline, not the process; a script's arrives as a signal.
  if (opts.interactive) rl.on('SIGINT', onSigint);
  process.on('SIGINT', onSigint);
  prompt();

  void s.lost.then(() => {
    if (finished) return;
    opts.errors.write(`baton: the connection to the Baton server was lost. The thread is intact on its host; attach again with: ${again}\n`);
    finish(ExitCode.failure);
  });
  return done;
}

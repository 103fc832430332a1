// The one path every tool call takes, whichever provider asked for it:
//   owner check → PreToolUse hooks → approval policy (ask, and wait) → run → record → PostToolUse.
// Nothing runs before the user's answer, and nothing runs once the turn's signal is aborted.
// Each call returns a ToolOutcome: the text the model (or the offline summary) gets back.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentSettings, ApprovalRule, Plan, TranscriptItem } from '../../../shared/contracts/thread';
import { runHooks } from './hooks';
import { errorText, type HostTool } from './hostTools';
import { decideApproval, type ToolAction } from './policy';
import { notEnforcedNotice, sandboxedShellArgv, type SandboxStatus } from './sandbox';
import { unifiedDiff } from './tools/diff';
import { ToolError } from './tools/errors';
import { displayPath, resolveToolPath } from './tools/paths';
import { killGroupLeftovers, runProcess, TURN_ENV } from './tools/process';
import { StreamWriter } from './tools/streamWriter';
import { applyPatchToFiles, parsePatch } from './tools/patch';
import type { TurnContext } from './types';

export type ToolStatus = 'completed' | 'failed' | 'declined' | 'blocked' | 'interrupted';

export interface ToolOutcome {
  status: ToolStatus;
  /** For the model: what happened, including output or the reason it did not happen. */
  text: string;
}

export interface ToolRunnerOptions {
  settings: AgentSettings;
  sandbox: SandboxStatus;
  /** Default and ceiling for a command's run time. */
  shellTimeoutMs: number;
  killGraceMs?: number;
}

/** Command output recorded in the transcript per command; the rest is counted, not kept. */
const TRANSCRIPT_OUTPUT_CAP = 1024 * 1024;
/** Command output handed back to a model per call (head and tail). */
const MODEL_OUTPUT_CAP = 16 * 1024;
const READ_CAP = 256 * 1024;
/** Files larger than this are not loaded at all by read_file. */
const READ_MAX_FILE = 16 * 1024 * 1024;

export class ToolRunner {
  private readonly rules: ApprovalRule[];
  private noticeGiven = false;
  private cwdNoticeGiven = false;
  /** Process groups of this turn's commands, for cleanup(). */
  private readonly groups: { pgid: number; command: string }[] = [];

  constructor(
    private readonly ctx: TurnContext,
    private readonly opts: ToolRunnerOptions,
  ) {
    this.rules = [...ctx.approvalRules];
  }

  get aborted(): boolean {
    return this.ctx.signal.aborted;
  }

  private get roots() {
    return { worktree: this.ctx.worktree, extraRoots: this.opts.settings.permissions.writableRoots };
  }

  private item<T extends TranscriptItem['type']>(type: T, fields: Omit<Extract<TranscriptItem, { type: T }>, 'id' | 'at' | 'turnId' | 'type'>) {
    return { id: this.ctx.newId(), turnId: this.ctx.turnId, at: this.ctx.now(), type, ...fields } as Extract<TranscriptItem, { type: T }>;
  }

  private async notice(event: 'notice' | 'error', text: string) {
    await this.ctx.io.addItem(this.item('system_event', { event, text }));
  }

  /**
   * Hooks and approval, the part shared by every tool: `go` to run it, or the status and reason
   * to report instead (the caller records its own blocked/declined item).
   */
  private async gate(
    tool: string,
    input: unknown,
    action: ToolAction,
  ): Promise<{ go: true } | { go: false; status: ToolStatus; reason: string }> {
    if (this.aborted) return { go: false, status: 'interrupted', reason: 'The turn was interrupted.' };
    this.ctx.io.assertOwner();
    const pre = await runHooks(
      this.opts.settings.hooks.preToolUse,
      { hook_event_name: 'PreToolUse', tool_name: tool, tool_input: input, thread_id: this.ctx.thread.id, turn_id: this.ctx.turnId, cwd: this.ctx.worktree },
      this.ctx.signal,
    );
    if (this.aborted) return { go: false, status: 'interrupted', reason: 'The turn was interrupted.' };
    if (!pre.ok) return { go: false, status: 'blocked', reason: `Blocked by PreToolUse hook \`${pre.command}\`: ${pre.message}` };

    const { approvalPolicy, sandbox } = this.opts.settings.permissions;
    const d = decideApproval({ policy: approvalPolicy, sandbox, sandboxEnforced: this.opts.sandbox.enforced, action, rules: this.rules });
    if (d.decision === 'refuse') return { go: false, status: 'failed', reason: d.reason };
    if (d.decision === 'ask') {
      let answer;
      try {
        answer = await this.ctx.io.requestApproval({ tool: d.tool, summary: d.summary, pattern: d.pattern });
      } catch (e) {
        if (this.aborted) return { go: false, status: 'interrupted', reason: 'The turn was interrupted while waiting for approval.' };
        throw e;
      }
      if (this.aborted) return { go: false, status: 'interrupted', reason: 'The turn was interrupted.' };
      if (answer === 'deny') return { go: false, status: 'declined', reason: `The user declined: ${d.summary}.` };
      if (answer === 'always') this.rules.push({ tool: d.tool, pattern: d.pattern, grantedAt: this.ctx.now() });
      // The wait may have been long: the thread could have been fenced for a handoff meanwhile.
      this.ctx.io.assertOwner();
    }
    return { go: true };
  }

  private async post(tool: string, input: unknown, outcome: ToolOutcome) {
    const hooks = this.opts.settings.hooks.postToolUse;
    if (hooks.length === 0 || this.aborted) return;
    const r = await runHooks(
      hooks,
      {
        hook_event_name: 'PostToolUse',
        tool_name: tool,
        tool_input: input,
        tool_response: { status: outcome.status, output: outcome.text },
        thread_id: this.ctx.thread.id,
        turn_id: this.ctx.turnId,
        cwd: this.ctx.worktree,
      },
      this.ctx.signal,
    );
    if (!r.ok && !this.aborted) await this.notice('notice', `PostToolUse hook \`${r.command}\` ${r.message}`);
  }

  /**
   * Where commands start: the thread's working directory when set and present on this host,
   * else the worktree. The setting travels with the thread, so after a move it may name a path
   * of the old host: then say so once and use the worktree rather than fail every command.
   */
  private async commandCwd(): Promise<string> {
    const cwd = this.opts.settings.cwd;
    if (!cwd || cwd === this.ctx.worktree) return this.ctx.worktree;
    if (statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) return cwd;
    if (!this.cwdNoticeGiven) {
      this.cwdNoticeGiven = true;
      await this.notice('notice', `The thread's working directory ${cwd} does not exist on this host; commands run in the worktree ${this.ctx.worktree}.`);
    }
    return this.ctx.worktree;
  }

  async shell(input: { command: string; timeoutMs?: number }): Promise<ToolOutcome> {
    const command = input.command;
    const cwd = await this.commandCwd();
    const gate = await this.gate('shell', input, { kind: 'command', command });
    if (!gate.go) {
      if (gate.status !== 'interrupted') {
        await this.ctx.io.addItem(
          this.item('command_execution', { command, cwd, output: gate.reason, exitCode: null, status: gate.status }),
        );
      }
      return { status: gate.status, text: gate.reason };
    }
    const { sandbox: mode, writableRoots } = this.opts.settings.permissions;
    if (mode !== 'full-access' && !this.opts.sandbox.enforced && !this.noticeGiven) {
      this.noticeGiven = true;
      await this.notice('notice', notEnforcedNotice(mode, this.opts.sandbox.reason));
    }
    const argv = sandboxedShellArgv(mode, this.opts.sandbox, this.ctx.worktree, writableRoots, command, cwd) ?? ['/bin/sh', '-c', command];
    const timeoutMs = Math.min(input.timeoutMs ?? this.opts.shellTimeoutMs, this.opts.shellTimeoutMs);

    const item = this.item('command_execution', { command, cwd, output: '', exitCode: null, status: 'running' });
    await this.ctx.io.addItem(item);

    // The final update carries exactly the text streamed (updateItem replaces the whole item).
    let recorded = '';
    let dropped = 0;
    const stream = new StreamWriter((chunk) => this.ctx.io.appendToItem(item.id, 'output', chunk));
    const append = (chunk: string) => {
      recorded += chunk;
      stream.push(chunk);
    };
    let result;
    try {
      result = await runProcess({
        argv,
        cwd,
        // Tagged so that a restarted server can find this command if ours died with -9.
        env: { ...commandEnv(this.opts.settings), [TURN_ENV]: this.ctx.turnId },
        timeoutMs,
        signal: this.ctx.signal,
        killGraceMs: this.opts.killGraceMs,
        onSpawn: (pgid) => this.groups.push({ pgid, command }),
        onOutput: (chunk) => {
          const room = TRANSCRIPT_OUTPUT_CAP - recorded.length;
          if (room <= 0) {
            dropped += chunk.length;
            return;
          }
          dropped += Math.max(0, chunk.length - room);
          append(chunk.slice(0, room));
        },
      });
    } catch (e) {
      const text = `Could not start the command: ${(e as Error).message}`;
      await stream.flush().catch(() => {});
      await this.ctx.io.updateItem({ ...item, output: text, status: 'failed' });
      return { status: 'failed', text };
    }
    if (dropped > 0) append(`\n[output truncated: ${dropped} more characters not recorded]\n`);
    if (result.timedOut) append(`\n[timed out after ${seconds(timeoutMs)}; the command and its children were stopped]\n`);
    else if (result.signal && !result.aborted) append(`\n[killed by ${result.signal}]\n`);
    const flushed = stream.flush();
    const status: ToolStatus = result.aborted ? 'interrupted' : result.exitCode === 0 && !result.timedOut ? 'completed' : 'failed';
    const final = { ...item, output: recorded, exitCode: result.exitCode, status, durationMs: result.durationMs };
    if (result.aborted) {
      // Best effort: the service records the interrupt itself; a fenced thread refuses this.
      await flushed.catch(() => {});
      await this.ctx.io.updateItem(final).catch(() => {});
      return { status, text: 'The command was interrupted.' };
    }
    await flushed;
    await this.ctx.io.updateItem(final);
    const exit = result.timedOut ? `timed out after ${seconds(timeoutMs)}` : result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
    const outcome = { status, text: `${exit}\n${clip(recorded, MODEL_OUTPUT_CAP)}` };
    await this.post('shell', input, outcome);
    return outcome;
  }

  /**
   * Ends the turn's processes: a command's background jobs (`npm run dev &`) die with the turn.
   * Otherwise a process started here could keep editing this worktree after the thread moved
   * to another host, the failure that makes handoffs untrustworthy. Says so when it acted,
   * unless the turn was interrupted (then the runtime adds nothing).
   */
  async cleanup(): Promise<void> {
    const left = this.groups.filter((g) => killGroupLeftovers(g.pgid));
    this.groups.length = 0;
    if (left.length && !this.aborted) {
      await this.notice('notice', `Stopped background processes left running by ${left.map((g) => `\`${g.command}\``).join(', ')}: processes do not outlive the turn that started them.`);
    }
  }

  async writeFile(input: { path: string; content: string }): Promise<ToolOutcome> {
    let abs: string;
    try {
      abs = resolveToolPath(this.roots, input.path);
    } catch (e) {
      return this.fileError('write_file', input.path, e);
    }
    const rel = displayPath(this.ctx.worktree, abs);
    let before: string | null;
    try {
      if (existsSync(abs) && statSync(abs).isDirectory()) throw new ToolError('is_directory', `${rel} is a directory, not a file.`);
      before = existsSync(abs) ? safeRead(abs) : null;
    } catch (e) {
      return this.fileError('write_file', rel, e);
    }
    const diff = unifiedDiff(rel, before, input.content);
    const kind = before === null ? 'add' : 'modify';
    const gate = await this.gate('write_file', input, { kind: 'write', tool: 'write_file', paths: [rel] });
    if (!gate.go) return this.fileRefused(gate, [{ path: rel, kind, diff }]);
    try {
      mkdirSync(path.dirname(abs), { recursive: true });
      // Re-check after mkdir: a directory created by a racing process could be a symlink now.
      resolveToolPath(this.roots, input.path);
      writeFileSync(abs, input.content);
    } catch (e) {
      return this.fileError('write_file', rel, e);
    }
    await this.ctx.io.addItem(this.item('file_change', { path: rel, kind, diff, status: 'applied' }));
    const outcome: ToolOutcome = { status: 'completed', text: `Wrote ${rel} (${Buffer.byteLength(input.content)} bytes).` };
    await this.post('write_file', input, outcome);
    return outcome;
  }

  async applyPatch(input: { patch: string }): Promise<ToolOutcome> {
    let changes;
    try {
      const ops = parsePatch(input.patch);
      changes = applyPatchToFiles(ops, (p) => {
        const abs = resolveToolPath(this.roots, p);
        return { abs, rel: displayPath(this.ctx.worktree, abs), content: existsSync(abs) ? safeRead(abs) : null };
      });
    } catch (e) {
      return this.fileError('apply_patch', '', e);
    }
    const items = changes.map((c) => ({ path: c.rel, kind: c.kind, diff: unifiedDiff(c.rel, c.before, c.after) }));
    const gate = await this.gate('apply_patch', input, { kind: 'write', tool: 'apply_patch', paths: changes.map((c) => c.rel) });
    if (!gate.go) return this.fileRefused(gate, items);
    const done: string[] = [];
    for (const [i, c] of changes.entries()) {
      try {
        if (c.after === null) {
          rmSync(c.abs, { force: true });
        } else {
          mkdirSync(path.dirname(c.abs), { recursive: true });
          // Re-check after mkdir, as write_file does: the tree may have changed while we asked.
          resolveToolPath(this.roots, c.abs);
          writeFileSync(c.abs, c.after);
        }
      } catch (e) {
        await this.ctx.io.addItem(this.item('file_change', { ...items[i]!, status: 'failed' }));
        return this.fileError('apply_patch', c.rel, e);
      }
      await this.ctx.io.addItem(this.item('file_change', { ...items[i]!, status: 'applied' }));
      done.push(`${c.kind} ${c.rel}`);
    }
    const outcome: ToolOutcome = { status: 'completed', text: `Applied the patch: ${done.join(', ')}.` };
    await this.post('apply_patch', input, outcome);
    return outcome;
  }

  async readFile(input: { path: string }): Promise<ToolOutcome> {
    let abs: string;
    try {
      abs = resolveToolPath(this.roots, input.path);
    } catch (e) {
      return this.fileError('read_file', input.path, e);
    }
    const gate = await this.gate('read_file', input, { kind: 'read' });
    if (!gate.go) {
      if (gate.status === 'blocked') await this.notice('notice', `read_file ${input.path}: ${gate.reason}`);
      return { status: gate.status, text: gate.reason };
    }
    let text: string;
    try {
      const st = statSync(abs);
      if (st.isDirectory()) throw new ToolError('is_directory', `${input.path} is a directory; run \`ls\` with the shell tool to list it.`);
      if (st.size > READ_MAX_FILE) throw new ToolError('too_large', `${input.path} is ${st.size} bytes; read parts of it with the shell tool (head, sed -n).`);
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      return { status: 'failed', text: e instanceof ToolError ? e.message : `Could not read ${input.path}: ${(e as Error).message}` };
    }
    const outcome: ToolOutcome = { status: 'completed', text: text.length > READ_CAP ? text.slice(0, READ_CAP) + `\n[file truncated at ${READ_CAP} characters]` : text };
    await this.post('read_file', input, outcome);
    return outcome;
  }

  /** The host tools this turn may call (TurnContext.hostTools). */
  get hostTools(): readonly HostTool[] {
    return this.ctx.hostTools ?? [];
  }

  /**
   * A host tool call (hostTools.ts), e.g. `handoff_thread`. Recorded as a `command_execution`
   * item whose command is the tool name and its JSON arguments, and whose output is the result
   * (or the reason it did not run): the transcript has no other item for a tool call, and every
   * client already shows this one with its status. Refusals and failures come back to the model
   * as the tool result; only a fenced thread ends the turn, as for every tool.
   */
  async hostTool(name: string, rawArgs: unknown): Promise<ToolOutcome> {
    if (this.aborted) return { status: 'interrupted', text: 'The turn was interrupted.' };
    const tool = this.hostTools.find((t) => t.name === name);
    if (!tool) return { status: 'failed', text: `There is no tool named "${name}" on this host.` };
    const parsed = tool.args.safeParse(rawArgs);
    if (!parsed.success) return { status: 'failed', text: `Invalid arguments for ${name}: ${errorText(parsed.error).replace(/^Invalid arguments: /, '')}` };
    const args = parsed.data;
    const command = `${name} ${JSON.stringify(args)}`;
    const record = (status: ToolStatus | 'running', output: string) => this.item('command_execution', { command, cwd: this.ctx.worktree, output, exitCode: null, status });

    // A thread that is no longer ours asks nothing of anybody, not even a read of another host.
    this.ctx.io.assertOwner();
    let refusal: string | null = null;
    try {
      refusal = (await tool.precheck?.(this.ctx.thread.id, args)) ?? null;
    } catch (e) {
      refusal = errorText(e);
    }
    if (this.aborted) return { status: 'interrupted', text: 'The turn was interrupted.' };
    if (refusal !== null) {
      // Refused before any approval card: the user is never asked for what cannot happen.
      await this.ctx.io.addItem(record('failed', refusal));
      return { status: 'failed', text: refusal };
    }

    const approval = tool.approval(args);
    const action: ToolAction = approval.kind === 'read' ? { kind: 'read' } : { kind: 'host', tool: name, summary: approval.summary, pattern: approval.pattern };
    const gate = await this.gate(name, args, action);
    if (!gate.go) {
      if (gate.status !== 'interrupted') await this.ctx.io.addItem(record(gate.status, gate.reason));
      return { status: gate.status, text: gate.reason };
    }

    const item = record('running', '');
    await this.ctx.io.addItem(item);
    const started = Date.now();
    let outcome: ToolOutcome;
    try {
      const result = await tool.run(this.ctx.thread.id, args, this.ctx.signal);
      outcome = { status: 'completed', text: JSON.stringify(result ?? null, null, 2) };
    } catch (e) {
      outcome = { status: 'failed', text: errorText(e) };
    }
    const final = { ...item, status: outcome.status, output: outcome.text, durationMs: Date.now() - started };
    if (this.aborted) {
      // Best effort, as for a command: the service records the interrupt; a fenced thread refuses this.
      await this.ctx.io.updateItem({ ...final, status: 'interrupted' }).catch(() => {});
      return { status: 'interrupted', text: `${name} was interrupted; its result: ${outcome.text}` };
    }
    await this.ctx.io.updateItem(final);
    await this.post(name, args, outcome);
    return outcome;
  }

  async updatePlan(plan: Plan): Promise<ToolOutcome> {
    const gate = await this.gate('update_plan', plan, { kind: 'plan' });
    if (!gate.go) {
      if (gate.status === 'blocked') await this.notice('notice', `update_plan: ${gate.reason}`);
      return { status: gate.status, text: gate.reason };
    }
    await this.ctx.io.updatePlan(plan);
    await this.ctx.io.addItem(this.item('plan_update', { plan }));
    const outcome: ToolOutcome = { status: 'completed', text: 'Plan updated.' };
    await this.post('update_plan', plan, outcome);
    return outcome;
  }

  private async fileRefused(
    gate: { status: ToolStatus; reason: string },
    changes: { path: string; kind: 'add' | 'modify' | 'delete'; diff: string }[],
  ): Promise<ToolOutcome> {
    if (gate.status === 'interrupted') return { status: gate.status, text: gate.reason };
    const itemStatus = gate.status as 'failed' | 'declined' | 'blocked';
    for (const c of changes) await this.ctx.io.addItem(this.item('file_change', { ...c, status: itemStatus }));
    if (gate.status !== 'declined') await this.notice(gate.status === 'blocked' ? 'notice' : 'error', gate.reason);
    return { status: gate.status, text: gate.reason };
  }

  private async fileError(tool: string, p: string, e: unknown): Promise<ToolOutcome> {
    const text = e instanceof ToolError ? e.message : `${tool}${p ? ` ${p}` : ''} failed: ${(e as Error).message}`;
    await this.notice('error', `${tool}: ${text}`);
    return { status: 'failed', text };
  }
}

/**
 * The environment of the agent's commands: Baton's own, minus the model API key (a command the
 * model runs must not be able to print the key back to it), with pagers that never wait.
 */
export function commandEnv(settings: AgentSettings, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PAGER: 'cat', GIT_PAGER: 'cat' };
  if (settings.apiKeyEnv) delete env[settings.apiKeyEnv];
  return env;
}

function safeRead(abs: string): string {
  return readFileSync(abs, 'utf8');
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 1000)} s`;
}

function clip(s: string, cap: number): string {
  if (s.length <= cap) return s;
  const half = Math.floor(cap / 2);
  return `${s.slice(0, half)}\n[… ${s.length - cap} characters omitted …]\n${s.slice(-half)}`;
}

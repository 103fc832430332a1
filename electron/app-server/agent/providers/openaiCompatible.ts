// The model-backed agent: a Chat Completions tool-call loop. Ask the model; stream its words
// into an agent_message; run the tools it calls through the ToolRunner (so approvals, hooks,
// sandbox and interrupt behave exactly as for the offline agent); send the results back; repeat
// until it answers without calling a tool.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AgentSettings } from '../../../../shared/contracts/thread';
import { hostToolSpec } from '../hostTools';
import type { ToolOutcome, ToolRunner } from '../toolRunner';
import { resolveToolPath } from '../tools/paths';
import { StreamWriter } from '../tools/streamWriter';
import type { TurnContext } from '../types';
import { ProviderError, streamCompletion, TurnAborted, type ToolCall } from './chatStream';

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** Model round trips per turn before Baton stops a model that loops. */
export const MAX_STEPS = 200;
const AGENTS_MD_CAP = 32 * 1024;

export interface OpenAIOptions {
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  fetch: typeof fetch;
}

type Message =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export async function runOpenAITurn(ctx: TurnContext, tools: ToolRunner, settings: AgentSettings, opts: OpenAIOptions): Promise<void> {
  const baseUrl = settings.baseUrl?.trim() || DEFAULT_BASE_URL;
  if (!settings.model) {
    throw new ProviderError('No model is set for the openai-compatible provider. Set `model` in the agent settings (for example "gpt-4.1", or "qwen2.5-coder" on Ollama).');
  }
  let apiKey: string | undefined;
  if (settings.apiKeyEnv) {
    apiKey = opts.env[settings.apiKeyEnv];
    if (!apiKey) {
      throw new ProviderError(`The environment variable ${settings.apiKeyEnv} (apiKeyEnv) is not set on this host. Export it where Baton runs, or clear apiKeyEnv for servers that need no key.`);
    }
  }
  const messages: Message[] = [{ role: 'system', content: systemPrompt(ctx, settings) }, ...history(ctx), { role: 'user', content: ctx.input }];
  // The worktree tools, then whatever the host lends this turn (e.g. handoff_thread).
  const toolSpecs = [...TOOL_SPECS, ...tools.hostTools.map(hostToolSpec)];

  for (let step = 0; step < MAX_STEPS; step++) {
    const say = new MessageStream(ctx);
    let completion;
    try {
      completion = await streamCompletion({
        baseUrl,
        apiKey,
        // No tool_choice: "auto" is the default with tools, and some servers reject the field.
        body: { model: settings.model, messages, tools: toolSpecs },
        signal: ctx.signal,
        timeoutMs: opts.timeoutMs,
        fetch: opts.fetch,
        onText: (t) => say.push(t),
      });
    } catch (e) {
      await say.close().catch(() => {});
      if (e instanceof TurnAborted) return;
      throw e;
    }
    await say.close();
    if (ctx.signal.aborted) return;
    if (completion.toolCalls.length === 0) {
      if (!say.started) await say.whole(completion.content || '(The model ended its turn without a message.)');
      return;
    }
    messages.push({
      role: 'assistant',
      content: completion.content || null,
      tool_calls: completion.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
    });
    for (const call of completion.toolCalls) {
      const outcome = await dispatch(tools, call);
      if (outcome.status === 'interrupted' || ctx.signal.aborted) return;
      messages.push({ role: 'tool', tool_call_id: call.id, content: outcome.text });
    }
  }
  throw new ProviderError(`The model called tools ${MAX_STEPS} times without finishing; Baton stopped the turn. Send a narrower request, or continue with a new message.`);
}

/** Streams model text into one agent_message item, created with the first words. */
class MessageStream {
  private writer: StreamWriter | null = null;
  private created: Promise<void> = Promise.resolve();
  constructor(private readonly ctx: TurnContext) {}

  get started() {
    return this.writer !== null;
  }

  push(text: string) {
    if (this.writer === null) {
      const id = this.ctx.newId();
      this.created = this.ctx.io.addItem({ id, turnId: this.ctx.turnId, at: this.ctx.now(), type: 'agent_message', text: '' });
      this.created.catch(() => {}); // surfaced by close(); not an unhandled rejection meanwhile
      // Appends must not overtake the item they extend.
      const created = this.created;
      this.writer = new StreamWriter(async (chunk) => {
        await created;
        await this.ctx.io.appendToItem(id, 'text', chunk);
      });
    }
    this.writer.push(text);
  }

  async whole(text: string) {
    await this.ctx.io.addItem({ id: this.ctx.newId(), turnId: this.ctx.turnId, at: this.ctx.now(), type: 'agent_message', text });
  }

  async close() {
    await this.created;
    await this.writer?.flush();
  }
}

// ---- tools as the model sees them ----

const ShellArgs = z.object({
  // Codex-trained models send argv arrays (["bash", "-lc", "…"]); take those too.
  command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  timeout_ms: z.number().int().positive().optional(),
});
const WriteArgs = z.object({ path: z.string().min(1), content: z.string() });
const PatchArgs = z.object({ patch: z.string().optional(), input: z.string().optional() }).refine((a) => a.patch ?? a.input, 'patch is required');
const ReadArgs = z.object({ path: z.string().min(1) });
const PlanArgs = z.object({
  explanation: z.string().optional(),
  plan: z.array(z.object({ step: z.string(), status: z.enum(['pending', 'in_progress', 'completed']) })),
});

export const TOOL_SPECS = [
  fn('shell', 'Run a shell command (/bin/sh -c) in the worktree. Output and exit code come back.', {
    command: { type: 'string', description: 'The command line.' },
    timeout_ms: { type: 'integer', description: 'Optional time limit in milliseconds.' },
  }, ['command']),
  fn('write_file', 'Create or overwrite a file in the worktree with the given content.', {
    path: { type: 'string', description: 'Path relative to the worktree.' },
    content: { type: 'string' },
  }, ['path', 'content']),
  fn(
    'apply_patch',
    'Edit files with a patch: "*** Begin Patch", then sections "*** Add File: p" (lines prefixed +), "*** Delete File: p", or "*** Update File: p" followed by "@@" chunks of " " context, "-" removed and "+" added lines; end with "*** End Patch".',
    { patch: { type: 'string' } },
    ['patch'],
  ),
  fn('read_file', 'Read a text file in the worktree.', { path: { type: 'string', description: 'Path relative to the worktree.' } }, ['path']),
  fn(
    'update_plan',
    'Replace the plan shown to the user: a list of steps, each pending, in_progress or completed.',
    {
      explanation: { type: 'string' },
      plan: {
        type: 'array',
        items: {
          type: 'object',
          properties: { step: { type: 'string' }, status: { type: 'string', enum: ['pending', 'in_progress', 'completed'] } },
          required: ['step', 'status'],
        },
      },
    },
    ['plan'],
  ),
];

function fn(name: string, description: string, properties: Record<string, unknown>, required: string[]) {
  return { type: 'function', function: { name, description, parameters: { type: 'object', properties, required } } };
}

async function dispatch(tools: ToolRunner, call: ToolCall): Promise<ToolOutcome> {
  let args: unknown;
  try {
    args = call.arguments.trim() ? JSON.parse(call.arguments) : {};
  } catch {
    return { status: 'failed', text: `The arguments of ${call.name} are not valid JSON: ${call.arguments.slice(0, 200)}` };
  }
  const bad = (e: z.ZodError) => ({ status: 'failed' as const, text: `Invalid arguments for ${call.name}: ${z.prettifyError(e)}` });
  switch (call.name) {
    case 'shell': {
      const a = ShellArgs.safeParse(args);
      if (!a.success) return bad(a.error);
      return tools.shell({ command: commandText(a.data.command), timeoutMs: a.data.timeout_ms });
    }
    case 'write_file': {
      const a = WriteArgs.safeParse(args);
      return a.success ? tools.writeFile(a.data) : bad(a.error);
    }
    case 'apply_patch': {
      const a = PatchArgs.safeParse(args);
      return a.success ? tools.applyPatch({ patch: (a.data.patch ?? a.data.input)! }) : bad(a.error);
    }
    case 'read_file': {
      const a = ReadArgs.safeParse(args);
      return a.success ? tools.readFile(a.data) : bad(a.error);
    }
    case 'update_plan': {
      const a = PlanArgs.safeParse(args);
      return a.success ? tools.updatePlan({ steps: a.data.plan, explanation: a.data.explanation }) : bad(a.error);
    }
    default: {
      // Host tools validate their own arguments (their schema is the one the model was shown).
      if (tools.hostTools.some((t) => t.name === call.name)) return tools.hostTool(call.name, args);
      const names = ['shell', 'write_file', 'apply_patch', 'read_file', 'update_plan', ...tools.hostTools.map((t) => t.name)];
      return { status: 'failed', text: `There is no tool named "${call.name}". The tools are ${names.slice(0, -1).join(', ')} and ${names.at(-1)}.` };
    }
  }
}

/** ["bash","-lc","npm test"] → "npm test"; other argv arrays are shell-quoted. */
export function commandText(command: string | string[]): string {
  if (typeof command === 'string') return command;
  if (command.length === 3 && /^(\/bin\/)?(ba|z|da)?sh$/.test(command[0]!) && /^-l?c$/.test(command[1]!)) return command[2]!;
  return command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

// ---- what the model is told ----

export function systemPrompt(ctx: TurnContext, settings: AgentSettings): string {
  const { approvalPolicy, sandbox } = settings.permissions;
  const parts = [
    `You are a coding agent working in a Git worktree at ${ctx.worktree} (host "${ctx.thread.host}", branch ${ctx.thread.branch ?? '(detached)'}), driven through Baton.`,
    'Use the tools to read and change files and to run commands; paths are relative to the worktree and must stay inside it.',
    'Prefer apply_patch for edits to existing files. Use update_plan to keep a short plan current on multi-step work.',
    `Approval policy: ${approvalPolicy}; sandbox: ${sandbox}. A call the user declines or a hook blocks comes back as a tool result saying so: do not retry it unchanged.`,
    'When done, reply with a short summary of what you changed and what is left.',
  ];
  const lent = ctx.hostTools ?? [];
  if (lent.length) {
    // Host tools act on other threads by name: the model must know which thread is its own.
    parts.push(
      `Host tools (${lent.map((t) => t.name).join(', ')}) act outside this worktree. This thread is ${ctx.thread.id} ("${ctx.thread.title}"): it cannot hand itself off, only other threads.`,
    );
  }
  const agents = readAgentsMd(ctx, settings);
  if (agents) parts.push('', '# Instructions from AGENTS.md in the worktree', agents);
  return parts.join('\n');
}

function readAgentsMd(ctx: TurnContext, settings: AgentSettings): string | null {
  try {
    // Through the path check: an AGENTS.md symlinked to a file outside is not read.
    const p = resolveToolPath({ worktree: ctx.worktree, extraRoots: settings.permissions.writableRoots }, 'AGENTS.md');
    if (!existsSync(p)) return null;
    const text = readFileSync(p, 'utf8');
    return text.length > AGENTS_MD_CAP ? text.slice(0, AGENTS_MD_CAP) + '\n[AGENTS.md truncated]' : text;
  } catch {
    return null;
  }
}

/**
 * Earlier turns, as the model can use them. Tool calls of past turns cannot be replayed as
 * tool messages (their ids and arguments are not kept), so they are told as short notes.
 */
export function history(ctx: TurnContext): Message[] {
  const out: Message[] = [];
  for (const item of ctx.thread.items) {
    if (item.turnId === ctx.turnId) continue; // this turn's own user message comes from ctx.input
    switch (item.type) {
      case 'user_message':
        out.push({ role: 'user', content: item.text });
        break;
      case 'agent_message':
        out.push({ role: 'assistant', content: item.text });
        break;
      case 'command_execution':
        out.push({
          role: 'assistant',
          content: `[earlier: ran \`${item.command}\` → ${item.status}${item.exitCode !== null ? `, exit ${item.exitCode}` : ''}]\n${tail(item.output, 2000)}`,
        });
        break;
      case 'file_change':
        out.push({ role: 'assistant', content: `[earlier: ${item.kind} ${item.path} → ${item.status}]` });
        break;
      case 'turn_interrupted':
        out.push({ role: 'user', content: '[the user interrupted the previous turn]' });
        break;
      case 'system_event':
        if (item.event === 'handed_off' || item.event === 'received') out.push({ role: 'user', content: `[${item.text}]` });
        break;
      default:
        break;
    }
  }
  return out;
}

function tail(s: string, n: number): string {
  return s.length > n ? '…' + s.slice(-n) : s;
}

// The offline agent: no model, no network. It does exactly what the message spells out, in
// order, through the same ToolRunner (approvals, hooks, sandbox, interrupt) as a real model,
// then says what happened. Syntax (documented in the README, "Agents"):
//
//   $ npm test                      a line starting "$ " runs that command (one call per line)
//   ```write src/hello.txt          a fenced block headed "write <path>" writes the block's
//   hello                           lines to the file (the file ends with a newline)
//   ```
//   ```patch                        a fenced block headed "patch" (or "apply_patch") is given
//   *** Begin Patch …               to apply_patch verbatim
//   ```
//   plan: [x] read; [~] fix; [ ] test
//                                   replaces the plan: steps separated by ";", each optionally
//                                   prefixed [x] completed, [~] or [>] in progress, [ ] pending
//   tool: handoff_thread {"thread": "Fix it", "destination": "gpu"}
//                                   calls a host tool (hostTools.ts) with the JSON object that
//                                   follows its name as arguments (none: {}); its result is
//                                   quoted in the summary
//
// Any other line is prose and ignored, and so is everything inside any other fenced block
// (```sh … ``` is an example being quoted, not an order). Fences may use ``` or ~~~.
import type { PlanStep } from '../../../../shared/contracts/thread';
import type { ToolOutcome, ToolRunner } from '../toolRunner';
import type { TurnContext } from '../types';

export type OfflineAction =
  | { kind: 'shell'; command: string }
  | { kind: 'write'; path: string; content: string }
  | { kind: 'patch'; patch: string }
  | { kind: 'plan'; steps: PlanStep[] }
  /** `json`: the arguments as written, parsed when the call is made (a mistake is its failure). */
  | { kind: 'tool'; name: string; json: string };

export function parseOfflineMessage(text: string): OfflineAction[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const actions: OfflineAction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = line.match(/^(```|~~~)\s*(write|patch|apply_patch)\b\s*(.*)$/);
    if (fence) {
      const [, marker, kind, arg] = fence;
      const body: string[] = [];
      i++;
      while (i < lines.length && lines[i]!.trim() !== marker) body.push(lines[i++]!);
      // An unclosed fence takes the rest of the message, like Markdown renders it.
      if (kind === 'write') {
        const path = arg!.trim();
        if (path) actions.push({ kind: 'write', path, content: body.length ? body.join('\n') + '\n' : '' });
      } else {
        actions.push({ kind: 'patch', patch: body.join('\n') });
      }
      continue;
    }
    const other = line.match(/^(```|~~~)/);
    if (other) {
      // Any other fenced block is quoted material (a pasted log, an example), not instructions.
      i++;
      while (i < lines.length && lines[i]!.trim() !== other[1]) i++;
      continue;
    }
    if (line.startsWith('$ ')) {
      const command = line.slice(2).trim();
      if (command) actions.push({ kind: 'shell', command });
      continue;
    }
    const tool = line.match(/^tool:\s*([a-z][a-z0-9_]*)(?:\s+(.*))?$/);
    if (tool) {
      actions.push({ kind: 'tool', name: tool[1]!, json: tool[2]?.trim() || '{}' });
      continue;
    }
    const plan = line.match(/^plan:\s*(.*)$/i);
    if (plan) {
      const steps = parsePlanSteps(plan[1]!);
      if (steps.length) actions.push({ kind: 'plan', steps });
    }
  }
  return actions;
}

export function parsePlanSteps(spec: string): PlanStep[] {
  return spec
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = s.match(/^\[([ xX~>]?)\]\s*(.*)$/);
      if (!m) return { step: s, status: 'pending' as const };
      const mark = m[1]!.toLowerCase();
      const status = mark === 'x' ? 'completed' : mark === '~' || mark === '>' ? 'in_progress' : 'pending';
      return { step: m[2]!.trim(), status } as PlanStep;
    })
    .filter((s) => s.step !== '');
}

const HELP =
  'I am the offline agent: I only do what you spell out. Start a line with "$ " to run a command, ' +
  'put a file in a fenced block headed ```write path/to/file, a patch in a block headed ```patch, ' +
  'set the plan with "plan: [x] done; [~] doing; [ ] to do", and call a host tool with "tool: name {json arguments}". ' +
  'Configure a model provider to chat.';

export async function runOfflineTurn(ctx: TurnContext, tools: ToolRunner): Promise<void> {
  const actions = parseOfflineMessage(ctx.input);
  const report: string[] = [];
  for (const a of actions) {
    if (tools.aborted) return;
    let outcome: ToolOutcome;
    let label: string;
    switch (a.kind) {
      case 'shell':
        label = `\`${a.command}\``;
        outcome = await tools.shell({ command: a.command });
        break;
      case 'write':
        label = `write ${a.path}`;
        outcome = await tools.writeFile({ path: a.path, content: a.content });
        break;
      case 'patch':
        label = 'patch';
        outcome = await tools.applyPatch({ patch: a.patch });
        break;
      case 'plan':
        label = 'plan update';
        outcome = await tools.updatePlan({ steps: a.steps });
        break;
      case 'tool':
        label = a.name;
        outcome = await callHostTool(tools, a.name, a.json);
        break;
    }
    if (outcome.status === 'interrupted' || tools.aborted) return;
    report.push(describe(label, outcome, a.kind === 'tool'));
  }
  const text = actions.length === 0 ? HELP : `Done: ${report.join('; ')}.`;
  await ctx.io.addItem({ id: ctx.newId(), turnId: ctx.turnId, at: ctx.now(), type: 'agent_message', text });
}

async function callHostTool(tools: ToolRunner, name: string, json: string): Promise<ToolOutcome> {
  let args: unknown;
  try {
    args = JSON.parse(json);
  } catch {
    return { status: 'failed', text: `The arguments of ${name} are not a JSON object: ${json.slice(0, 200)}` };
  }
  return tools.hostTool(name, args);
}

function describe(label: string, o: ToolOutcome, quote = false): string {
  switch (o.status) {
    case 'completed':
      // A host tool's result is what the person asked for (an operation id, a status): quote it.
      return quote ? `${label} ok: ${oneLine(o.text)}` : `${label} ok`;
    case 'declined':
      return `${label} declined by you`;
    case 'blocked':
      return `${label} blocked by a hook`;
    case 'failed': {
      const first = o.text.split('\n')[0]!;
      return `${label} failed (${first})`;
    }
    case 'interrupted':
      return `${label} interrupted`;
  }
}

function oneLine(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text.replace(/\s*\n\s*/g, ' ');
  }
}

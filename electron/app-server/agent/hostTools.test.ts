// The host-tool seam end to end with the offline provider: a host tool goes the same way as the
// worktree tools (owner check, hooks, approval policy, transcript item, result to the agent).
// The tools here are small real ones over a temp directory outside the worktree.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { handoffAgentTools } from '../../../shared/contracts/handoff';
import type { AgentSettings } from '../../../shared/contracts/thread';
import { errorText, hostToolSpec, HostToolRegistry, type HostTool } from './hostTools';
import { createAgent } from './index';
import { MemoryTurnIO, testContext, testSettings, type Answerer } from './test-support/memoryTurnIO';

let wt: string;
let elsewhere: string;
beforeEach(() => {
  wt = mkdtempSync(path.join(os.tmpdir(), 'baton-host-tools-'));
  elsewhere = mkdtempSync(path.join(os.tmpdir(), 'baton-host-tools-out-'));
});
afterEach(() => {
  rmSync(wt, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

const notConfined = { enforced: false as const, reason: 'the test runs unconfined' };

/** Appends a line to a log outside the worktree (consequential); refuses lines naming the caller. */
function logTool(calls: string[]): HostTool<{ line: string }> {
  return {
    name: 'log_line',
    description: 'Append a line to the shared log.',
    args: z.object({ line: z.string().min(1) }),
    approval: (a) => ({ kind: 'consequential', summary: `Log "${a.line}"`, pattern: a.line }),
    precheck: async (caller, a) => (a.line === caller ? `A thread may not log its own id (${caller}).` : null),
    run: async (caller, a) => {
      calls.push(`${caller}:${a.line}`);
      if (a.line === 'boom') throw Object.assign(new Error('The log is full.'), { code: 'too-large', hint: 'Rotate it first.' });
      appendFileSync(path.join(elsewhere, 'log'), `${a.line}\n`);
      return { lines: readFileSync(path.join(elsewhere, 'log'), 'utf8').split('\n').filter(Boolean).length };
    },
  };
}

const countTool: HostTool<Record<string, never>> = {
  name: 'log_count',
  description: 'How many lines the shared log has.',
  args: z.object({}).strict(),
  approval: () => ({ kind: 'read' }),
  run: async () => ({ lines: existsSync(path.join(elsewhere, 'log')) ? readFileSync(path.join(elsewhere, 'log'), 'utf8').split('\n').filter(Boolean).length : 0 }),
};

async function turn(input: string, settings: AgentSettings, opts: { answer?: Answerer; calls?: string[]; fenced?: boolean } = {}) {
  const io = new MemoryTurnIO(opts.answer);
  io.fenced = opts.fenced ?? false;
  const ctx = { ...testContext({ worktree: wt, input, settings, io }), hostTools: [logTool(opts.calls ?? []), countTool] };
  const error = await createAgent(settings, { sandbox: notConfined })
    .runTurn(ctx)
    .then(
      () => null,
      (e: Error) => e,
    );
  return { io, error, summary: io.ofType('agent_message').at(-1)?.text ?? '' };
}

const profile = (approvalPolicy: AgentSettings['permissions']['approvalPolicy'], sandbox: AgentSettings['permissions']['sandbox']) =>
  testSettings({ permissions: { approvalPolicy, sandbox } });

describe('host tools through the runtime (offline agent)', () => {
  // What one consequential call does under each profile, answered "allow" when asked.
  const table: [AgentSettings['permissions']['approvalPolicy'], AgentSettings['permissions']['sandbox'], 'ran unasked' | 'ran after asking' | 'refused'][] = [
    ['untrusted', 'full-access', 'ran after asking'],
    ['untrusted', 'workspace-write', 'ran after asking'],
    ['on-request', 'read-only', 'ran after asking'],
    ['on-request', 'workspace-write', 'ran after asking'],
    ['on-request', 'full-access', 'ran unasked'],
    ['never', 'read-only', 'refused'],
    ['never', 'workspace-write', 'refused'],
    ['never', 'full-access', 'ran unasked'],
  ];
  it.each(table)('%s / %s: %s', async (policy, sandbox, expected) => {
    const calls: string[] = [];
    const { io, error, summary } = await turn('tool: log_line {"line": "hello"}', profile(policy, sandbox), { calls });
    expect(error).toBeNull();
    const [item] = io.ofType('command_execution');
    expect(item).toMatchObject({ command: 'log_line {"line":"hello"}', cwd: wt, exitCode: null });
    if (expected === 'refused') {
      expect(calls).toEqual([]);
      expect(io.asks).toEqual([]);
      expect(item).toMatchObject({ status: 'failed', output: expect.stringContaining('full-access') });
      expect(summary).toContain('log_line failed (Refused:');
    } else {
      expect(calls).toEqual(['thread-test:hello']);
      expect(io.asks).toEqual(expected === 'ran unasked' ? [] : [expect.objectContaining({ tool: 'log_line', pattern: 'hello' })]);
      expect(item).toMatchObject({ status: 'completed', output: JSON.stringify({ lines: 1 }, null, 2) });
      expect(item!.durationMs).toBeGreaterThanOrEqual(0);
      expect(summary).toBe('Done: log_line ok: {"lines":1}.');
    }
  });

  it('nothing runs before the answer; a declined call is recorded as declined and the turn goes on', async () => {
    const calls: string[] = [];
    const { io, summary } = await turn('tool: log_line {"line": "one"}\ntool: log_count', profile('untrusted', 'workspace-write'), {
      calls,
      answer: (_ask, io) => {
        expect(calls).toEqual([]);
        expect(io.ofType('command_execution')).toEqual([]);
        return 'deny';
      },
    });
    expect(calls).toEqual([]);
    expect(io.ofType('command_execution').map((i) => [i.command, i.status])).toEqual([
      ['log_line {"line":"one"}', 'declined'],
      ['log_count {}', 'completed'], // a read never asks, even under untrusted
    ]);
    expect(io.asks).toHaveLength(1);
    expect(summary).toBe('Done: log_line declined by you; log_count ok: {"lines":0}.');
  });

  it('"always" grants exactly that pattern for the rest of the turn', async () => {
    const calls: string[] = [];
    const { io } = await turn('tool: log_line {"line": "a"}\ntool: log_line {"line": "a"}\ntool: log_line {"line": "b"}', profile('untrusted', 'full-access'), {
      calls,
      answer: () => 'always',
    });
    expect(calls).toEqual(['thread-test:a', 'thread-test:a', 'thread-test:b']);
    expect(io.asks.map((a) => a.pattern)).toEqual(['a', 'b']);
  });

  it('a precheck refusal is the tool result, with no approval card and nothing run', async () => {
    const calls: string[] = [];
    const { io, error, summary } = await turn('tool: log_line {"line": "thread-test"}\ntool: log_count', profile('untrusted', 'full-access'), { calls });
    expect(error).toBeNull();
    expect(calls).toEqual([]);
    expect(io.asks).toEqual([]);
    expect(io.ofType('command_execution')[0]).toMatchObject({ status: 'failed', output: 'A thread may not log its own id (thread-test).' });
    expect(summary).toBe('Done: log_line failed (A thread may not log its own id (thread-test).); log_count ok: {"lines":0}.');
  });

  it('an error thrown by the tool comes back with its code and hint; the turn goes on', async () => {
    const { io, error, summary } = await turn('tool: log_line {"line": "boom"}\ntool: log_line {"line": "after"}', profile('never', 'full-access'));
    expect(error).toBeNull();
    expect(io.ofType('command_execution').map((i) => [i.status, i.output])).toEqual([
      ['failed', '[too-large] The log is full. Rotate it first.'],
      ['completed', JSON.stringify({ lines: 1 }, null, 2)],
    ]);
    expect(summary).toContain('log_line failed ([too-large] The log is full. Rotate it first.)');
  });

  it('bad arguments, unknown tools and unparsable JSON are failures told to the agent, not crashes', async () => {
    const calls: string[] = [];
    const { io, error, summary } = await turn('tool: log_line {"line": ""}\ntool: nope {}\ntool: log_line {oops\ntool: log_count {"x": 1}', profile('never', 'full-access'), { calls });
    expect(error).toBeNull();
    expect(calls).toEqual([]);
    expect(io.ofType('command_execution')).toEqual([]);
    expect(summary).toMatch(/^Done: log_line failed \(Invalid arguments for log_line: .*Too small.*\); nope failed \(There is no tool named "nope" on this host\.\); log_line failed \(The arguments of log_line are not a JSON object: \{oops\); log_count failed \(Invalid arguments for log_count: .*Unrecognized key: "x"\)\.$/);
  });

  it('a PreToolUse hook matching the host tool blocks it', async () => {
    const calls: string[] = [];
    const settings = testSettings({ hooks: { preToolUse: [{ matcher: ['log_line'], command: 'cat > hook-input.json; echo "no logging today" >&2; exit 2', timeoutMs: 10_000 }], postToolUse: [] } });
    const { io } = await turn('tool: log_line {"line": "x"}', settings, { calls });
    expect(calls).toEqual([]);
    expect(io.ofType('command_execution')[0]).toMatchObject({ status: 'blocked', output: expect.stringContaining('no logging today') });
    expect(JSON.parse(readFileSync(path.join(wt, 'hook-input.json'), 'utf8'))).toMatchObject({ tool_name: 'log_line', tool_input: { line: 'x' }, thread_id: 'thread-test' });
  });

  it('a fenced thread runs no host tool: the turn stops with the fence error', async () => {
    const calls: string[] = [];
    const { error } = await turn('tool: log_count\ntool: log_line {"line": "late"}', profile('never', 'full-access'), { calls, fenced: true });
    expect(error?.name).toBe('FencedError');
    expect(calls).toEqual([]);
    expect(existsSync(path.join(elsewhere, 'log'))).toBe(false);
  });
});

describe('HostToolRegistry', () => {
  it('lists what was registered, late registrations included', () => {
    const r = new HostToolRegistry();
    expect(r.list()).toEqual([]);
    r.register(countTool);
    expect(r.list().map((t) => t.name)).toEqual(['log_count']);
  });

  it.each([
    ['shell', 'already exists'],
    ['log_count', 'already exists'],
    ['Bad-Name', 'lower_snake_case'],
    ['', 'lower_snake_case'],
  ])('refuses the name %j', (name, message) => {
    const r = new HostToolRegistry();
    r.register(countTool);
    expect(() => r.register({ ...countTool, name })).toThrow(message);
    expect(r.list()).toHaveLength(1);
  });
});

describe('hostToolSpec', () => {
  it("gives a model the shared schema's JSON Schema", () => {
    const spec = hostToolSpec({ name: 'handoff_thread', description: 'd', args: handoffAgentTools.handoff_thread.args, approval: () => ({ kind: 'read' }), run: async () => null });
    expect(spec).toMatchObject({ type: 'function', function: { name: 'handoff_thread', description: 'd', parameters: { type: 'object', required: ['thread', 'destination'] } } });
    const props = spec.function.parameters.properties as Record<string, { type: string; description?: string }>;
    expect(Object.keys(props)).toEqual(['thread', 'destination', 'followUpPrompt']);
    expect(props.thread).toMatchObject({ type: 'string', description: 'Thread id, id prefix or exact title' });
    expect(spec.function.parameters).not.toHaveProperty('$schema');
  });
});

describe('errorText', () => {
  it.each([
    [Object.assign(new Error('Nope.'), { code: 'not-connected', hint: 'Connect first.' }), '[not-connected] Nope. Connect first.'],
    [Object.assign(new Error('Gone.'), { kind: 'notFound', code: -32004 }), '[notFound] Gone.'],
    [new Error('Plain.'), 'Plain.'],
    ['a string', 'a string'],
  ])('%o → %s', (e, text) => {
    expect(errorText(e)).toBe(text);
  });
});

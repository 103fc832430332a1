// The openai-compatible provider against a model server on 127.0.0.1: real HTTP, real SSE,
// recorded streamed responses (test-support/recorded), real tools in a temp worktree.
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handoffAgentTools } from '../../../../shared/contracts/handoff';
import type { AgentSettings } from '../../../../shared/contracts/thread';
import type { HostTool } from '../hostTools';
import { createAgent } from '../index';
import { startModelServer, type ModelServer, type Reply } from '../test-support/modelServer';
import { MemoryTurnIO, testContext, testSettings, type Answerer } from '../test-support/memoryTurnIO';
import { commandText, history, systemPrompt } from './openaiCompatible';

let wt: string;
let server: ModelServer | undefined;
beforeEach(() => {
  wt = mkdtempSync(path.join(os.tmpdir(), 'baton-oai-'));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(wt, { recursive: true, force: true });
});

const unconfined = { enforced: false as const, reason: 'the test runs unconfined' };

function settingsFor(baseUrl: string, more: Partial<AgentSettings> = {}, permissions: Partial<AgentSettings['permissions']> = {}) {
  return testSettings({ provider: 'openai-compatible', model: 'gpt-4.1', baseUrl, apiKeyEnv: 'BATON_TEST_KEY', ...more, permissions });
}

async function runWith(
  replies: Reply[],
  opts: { input?: string; answer?: Answerer; signal?: AbortSignal; timeoutMs?: number; settings?: (base: string) => AgentSettings; hostTools?: HostTool[] } = {},
) {
  server = await startModelServer(replies);
  const settings = opts.settings?.(server.baseUrl) ?? settingsFor(server.baseUrl);
  const io = new MemoryTurnIO(opts.answer, opts.signal);
  const ctx = { ...testContext({ worktree: wt, input: opts.input ?? 'Write a greeting file and check it.', settings, io, signal: opts.signal }), hostTools: opts.hostTools };
  const agent = createAgent(settings, { sandbox: unconfined, modelTimeoutMs: opts.timeoutMs ?? 10_000, env: { BATON_TEST_KEY: 'sk-test-123' } });
  const result = agent.runTurn(ctx).then(
    () => null,
    (e: Error) => e,
  );
  return { io, result, server };
}

describe('openai-compatible provider over real HTTP', () => {
  it('runs the tool-call loop: plan, shell, read_file, then a streamed answer', async () => {
    writeFileSync(path.join(wt, 'AGENTS.md'), 'Always greet politely.\n');
    const { io, result, server: s } = await runWith([{ sse: 'openai-plan-and-shell.sse' }, { sse: 'openai-read-file.sse' }, { sse: 'openai-final-text.sse' }]);
    expect(await result).toBeNull();

    expect(readFileSync(path.join(wt, 'greeting.txt'), 'utf8')).toBe('hello from the model\n');
    const [cmd] = io.ofType('command_execution');
    expect(cmd).toMatchObject({ status: 'completed', exitCode: 0, output: 'hello from the model\n' });
    expect(io.plans[0]).toEqual({ explanation: 'Small task', steps: [{ step: 'Write the greeting', status: 'in_progress' }, { step: 'Check it', status: 'pending' }] });
    expect(io.ofType('agent_message').map((m) => m.text)).toEqual(['I wrote greeting.txt and checked its content. Nothing is left to do.']);

    expect(s.requests).toHaveLength(3);
    const [first, second, third] = s.requests;
    expect(first!.url).toBe('/v1/chat/completions');
    expect(first!.headers.authorization).toBe('Bearer sk-test-123');
    expect(first!.body).toMatchObject({ model: 'gpt-4.1', stream: true });
    expect(first!.body.tools).toHaveLength(5);
    expect(first!.body.messages[0]!.role).toBe('system');
    expect(first!.body.messages[0]!.content).toContain('Always greet politely.');
    expect(first!.body.messages.at(-1)).toEqual({ role: 'user', content: 'Write a greeting file and check it.' });
    // The results go back with the ids the model gave its calls.
    const toolMsgs = second!.body.messages.filter((m) => m.role === 'tool');
    expect(toolMsgs.map((m) => m.tool_call_id)).toEqual(['call_Pl4nA', 'call_Sh3lB']);
    expect(toolMsgs[1]!.content).toBe('exit code 0\nhello from the model\n');
    const assistant = second!.body.messages.find((m) => m.role === 'assistant')!;
    expect(assistant.tool_calls).toHaveLength(2);
    expect(third!.body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_R34dC', content: 'hello from the model\n' });
  });

  it('offers host tools with their JSON Schema and dispatches calls to them; bad arguments go back to the model', async () => {
    const calls: unknown[][] = [];
    // A host tool with the real handoff_thread contract; what it does is the test's (the real one
    // is exercised end to end in handoff/agentTools.integration.test.ts).
    const handoff: HostTool = {
      name: 'handoff_thread',
      description: handoffAgentTools.handoff_thread.description,
      args: handoffAgentTools.handoff_thread.args,
      approval: (a) => ({ kind: 'consequential', summary: `Hand off thread "${a.thread}" to ${a.destination}`, pattern: a.destination }),
      run: async (caller, a) => {
        calls.push([caller, a]);
        return { operationId: 'ho_test0001', status: { state: 'running' } };
      },
    };
    const { io, result, server: s } = await runWith([{ sse: 'openai-handoff-thread.sse' }, { sse: 'openai-final-text.sse' }], {
      input: 'Move "Fix it" to the GPU box.',
      hostTools: [handoff],
      settings: (base) => settingsFor(base, {}, { approvalPolicy: 'on-request', sandbox: 'workspace-write' }),
    });
    expect(await result).toBeNull();

    const [first, second] = s.requests;
    const offered = first!.body.tools as { function: { name: string; description: string; parameters: { required: string[]; properties: Record<string, unknown> } } }[];
    expect(offered.map((t) => t.function.name)).toEqual(['shell', 'write_file', 'apply_patch', 'read_file', 'update_plan', 'handoff_thread']);
    expect(offered[5]!.function).toMatchObject({ description: handoffAgentTools.handoff_thread.description, parameters: { type: 'object', required: ['thread', 'destination'] } });
    expect(Object.keys(offered[5]!.function.parameters.properties)).toEqual(['thread', 'destination', 'followUpPrompt']);

    // The valid call asked (on-request) and ran as the calling thread; the one without a destination never ran.
    expect(io.asks).toEqual([{ tool: 'handoff_thread', summary: 'Hand off thread "Fix it" to gpu (outside the workspace-write sandbox)', pattern: 'gpu' }]);
    expect(calls).toEqual([['thread-test', { thread: 'Fix it', destination: 'gpu', followUpPrompt: 'Run the tests there.' }]]);
    expect(io.ofType('command_execution').map((i) => [i.command, i.status])).toEqual([
      ['handoff_thread {"thread":"Fix it","destination":"gpu","followUpPrompt":"Run the tests there."}', 'completed'],
    ]);
    const results = second!.body.messages.filter((m) => m.role === 'tool');
    expect(results.map((m) => m.tool_call_id)).toEqual(['call_H4ndA', 'call_H4ndB']);
    expect(JSON.parse(results[0]!.content!)).toEqual({ operationId: 'ho_test0001', status: { state: 'running' } });
    expect(results[1]!.content).toMatch(/^Invalid arguments for handoff_thread: [\s\S]*destination/);
    expect(first!.body.messages[0]!.content).toContain('Host tools (handoff_thread) act outside this worktree. This thread is thread-test ("test"): it cannot hand itself off');
  });

  it('without host tools the model is offered only the worktree tools, and a call to a host tool is unknown', async () => {
    const { io, result, server: s } = await runWith([{ sse: 'openai-handoff-thread.sse' }, { sse: 'openai-final-text.sse' }]);
    expect(await result).toBeNull();
    expect(s.requests[0]!.body.tools).toHaveLength(5);
    expect(s.requests[0]!.body.messages[0]!.content).not.toContain('Host tools');
    expect(io.ofType('command_execution')).toEqual([]);
    const results = s.requests[1]!.body.messages.filter((m) => m.role === 'tool');
    expect(results[0]!.content).toBe('There is no tool named "handoff_thread". The tools are shell, write_file, apply_patch, read_file and update_plan.');
  });

  it('handles Ollama-style parallel calls (index 0 reused, told apart by id) and CRLF framing', async () => {
    const { io, result, server: s } = await runWith(
      [{ sse: 'ollama-parallel-calls.sse', crlf: true }, { sse: 'ollama-final-text.sse', crlf: true }],
      { settings: (base) => settingsFor(base, { apiKeyEnv: undefined, model: 'qwen2.5-coder:7b' }) },
    );
    expect(await result).toBeNull();
    expect(readFileSync(path.join(wt, 'a.txt'), 'utf8')).toBe('A\n');
    expect(io.ofType('command_execution')[0]).toMatchObject({ command: 'cat a.txt', output: 'A\n' });
    expect(s.requests[0]!.headers.authorization).toBeUndefined();
    expect(s.requests[1]!.body.messages.filter((m) => m.role === 'tool').map((m) => m.tool_call_id)).toEqual(['call_k2j1x9ab', 'call_m7q3z0cd']);
    expect(io.ofType('agent_message').at(-1)!.text).toBe('Wrote a.txt and read it back.');
  });

  it('asks before the model\'s command under untrusted; a denial goes back to the model and the turn goes on', async () => {
    writeFileSync(path.join(wt, 'important.txt'), 'keep\n');
    const { io, result, server: s } = await runWith([{ sse: 'openai-shell-rm.sse' }, { sse: 'openai-after-decline.sse' }], {
      settings: (base) => settingsFor(base, {}, { approvalPolicy: 'untrusted' }),
      answer: () => 'deny',
    });
    expect(await result).toBeNull();
    expect(io.asks).toEqual([{ tool: 'shell', pattern: 'rm -f important.txt', summary: 'Run `rm -f important.txt`' }]);
    expect(existsSync(path.join(wt, 'important.txt'))).toBe(true);
    expect(io.ofType('command_execution')[0]).toMatchObject({ status: 'declined' });
    expect(s.requests[1]!.body.messages.at(-1)!.content).toMatch(/declined/);
    expect(io.ofType('agent_message').at(-1)!.text).toContain('left it in place');
  });

  it('a server that never answers fails the turn with one clear line', async () => {
    const { result } = await runWith([{ hang: 'before-headers' }], { timeoutMs: 400 });
    const e = await result;
    expect(e?.message).toMatch(/^The model server at http:\/\/127\.0\.0\.1:\d+\/v1 did not answer within 0\.4 s\./);
    expect(e?.message).not.toContain('\n');
  });

  it('a stream that stalls halfway fails the same way', async () => {
    const { io, result } = await runWith([{ sse: 'openai-final-text.sse', stallAfterEvents: 3 }], { timeoutMs: 400 });
    expect((await result)?.message).toMatch(/did not answer within/);
    // What did arrive was streamed into the transcript and is kept.
    expect(io.ofType('agent_message')[0]!.text).toBe('I wrote ');
  });

  it.each([
    ['non-JSON data', { raw: 'data: <html>oops</html>\n\n', contentType: 'text/event-stream' }, /not an OpenAI-compatible chat completion \(<html>oops<\/html>\)/],
    ['JSON without choices', { raw: 'data: {"hello":"world"}\n\n', contentType: 'text/event-stream' }, /not an OpenAI-compatible chat completion/],
    ['an HTML page', { raw: '<!doctype html><h1>Welcome to nginx</h1>', contentType: 'text/html' }, /not an OpenAI-compatible chat completion \(a text\/html document/],
    ['an empty stream', { raw: '', contentType: 'text/event-stream' }, /closed the stream without answering/],
    ['an error event mid-stream', { raw: 'data: {"error":{"message":"model overloaded"}}\n\n', contentType: 'text/event-stream' }, /reported an error mid-answer: model overloaded/],
  ] as [string, Reply, RegExp][])('garbage (%s) fails the turn with one clear line', async (_n, reply, msg) => {
    const { result } = await runWith([reply]);
    const e = await result;
    expect(e?.message).toMatch(msg);
    expect(e?.message).not.toContain('\n');
  });

  it.each([
    [401, '{"error":{"message":"Incorrect API key provided: sk-test***123.","type":"invalid_request_error"}}', /answered HTTP 401: Incorrect API key provided: sk-test\*\*\*123\.\. Check the API key/],
    [404, '{"error":"model \\"gpt-9\\" not found, try pulling it first"}', /answered HTTP 404: model "gpt-9" not found.*Check that baseUrl/],
    [500, 'Internal Server Error', /answered HTTP 500: Internal Server Error\. The server failed/],
  ])('HTTP %i fails the turn with the server\'s reason', async (status, body, msg) => {
    const { result } = await runWith([{ raw: body, contentType: body.startsWith('{') ? 'application/json' : 'text/plain', status }]);
    expect((await result)?.message).toMatch(msg);
  });

  it('accepts a whole (non-streamed) JSON answer from servers that ignore stream: true', async () => {
    const body = JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'All good.' }, finish_reason: 'stop' }] });
    const { io, result } = await runWith([{ raw: body, contentType: 'application/json' }]);
    expect(await result).toBeNull();
    expect(io.ofType('agent_message')[0]!.text).toBe('All good.');
  });

  it('interrupt cancels the in-flight request promptly and adds nothing after it', async () => {
    const ac = new AbortController();
    const { io, result, server: s } = await runWith([{ sse: 'openai-final-text.sse', stallAfterEvents: 3 }], { signal: ac.signal, timeoutMs: 30_000 });
    while (io.ofType('agent_message').length === 0) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    ac.abort();
    expect(await result).toBeNull();
    expect(Date.now() - t0).toBeLessThan(1000);
    await s.requests[0]!.closed; // the server saw the connection go
    const count = io.items.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(io.items.length).toBe(count);
  });

  it('configuration errors are one line naming the setting', async () => {
    const { result } = await runWith([], { settings: (base) => settingsFor(base, { model: undefined }) });
    expect((await result)?.message).toMatch(/No model is set.*Set `model`/);
    await server?.close();
    const missingKey = await runWith([], { settings: (base) => settingsFor(base, { apiKeyEnv: 'BATON_NOT_SET_ANYWHERE' }) });
    expect((await missingKey.result)?.message).toMatch(/BATON_NOT_SET_ANYWHERE \(apiKeyEnv\) is not set/);
  });

  it('a server that is not there: "Could not reach"', async () => {
    // Take a free port, then close it so nothing listens there.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const { result } = await runWith([], { settings: () => settingsFor(`http://127.0.0.1:${port}/v1`) });
    expect((await result)?.message).toMatch(/^Could not reach the model server at http:\/\/127\.0\.0\.1:\d+\/v1 \(ECONNREFUSED\)/);
  });
});

describe('commandText', () => {
  it.each([
    ['npm test', 'npm test'],
    [['bash', '-lc', 'npm test && echo ok'], 'npm test && echo ok'],
    [['/bin/sh', '-c', 'ls'], 'ls'],
    [['git', 'commit', '-m', "it's done"], `git commit -m 'it'\\''s done'`],
    [['ls', '-la', 'src/a b'], `ls -la 'src/a b'`],
  ] as [string | string[], string][])('%o → %s', (input, out) => {
    expect(commandText(input)).toBe(out);
  });
});

describe('what the model is told', () => {
  const at = '2026-01-01T00:00:00Z';
  it('earlier turns become messages; this turn\'s own user message is not repeated', () => {
    const settings = testSettings({ provider: 'openai-compatible', model: 'm' });
    const ctx = testContext({
      worktree: wt,
      input: 'now this',
      settings,
      io: new MemoryTurnIO(),
      items: [
        { id: '1', turnId: 't0', at, type: 'user_message', text: 'first' },
        { id: '2', turnId: 't0', at, type: 'command_execution', command: 'ls', cwd: wt, output: 'a\n', exitCode: 0, status: 'completed' },
        { id: '3', turnId: 't0', at, type: 'file_change', path: 'a', kind: 'add', diff: '', status: 'declined' },
        { id: '4', turnId: 't0', at, type: 'agent_message', text: 'did it' },
        { id: '5', turnId: 't0', at, type: 'turn_interrupted', reason: 'x' },
        { id: '6', at, type: 'system_event', event: 'handed_off', text: 'Handed off from laptop to gpu-box' },
        { id: '7', turnId: 'turn-1', at, type: 'user_message', text: 'now this' },
      ],
    });
    expect(history(ctx)).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: '[earlier: ran `ls` → completed, exit 0]\na\n' },
      { role: 'assistant', content: '[earlier: add a → declined]' },
      { role: 'assistant', content: 'did it' },
      { role: 'user', content: '[the user interrupted the previous turn]' },
      { role: 'user', content: '[Handed off from laptop to gpu-box]' },
    ]);
  });

  it('AGENTS.md is included, unless it is a symlink leading out of the worktree', () => {
    const settings = testSettings({ provider: 'openai-compatible', model: 'm' });
    const ctx = testContext({ worktree: wt, input: 'x', settings, io: new MemoryTurnIO() });
    expect(systemPrompt(ctx, settings)).not.toContain('AGENTS.md');
    writeFileSync(path.join(wt, 'AGENTS.md'), 'Use tabs.\n');
    expect(systemPrompt(ctx, settings)).toContain('# Instructions from AGENTS.md in the worktree\nUse tabs.');
    const outside = mkdtempSync(path.join(os.tmpdir(), 'baton-agents-out-'));
    try {
      writeFileSync(path.join(outside, 'secret.md'), 'SECRET');
      rmSync(path.join(wt, 'AGENTS.md'));
      symlinkSync(path.join(outside, 'secret.md'), path.join(wt, 'AGENTS.md'));
      expect(systemPrompt(ctx, settings)).not.toContain('SECRET');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

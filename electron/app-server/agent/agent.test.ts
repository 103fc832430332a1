// The runtime end to end with the offline provider: real shell processes, real files in a temp
// worktree, approvals answered through the TurnIO harness.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from './index';
import { processGroupGone } from './tools/process';
import { commandEnv } from './toolRunner';
import { MemoryTurnIO, testContext, testSettings, type Answerer } from './test-support/memoryTurnIO';
import { eventually, livingProcesses, uniqueSleep } from './test-support/procs';
import type { AgentSettings } from '../../../shared/contracts/thread';

let wt: string;
beforeEach(() => {
  wt = mkdtempSync(path.join(os.tmpdir(), 'baton-agent-'));
});
afterEach(() => {
  rmSync(wt, { recursive: true, force: true });
});

const notConfined = { enforced: false as const, reason: 'the test runs unconfined' };

async function turn(input: string, settings: AgentSettings, answer?: Answerer, signal?: AbortSignal) {
  const io = new MemoryTurnIO(answer, signal);
  const ctx = testContext({ worktree: wt, input, settings, io, signal });
  await createAgent(settings, { sandbox: notConfined }).runTurn(ctx);
  return io;
}

describe('offline agent through the runtime', () => {
  it('runs commands in order in the worktree, writes files, updates the plan, and summarizes', async () => {
    const io = await turn(
      ['Let us start.', '$ echo one && pwd', '$ sh -c "echo err >&2; exit 3"', '```write notes/a.txt', 'hello', '```', 'plan: [x] look; [~] fix; [ ] test'].join('\n'),
      testSettings(),
    );
    const cmds = io.ofType('command_execution');
    expect(cmds.map((c) => [c.command, c.status, c.exitCode])).toEqual([
      ['echo one && pwd', 'completed', 0],
      ['sh -c "echo err >&2; exit 3"', 'failed', 3],
    ]);
    expect(cmds[0]!.output).toBe(`one\n${wt}\n`);
    expect(cmds[0]!.cwd).toBe(wt);
    expect(cmds[1]!.output).toBe('err\n');
    expect(readFileSync(path.join(wt, 'notes/a.txt'), 'utf8')).toBe('hello\n');
    const change = io.ofType('file_change')[0]!;
    expect(change).toMatchObject({ path: 'notes/a.txt', kind: 'add', status: 'applied' });
    expect(change.diff).toContain('+hello');
    expect(io.plans).toEqual([{ steps: [{ step: 'look', status: 'completed' }, { step: 'fix', status: 'in_progress' }, { step: 'test', status: 'pending' }] }]);
    expect(io.ofType('plan_update')).toHaveLength(1);
    const summary = io.ofType('agent_message').at(-1)!.text;
    expect(summary).toContain('`echo one && pwd` ok');
    expect(summary).toContain('failed (exit code 3)');
    expect(summary).toContain('write notes/a.txt ok');
  });

  it("runs commands in the thread's working directory, or in the worktree with a notice when it is not on this host", async () => {
    mkdirSync(path.join(wt, 'pkg'));
    const here = await turn('$ pwd', testSettings({ cwd: path.join(wt, 'pkg') }));
    expect(here.ofType('command_execution')[0]).toMatchObject({ cwd: path.join(wt, 'pkg'), output: `${path.join(wt, 'pkg')}\n`, status: 'completed' });
    expect(here.ofType('system_event')).toEqual([]);

    const moved = await turn('$ pwd\n$ pwd', testSettings({ cwd: '/path/of/another/host' }));
    expect(moved.ofType('command_execution').map((c) => [c.cwd, c.output])).toEqual([
      [wt, `${wt}\n`],
      [wt, `${wt}\n`],
    ]);
    const notices = moved.ofType('system_event').map((e) => e.text);
    expect(notices).toEqual([`The thread's working directory /path/of/another/host does not exist on this host; commands run in the worktree ${wt}.`]);
  });

  it('applies a patch block: every file changes, each recorded with its diff', async () => {
    writeFileSync(path.join(wt, 'a.txt'), 'one\ntwo\nthree\n');
    writeFileSync(path.join(wt, 'old.txt'), 'bye\n');
    const patch = ['*** Begin Patch', '*** Update File: a.txt', '@@', ' one', '-two', '+TWO', '*** Delete File: old.txt', '*** Add File: new/b.txt', '+bee', '*** End Patch'];
    const io = await turn(['```patch', ...patch, '```'].join('\n'), testSettings());
    expect(readFileSync(path.join(wt, 'a.txt'), 'utf8')).toBe('one\nTWO\nthree\n');
    expect(existsSync(path.join(wt, 'old.txt'))).toBe(false);
    expect(readFileSync(path.join(wt, 'new/b.txt'), 'utf8')).toBe('bee\n');
    expect(io.ofType('file_change').map((c) => [c.path, c.kind, c.status])).toEqual([
      ['a.txt', 'modify', 'applied'],
      ['old.txt', 'delete', 'applied'],
      ['new/b.txt', 'add', 'applied'],
    ]);
    expect(io.ofType('file_change')[0]!.diff).toBe('--- a/a.txt\n+++ b/a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n');
  });

  it('a patch that does not apply changes nothing and says why', async () => {
    writeFileSync(path.join(wt, 'a.txt'), 'one\n');
    const patch = ['*** Begin Patch', '*** Add File: b.txt', '+b', '*** Update File: a.txt', '-nope', '+x', '*** End Patch'];
    const io = await turn(['```patch', ...patch, '```'].join('\n'), testSettings());
    expect(existsSync(path.join(wt, 'b.txt'))).toBe(false);
    expect(io.ofType('system_event')[0]!.text).toMatch(/could not find these lines in a.txt/);
    expect(io.ofType('agent_message')[0]!.text).toMatch(/patch failed/);
  });

  it('streams a chatty command\'s output in few appends, all of it, in order', async () => {
    const io = await turn('$ seq 1 20000; echo done', testSettings());
    const [cmd] = io.ofType('command_execution');
    const expected = Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join('') + 'done\n';
    expect(cmd!.output).toBe(expected);
    expect(io.appends).toBeGreaterThan(0);
    expect(io.appends).toBeLessThan(40);
  });

  it('says how to use it when the message asks for nothing', async () => {
    const io = await turn('hello there', testSettings());
    expect(io.ofType('agent_message')[0]!.text).toMatch(/offline agent/);
    expect(io.ofType('command_execution')).toHaveLength(0);
  });

  it('under untrusted asks before a command and runs nothing before the answer', async () => {
    const marker = path.join(wt, 'ran');
    let existedAtAsk: boolean | undefined;
    const io = await turn(`$ touch ${marker}`, testSettings({ permissions: { approvalPolicy: 'untrusted' } }), (ask) => {
      existedAtAsk = existsSync(marker);
      expect(ask).toMatchObject({ tool: 'shell', pattern: `touch ${marker}` });
      return 'allow';
    });
    expect(existedAtAsk).toBe(false);
    expect(existsSync(marker)).toBe(true);
    expect(io.log.slice(0, 3)).toEqual([`ask touch ${marker}`, 'answer allow', 'add command_execution']);
  });

  it('a denied command is recorded as declined and the turn goes on', async () => {
    const io = await turn('$ touch denied\n$ touch allowed', testSettings({ permissions: { approvalPolicy: 'untrusted' } }), (ask) =>
      ask.pattern === 'touch denied' ? 'deny' : 'allow',
    );
    expect(existsSync(path.join(wt, 'denied'))).toBe(false);
    expect(existsSync(path.join(wt, 'allowed'))).toBe(true);
    expect(io.ofType('command_execution').map((c) => [c.command, c.status])).toEqual([
      ['touch denied', 'declined'],
      ['touch allowed', 'completed'],
    ]);
    expect(io.ofType('agent_message')[0]!.text).toContain('`touch denied` declined by you');
  });

  it('"always" adds a rule and the identical command is not asked again', async () => {
    const io = await turn('$ echo same\n$ echo same\n$ echo other', testSettings({ permissions: { approvalPolicy: 'untrusted' } }), () => 'always');
    expect(io.asks.map((a) => a.pattern)).toEqual(['echo same', 'echo other']);
    expect(io.rules.map((r) => [r.tool, r.pattern])).toEqual([
      ['shell', 'echo same'],
      ['shell', 'echo other'],
    ]);
    expect(io.ofType('command_execution').every((c) => c.status === 'completed')).toBe(true);
  });

  it('a standing rule from an earlier turn skips the ask for exactly that command', async () => {
    const settings = testSettings({ permissions: { approvalPolicy: 'untrusted' } });
    const io = new MemoryTurnIO(() => 'deny');
    const rules = [{ tool: 'shell', pattern: 'echo granted', grantedAt: new Date().toISOString() }];
    await createAgent(settings, { sandbox: notConfined }).runTurn(
      testContext({ worktree: wt, input: '$ echo granted\n$ echo granted --more', settings, io, rules }),
    );
    expect(io.asks.map((a) => a.pattern)).toEqual(['echo granted --more']);
    expect(io.ofType('command_execution').map((c) => c.status)).toEqual(['completed', 'declined']);
  });

  it('interrupting `sleep 30` returns within 1 s and leaves no process of its group', async () => {
    const ac = new AbortController();
    const io = new MemoryTurnIO(undefined, ac.signal);
    const settings = testSettings();
    // A background child too: the whole group must go, not just the shell.
    const ctx = testContext({ worktree: wt, input: '$ sleep 30 & sleep 30\n$ touch after', settings, io, signal: ac.signal });
    const done = createAgent(settings, { sandbox: notConfined }).runTurn(ctx);
    const pid = await waitForRunningPid(io);
    expect(processGroupGone(pid)).toBe(false);
    const t0 = Date.now();
    ac.abort();
    await done;
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(1000);
    expect(await eventually(() => processGroupGone(pid), 1000 - elapsed)).toBe(true);
    expect(io.ofType('command_execution').map((c) => c.status)).toEqual(['interrupted']);
    expect(existsSync(path.join(wt, 'after'))).toBe(false);
    expect(io.ofType('agent_message')).toHaveLength(0);
  });

  it('a command that ignores SIGTERM is killed anyway, within 1 s', async () => {
    const ac = new AbortController();
    const io = new MemoryTurnIO(undefined, ac.signal);
    const settings = testSettings();
    const ctx = testContext({ worktree: wt, input: `$ trap '' TERM; sleep 30; echo survived`, settings, io, signal: ac.signal });
    const done = createAgent(settings, { sandbox: notConfined }).runTurn(ctx);
    const pid = await waitForRunningPid(io);
    const t0 = Date.now();
    ac.abort();
    await done;
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(1000);
    expect(await eventually(() => processGroupGone(pid), 1000 - elapsed)).toBe(true);
    expect(io.ofType('command_execution')[0]!.output).not.toContain('survived');
  });

  it('a missing worktree fails the turn with one clear line', async () => {
    const settings = testSettings();
    const io = new MemoryTurnIO();
    const gone = path.join(wt, 'not-there');
    await expect(createAgent(settings, { sandbox: notConfined }).runTurn(testContext({ worktree: gone, input: '$ true', settings, io }))).rejects.toThrow(
      `The thread's worktree ${gone} does not exist on this host.`,
    );
  });

  it('background jobs do not outlive the turn that started them', async () => {
    const settings = testSettings();
    const io = new MemoryTurnIO();
    const secs = uniqueSleep();
    const bg = `sleep ${secs} > /dev/null 2>&1 &`;
    const done = createAgent(settings, { sandbox: notConfined }).runTurn(testContext({ worktree: wt, input: `$ ${bg}\n$ sleep 0.5`, settings, io }));
    expect(await eventually(() => livingProcesses(['sleep', secs]).length === 1, 5000)).toBe(true);
    await done;
    expect(await eventually(() => livingProcesses(['sleep', secs]).length === 0, 1000)).toBe(true);
    expect(io.ofType('command_execution').map((c) => c.status)).toEqual(['completed', 'completed']);
    expect(io.ofType('system_event').at(-1)!.text).toBe(`Stopped background processes left running by \`${bg}\`: processes do not outlive the turn that started them.`);
  });

  it('interrupting while an approval is pending runs nothing', async () => {
    const ac = new AbortController();
    const settings = testSettings({ permissions: { approvalPolicy: 'untrusted' } });
    const io = new MemoryTurnIO(() => new Promise(() => {}), ac.signal);
    const done = createAgent(settings, { sandbox: notConfined }).runTurn(testContext({ worktree: wt, input: '$ touch x', settings, io, signal: ac.signal }));
    while (io.asks.length === 0) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await done;
    expect(existsSync(path.join(wt, 'x'))).toBe(false);
    expect(io.ofType('command_execution')).toHaveLength(0);
  });

  it('a command that outlives its timeout is stopped and reported', async () => {
    const settings = testSettings();
    const io = new MemoryTurnIO();
    await createAgent(settings, { sandbox: notConfined, shellTimeoutMs: 300 }).runTurn(testContext({ worktree: wt, input: '$ echo start; sleep 30', settings, io }));
    const [cmd] = io.ofType('command_execution');
    expect(cmd).toMatchObject({ status: 'failed', exitCode: null });
    expect(cmd!.output).toMatch(/^start\n[\s\S]*timed out/);
  });

  it('refuses file writes that escape the worktree, by .., absolute path or symlink', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'baton-outside-'));
    try {
      symlinkSync(outside, path.join(wt, 'link'));
      const input = ['```write ../escape.txt', 'x', '```', `\`\`\`write ${outside}/abs.txt`, 'x', '```', '```write link/through.txt', 'x', '```'].join('\n');
      const io = await turn(input, testSettings());
      expect(existsSync(path.join(path.dirname(wt), 'escape.txt'))).toBe(false);
      expect(existsSync(path.join(outside, 'abs.txt'))).toBe(false);
      expect(existsSync(path.join(outside, 'through.txt'))).toBe(false);
      const errors = io.ofType('system_event').filter((e) => e.event === 'error').map((e) => e.text);
      expect(errors).toHaveLength(3);
      expect(errors[0]).toMatch(/outside the worktree/);
      expect(errors[2]).toMatch(/symlink/);
      expect(io.ofType('agent_message')[0]!.text).toMatch(/write \.\.\/escape\.txt failed \(Refused/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('a failing PreToolUse hook blocks the call and shows its stderr; PostToolUse sees the result', async () => {
    const settings = testSettings({
      hooks: {
        preToolUse: [{ matcher: ['shell'], command: `grep -q '"rm ' && { echo 'no rm, please' >&2; exit 2; } || exit 0`, timeoutMs: 10_000 }],
        postToolUse: [{ matcher: [], command: 'cat >> post.jsonl; echo >> post.jsonl', timeoutMs: 10_000 }],
      },
    });
    const io = await turn('$ rm -rf src\n$ echo fine', settings);
    const [blocked, ok] = io.ofType('command_execution');
    expect(blocked).toMatchObject({ command: 'rm -rf src', status: 'blocked', exitCode: null });
    expect(blocked!.output).toContain('no rm, please');
    expect(ok).toMatchObject({ command: 'echo fine', status: 'completed' });
    const post = readFileSync(path.join(wt, 'post.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(post).toHaveLength(1);
    expect(post[0]).toMatchObject({ hook_event_name: 'PostToolUse', tool_name: 'shell', tool_input: { command: 'echo fine' }, tool_response: { status: 'completed' } });
    expect(io.ofType('agent_message')[0]!.text).toContain('`rm -rf src` blocked by a hook');
  });

  it('under untrusted asks before every write; "always" covers exactly that path', async () => {
    const w = (p: string, c: string) => `\`\`\`write ${p}\n${c}\n\`\`\``;
    let diffAtAsk = '';
    const io = await turn([w('a.txt', '1'), w('a.txt', '2'), w('b.txt', '3')].join('\n'), testSettings({ permissions: { approvalPolicy: 'untrusted' } }), (ask) => {
      diffAtAsk ||= ask.summary;
      return ask.pattern === 'a.txt' ? 'always' : 'deny';
    });
    expect(diffAtAsk).toBe('Write a.txt');
    expect(io.asks.map((a) => [a.tool, a.pattern])).toEqual([
      ['write_file', 'a.txt'],
      ['write_file', 'b.txt'],
    ]);
    expect(readFileSync(path.join(wt, 'a.txt'), 'utf8')).toBe('2\n');
    expect(existsSync(path.join(wt, 'b.txt'))).toBe(false);
    expect(io.ofType('file_change').map((c) => [c.path, c.kind, c.status])).toEqual([
      ['a.txt', 'add', 'applied'],
      ['a.txt', 'modify', 'applied'],
      ['b.txt', 'add', 'declined'],
    ]);
    // The declined change still shows what would have been written.
    expect(io.ofType('file_change')[2]!.diff).toContain('+3');
  });

  it('a PreToolUse hook that times out blocks a write, and the thread says why', async () => {
    const settings = testSettings({ hooks: { preToolUse: [{ matcher: ['write_file'], command: 'sleep 30', timeoutMs: 200 }], postToolUse: [] } });
    const io = await turn('```write a.txt\nx\n```', settings);
    expect(existsSync(path.join(wt, 'a.txt'))).toBe(false);
    expect(io.ofType('file_change')[0]).toMatchObject({ path: 'a.txt', status: 'blocked' });
    expect(io.ofType('system_event').map((e) => e.text)).toEqual(['Blocked by PreToolUse hook `sleep 30`: timed out after 200 ms']);
  });

  it('tells the thread plainly when the sandbox is not enforced', async () => {
    const io = await turn('$ true\n$ true', testSettings({ permissions: { sandbox: 'workspace-write' } }));
    const notices = io.ofType('system_event').filter((e) => e.event === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toMatch(/^Sandbox not enforced/);
  });

  it('writes under a read-only profile: refused with "never", asked with "on-request"', async () => {
    mkdirSync(path.join(wt, 'd'));
    const never = await turn('```write d/x\nx\n```', testSettings({ permissions: { sandbox: 'read-only', approvalPolicy: 'never' } }));
    expect(existsSync(path.join(wt, 'd/x'))).toBe(false);
    expect(never.ofType('file_change')[0]).toMatchObject({ status: 'failed' });
    const asked = await turn('```write d/x\nx\n```', testSettings({ permissions: { sandbox: 'read-only', approvalPolicy: 'on-request' } }), () => 'deny');
    expect(asked.asks).toHaveLength(1);
    expect(asked.ofType('file_change')[0]).toMatchObject({ status: 'declined', kind: 'add' });
    expect(existsSync(path.join(wt, 'd/x'))).toBe(false);
  });
});

async function waitForRunningPid(io: MemoryTurnIO): Promise<number> {
  // The running item exists once the process is spawned; find the pgid of the sh by its cwd-less command.
  for (let i = 0; i < 500; i++) {
    const running = io.ofType('command_execution').find((c) => c.status === 'running');
    if (running) {
      const pid = findPidByCmdline(running.command);
      if (pid) return pid;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the command never started');
}

function findPidByCmdline(command: string): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv[0] === '/bin/sh' && argv[1] === '-c' && argv[2] === command) return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

describe('commandEnv', () => {
  it('hides the model API key from commands and disables pagers', () => {
    const env = commandEnv(testSettings({ apiKeyEnv: 'MY_KEY' }), { MY_KEY: 'sk-1', PATH: '/bin', PAGER: 'less' });
    expect(env).toEqual({ PATH: '/bin', PAGER: 'cat', GIT_PAGER: 'cat' });
  });
});

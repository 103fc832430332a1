// The sandbox with the real bubblewrap. Whether bwrap can run here (user namespaces, container
// limits) is what the probe says; the tests assert the behaviour the probe reports — confined
// when enforced, a plain "not enforced" notice when not — so neither outcome can pass falsely.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireTool } from '../../test-support/tools';
import { createAgent } from './index';
import { bwrapArgs, probeSandbox } from './sandbox';
import { MemoryTurnIO, testContext, testSettings } from './test-support/memoryTurnIO';
import { livingProcesses, uniqueSleep } from './test-support/procs';
import type { AgentSettings } from '../../../shared/contracts/thread';

const bwrap = requireTool('bwrap', 'bubblewrap');

describe('bwrapArgs', () => {
  it('workspace-write binds the worktree and writable roots after the private /tmp', () => {
    expect(bwrapArgs('workspace-write', '/w', ['/extra'])).toEqual([
      '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp',
      '--bind', '/w', '/w', '--bind', '/extra', '/extra',
      '--unshare-pid', '--die-with-parent', '--chdir', '/w',
    ]);
  });
  it("starts the command in the thread's working directory when one is given", () => {
    expect(bwrapArgs('workspace-write', '/w', [], '/w/pkg').slice(-2)).toEqual(['--chdir', '/w/pkg']);
  });
  it('read-only binds nothing writable, but keeps the worktree visible over the private /tmp', () => {
    const args = bwrapArgs('read-only', '/w', ['/extra']);
    expect(args).not.toContain('--bind');
    expect(args.join(' ')).toContain('--tmpfs /tmp --ro-bind /w /w --ro-bind /extra /extra');
  });
});

describe.skipIf(!bwrap)('commands under bubblewrap (as the probe reports it)', () => {
  const status = probeSandbox(true);
  console.log(`sandbox probe: ${status.enforced ? `enforced with ${status.bwrap}` : `NOT enforced: ${status.reason}`}`);
  let base: string;
  let wt: string;
  let outside: string;
  let extra: string;
  beforeEach(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'baton-sbx-'));
    wt = path.join(base, 'wt');
    outside = path.join(base, 'outside');
    extra = path.join(base, 'extra');
    for (const d of [wt, outside, extra]) mkdirSync(d);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  async function run(input: string, settings: AgentSettings, signal?: AbortSignal) {
    const io = new MemoryTurnIO(undefined, signal);
    const done = createAgent(settings, { sandbox: status }).runTurn(testContext({ worktree: wt, input, settings, io, signal }));
    return { io, done };
  }

  it('workspace-write: writes land in the worktree and writable roots, nowhere else', async () => {
    const settings = testSettings({ permissions: { sandbox: 'workspace-write', writableRoots: [extra] } });
    const { io, done } = await run(`$ touch in.txt\n$ touch ${extra}/x.txt\n$ touch ${outside}/escape.txt`, settings);
    await done;
    const cmds = io.ofType('command_execution');
    expect(existsSync(path.join(wt, 'in.txt'))).toBe(true);
    expect(existsSync(path.join(extra, 'x.txt'))).toBe(true);
    const notices = io.ofType('system_event').filter((e) => e.text.startsWith('Sandbox not enforced'));
    if (status.enforced) {
      expect(cmds.map((c) => c.status)).toEqual(['completed', 'completed', 'failed']);
      expect(existsSync(path.join(outside, 'escape.txt'))).toBe(false);
      expect(notices).toHaveLength(0);
    } else {
      expect(cmds.map((c) => c.status)).toEqual(['completed', 'completed', 'completed']);
      expect(notices).toHaveLength(1);
    }
  });

  it('read-only: even the worktree is read-only', async () => {
    const { io, done } = await run('$ touch in.txt', testSettings({ permissions: { sandbox: 'read-only' } }));
    await done;
    const [cmd] = io.ofType('command_execution');
    if (status.enforced) {
      expect(cmd!.status).toBe('failed');
      expect(cmd!.output).toMatch(/Read-only file system/);
      expect(existsSync(path.join(wt, 'in.txt'))).toBe(false);
    } else {
      expect(cmd!.status).toBe('completed');
      expect(io.ofType('system_event').some((e) => e.text.startsWith('Sandbox not enforced'))).toBe(true);
    }
  });

  it('interrupting a sandboxed `sleep` leaves nothing running, inside or outside', async () => {
    const ac = new AbortController();
    const marker = uniqueSleep();
    const { io, done } = await run(`$ sleep ${marker}`, testSettings({ permissions: { sandbox: 'workspace-write' } }), ac.signal);
    for (let i = 0; i < 500 && livingProcesses(['sleep', marker]).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(livingProcesses(['sleep', marker]).length).toBe(1);
    const t0 = Date.now();
    ac.abort();
    await done;
    expect(Date.now() - t0).toBeLessThan(1000);
    for (let i = 0; i < 50 && livingProcesses(['sleep', marker]).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(livingProcesses(['sleep', marker]).length).toBe(0);
    expect(io.ofType('command_execution')[0]!.status).toBe('interrupted');
  });
});

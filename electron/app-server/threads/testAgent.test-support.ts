// A minimal agent for the thread service's own tests, written against the Agent seam only
// ("$ cmd" runs a command after asking when the policy says so, "plan: a; b" updates the plan).
// It is not the offline agent: that one lives in ../agent/ and is what the end-to-end tests use.
import { spawn } from 'node:child_process';
import type { Agent } from '../agent/types';

export const testAgent: Agent = {
  async runTurn(ctx) {
    for (const line of ctx.input.split('\n')) {
      ctx.io.assertOwner();
      if (ctx.signal.aborted) return;
      if (line.startsWith('plan:')) {
        const plan = { steps: line.slice(5).split(';').map((s) => ({ step: s.trim(), status: 'pending' as const })) };
        await ctx.io.addItem({ id: ctx.newId(), type: 'plan_update', plan, at: ctx.now() });
        await ctx.io.updatePlan(plan);
      } else if (line.startsWith('$ ')) {
        const command = line.slice(2);
        const allowed = ctx.approvalRules.some((r) => r.tool === 'shell' && r.pattern === command);
        if (ctx.thread.settings.permissions.approvalPolicy === 'untrusted' && !allowed) {
          const answer = await ctx.io.requestApproval({ tool: 'shell', summary: `Run \`${command}\``, pattern: command });
          if (answer === 'deny') continue;
        }
        const id = ctx.newId();
        await ctx.io.addItem({ id, type: 'command_execution', command, cwd: ctx.worktree, output: '', exitCode: null, status: 'running', at: ctx.now() });
        const child = spawn('/bin/sh', ['-c', command], { cwd: ctx.worktree, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        const kill = () => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // already gone
          }
        };
        ctx.signal.addEventListener('abort', kill, { once: true });
        const writes: Promise<void>[] = [];
        let output = '';
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          writes.push(ctx.io.appendToItem(id, 'output', d.toString()));
        });
        const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
        ctx.signal.removeEventListener('abort', kill);
        await Promise.all(writes);
        if (ctx.signal.aborted) return;
        await ctx.io.updateItem({ id, type: 'command_execution', command, cwd: ctx.worktree, output, exitCode: code, status: code === 0 ? 'completed' : 'failed', at: ctx.now() });
      } else if (line.trim()) {
        await ctx.io.addItem({ id: ctx.newId(), type: 'agent_message', text: `ok: ${line}`, at: ctx.now() });
      }
    }
  },
};

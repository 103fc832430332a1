import { describe, expect, it } from 'vitest';
import type { ApprovalPolicy, ApprovalRule, SandboxMode } from '../../../shared/contracts/thread';
import { decideApproval, patternFor, ruleCovers, type ToolAction } from './policy';

const cmd: ToolAction = { kind: 'command', command: 'npm test' };
const write: ToolAction = { kind: 'write', tool: 'write_file', paths: ['src/a.ts'] };
const read: ToolAction = { kind: 'read' };
const plan: ToolAction = { kind: 'plan' };
const handoff: ToolAction = { kind: 'host', tool: 'handoff_thread', summary: 'Hand off thread "Fix it" to gpu', pattern: 'gpu' };

type Row = [ApprovalPolicy, SandboxMode, boolean, ToolAction, 'run' | 'ask' | 'refuse'];

// Every policy × sandbox × enforcement × action kind.
const table: Row[] = [
  // untrusted: every command and every write asks, whatever the sandbox
  ['untrusted', 'read-only', true, cmd, 'ask'],
  ['untrusted', 'read-only', false, cmd, 'ask'],
  ['untrusted', 'workspace-write', true, cmd, 'ask'],
  ['untrusted', 'workspace-write', false, cmd, 'ask'],
  ['untrusted', 'full-access', true, cmd, 'ask'],
  ['untrusted', 'full-access', false, cmd, 'ask'],
  ['untrusted', 'read-only', true, write, 'ask'],
  ['untrusted', 'workspace-write', true, write, 'ask'],
  ['untrusted', 'full-access', false, write, 'ask'],
  ['untrusted', 'read-only', false, read, 'run'],
  ['untrusted', 'workspace-write', false, plan, 'run'],
  // on-request: ask for what the sandbox does not allow or cannot enforce
  ['on-request', 'read-only', true, cmd, 'run'],
  ['on-request', 'read-only', false, cmd, 'ask'],
  ['on-request', 'workspace-write', true, cmd, 'run'],
  ['on-request', 'workspace-write', false, cmd, 'ask'],
  ['on-request', 'full-access', true, cmd, 'run'],
  ['on-request', 'full-access', false, cmd, 'run'],
  ['on-request', 'read-only', true, write, 'ask'],
  ['on-request', 'read-only', false, write, 'ask'],
  ['on-request', 'workspace-write', true, write, 'run'],
  ['on-request', 'workspace-write', false, write, 'run'],
  ['on-request', 'full-access', false, write, 'run'],
  ['on-request', 'read-only', false, read, 'run'],
  ['on-request', 'read-only', false, plan, 'run'],
  // never: never asks; what the profile forbids fails
  ['never', 'read-only', true, cmd, 'run'],
  ['never', 'read-only', false, cmd, 'run'],
  ['never', 'workspace-write', true, cmd, 'run'],
  ['never', 'workspace-write', false, cmd, 'run'],
  ['never', 'full-access', false, cmd, 'run'],
  ['never', 'read-only', true, write, 'refuse'],
  ['never', 'read-only', false, write, 'refuse'],
  ['never', 'workspace-write', false, write, 'run'],
  ['never', 'full-access', false, write, 'run'],
  ['never', 'read-only', false, read, 'run'],
  ['never', 'read-only', false, plan, 'run'],
  // a consequential host tool (moving another thread): no sandbox covers it, so only
  // full-access runs it unasked, and `never` refuses it elsewhere; enforcement changes nothing
  ['untrusted', 'read-only', true, handoff, 'ask'],
  ['untrusted', 'workspace-write', true, handoff, 'ask'],
  ['untrusted', 'full-access', true, handoff, 'ask'],
  ['untrusted', 'full-access', false, handoff, 'ask'],
  ['on-request', 'read-only', true, handoff, 'ask'],
  ['on-request', 'workspace-write', true, handoff, 'ask'],
  ['on-request', 'workspace-write', false, handoff, 'ask'],
  ['on-request', 'full-access', true, handoff, 'run'],
  ['on-request', 'full-access', false, handoff, 'run'],
  ['never', 'read-only', true, handoff, 'refuse'],
  ['never', 'workspace-write', true, handoff, 'refuse'],
  ['never', 'workspace-write', false, handoff, 'refuse'],
  ['never', 'full-access', true, handoff, 'run'],
  ['never', 'full-access', false, handoff, 'run'],
];

describe('decideApproval', () => {
  it.each(table)('%s / %s / enforced=%s / %o → %s', (policy, sandbox, sandboxEnforced, action, expected) => {
    expect(decideApproval({ policy, sandbox, sandboxEnforced, action, rules: [] }).decision).toBe(expected);
  });

  const rule = (tool: string, pattern: string): ApprovalRule => ({ tool, pattern, grantedAt: '2026-01-01T00:00:00Z' });

  it('a matching rule turns an ask into run, and never a refuse', () => {
    const asked = { policy: 'untrusted' as const, sandbox: 'workspace-write' as const, sandboxEnforced: true };
    expect(decideApproval({ ...asked, action: cmd, rules: [rule('shell', 'npm test')] })).toEqual({ decision: 'run', byRule: true });
    expect(decideApproval({ ...asked, action: cmd, rules: [rule('shell', 'npm test -- --watch')] }).decision).toBe('ask');
    expect(
      decideApproval({ policy: 'never', sandbox: 'read-only', sandboxEnforced: true, action: write, rules: [rule('write_file', '*')] }).decision,
    ).toBe('refuse');
  });

  it('an ask carries the tool, the pattern an "always" grants, and a summary', () => {
    expect(decideApproval({ policy: 'untrusted', sandbox: 'full-access', sandboxEnforced: false, action: cmd, rules: [] })).toEqual({
      decision: 'ask',
      tool: 'shell',
      pattern: 'npm test',
      summary: 'Run `npm test`',
    });
    const d = decideApproval({ policy: 'on-request', sandbox: 'workspace-write', sandboxEnforced: false, action: cmd, rules: [] });
    expect(d).toMatchObject({ decision: 'ask', summary: 'Run `npm test` (unsandboxed: the workspace-write sandbox is not enforced on this host)' });
    expect(decideApproval({ policy: 'on-request', sandbox: 'workspace-write', sandboxEnforced: true, action: handoff, rules: [] })).toEqual({
      decision: 'ask',
      tool: 'handoff_thread',
      pattern: 'gpu',
      summary: 'Hand off thread "Fix it" to gpu (outside the workspace-write sandbox)',
    });
  });

  it('a host tool rule skips the question for its own pattern only, and never lifts a refusal', () => {
    const asked = { policy: 'untrusted' as const, sandbox: 'workspace-write' as const, sandboxEnforced: true };
    expect(decideApproval({ ...asked, action: handoff, rules: [rule('handoff_thread', 'gpu')] })).toEqual({ decision: 'run', byRule: true });
    expect(decideApproval({ ...asked, action: handoff, rules: [rule('handoff_thread', 'build')] }).decision).toBe('ask');
    expect(decideApproval({ ...asked, action: handoff, rules: [rule('shell', 'gpu')] }).decision).toBe('ask');
    const never = decideApproval({ policy: 'never', sandbox: 'workspace-write', sandboxEnforced: true, action: handoff, rules: [rule('handoff_thread', 'gpu')] });
    expect(never).toMatchObject({ decision: 'refuse', reason: expect.stringContaining('full-access') });
  });
});

describe('ruleCovers', () => {
  const r = (tool: string, pattern: string): ApprovalRule => ({ tool, pattern, grantedAt: 'x' });
  const cases: [ApprovalRule, ToolAction, boolean][] = [
    [r('shell', 'npm test'), cmd, true],
    [r('shell', 'npm'), cmd, false], // commands are exact, never prefixes
    [r('shell', 'npm test '), cmd, false],
    [r('write_file', 'npm test'), cmd, false], // other tool
    [r('write_file', 'src/a.ts'), write, true],
    [r('write_file', 'src/'), write, true],
    [r('write_file', 'src'), write, false], // a directory grant ends with "/"
    [r('write_file', 'src/a'), write, false],
    [r('write_file', '*'), write, true],
    [r('apply_patch', 'src/a.ts'), write, false], // a grant is per tool
    [r('apply_patch', 'src/'), { kind: 'write', tool: 'apply_patch', paths: ['src/a.ts', 'src/b/c.ts'] }, true],
    [r('apply_patch', 'src/'), { kind: 'write', tool: 'apply_patch', paths: ['src/a.ts', 'README.md'] }, false],
    [r('handoff_thread', 'gpu'), handoff, true],
    [r('handoff_thread', '*'), handoff, false], // a host tool's grant is exact, never a wildcard
    [r('handoff_status', 'gpu'), handoff, false],
  ];
  it.each(cases)('%o covers %o: %s', (rule, action, expected) => {
    expect(ruleCovers(rule, action)).toBe(expected);
  });
});

describe('patternFor', () => {
  const w = (...paths: string[]): ToolAction => ({ kind: 'write', tool: 'apply_patch', paths });
  it.each([
    [cmd, 'npm test'],
    [handoff, 'gpu'],
    [w('src/a.ts'), 'src/a.ts'],
    [w('src/a.ts', 'src/b.ts'), 'src/'],
    [w('src/x/a.ts', 'src/x/y/b.ts'), 'src/x/'],
    [w('src/a.ts', 'test/b.ts'), '*'],
    [w('a.ts', 'b.ts'), '*'],
  ] as [ToolAction, string][])('%o → %s', (action, expected) => {
    expect(patternFor(action)).toBe(expected);
  });
});

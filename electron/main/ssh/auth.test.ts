import { describe, expect, it } from 'vitest';
import { planAuthSteps, takeNextStep, type AuthStep } from './auth.js';

const kinds = (steps: AuthStep[]) => steps.map((s) => (s.kind === 'key' ? `key:${s.file}` : s.kind === 'password' ? `password#${s.attempt}` : s.kind));

describe('planAuthSteps (OpenSSH order)', () => {
  it.each([
    ['agent and keys', { agentSocket: '/a.sock', identitiesOnly: false, identityFiles: ['/k1', '/k2'] },
      ['agent', 'key:/k1', 'key:/k2', 'keyboard-interactive', 'password#1', 'password#2', 'password#3']],
    ['IdentitiesOnly leaves the agent out', { agentSocket: '/a.sock', identitiesOnly: true, identityFiles: ['/k1'] },
      ['key:/k1', 'keyboard-interactive', 'password#1', 'password#2', 'password#3']],
    ['no agent, no keys: keyboard-interactive is still there', { agentSocket: undefined, identitiesOnly: false, identityFiles: [] },
      ['keyboard-interactive', 'password#1', 'password#2', 'password#3']],
  ])('%s', (_n, input, expected) => {
    expect(kinds(planAuthSteps(input))).toEqual(expected);
  });
});

describe('takeNextStep', () => {
  const plan = () => planAuthSteps({ agentSocket: '/a.sock', identitiesOnly: false, identityFiles: ['/k1'] });
  it.each([
    ['first call (server list unknown) starts with the agent', null, 'agent'],
    ['publickey allowed', ['publickey', 'password'], 'agent'],
    ['only keyboard-interactive left', ['keyboard-interactive'], 'keyboard-interactive'],
    ['only password left', ['password'], 'password#1'],
    ['nothing we can do', ['hostbased'], undefined],
  ])('%s', (_n, methodsLeft, expected) => {
    const step = takeNextStep(plan(), methodsLeft);
    expect(step ? kinds([step])[0] : undefined).toBe(expected);
  });
  it('walks the plan in order as the server refuses', () => {
    const steps = plan();
    const seen: string[] = [];
    for (let s = takeNextStep(steps, null); s; s = takeNextStep(steps, ['publickey', 'keyboard-interactive', 'password'])) seen.push(kinds([s])[0]!);
    expect(seen).toEqual(['agent', 'key:/k1', 'keyboard-interactive', 'password#1', 'password#2', 'password#3']);
  });
});

// @vitest-environment happy-dom
// The questions SSH asks a person: each kind renders what to judge or answer, and returns the
// answer in the shape of the bridge contract (validated here with its schema).
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PromptAnswer } from '../../shared/contracts/bridge';
import { PromptDialog } from './Connections';
import type { PendingPrompt } from './connectionsStore';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLDivElement;
let root: Root;
let answers: unknown[];
beforeEach(() => {
  answers = [];
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
});
afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

const show = (prompt: PendingPrompt['prompt']) =>
  act(() => root.render(<PromptDialog prompt={{ promptId: 'p1', host: 'gpu-box', prompt }} onAnswer={(a) => answers.push(PromptAnswer.parse(a))} />));
const button = (name: string) => [...container.querySelectorAll('button')].find((b) => b.textContent === name)!;
const type = (input: HTMLInputElement, value: string) =>
  act(() => {
    // React tracks the value it set; go through the native setter so onChange sees the change.
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });

describe('PromptDialog', () => {
  it('unknown host key: shows the SHA256 fingerprint; Trust and Cancel answer it', () => {
    show({ kind: 'host-key', keyType: 'ED25519', fingerprint: 'SHA256:4fBmXzjnVdgjix7sfk2Fx8EQw3I4/wz5nt1XUB5hxw4' });
    expect(container.querySelector('[role="dialog"]')!.getAttribute('aria-label')).toBe('Unknown host key');
    expect(container.textContent).toContain('SHA256:4fBmXzjnVdgjix7sfk2Fx8EQw3I4/wz5nt1XUB5hxw4');
    expect(container.textContent).toContain('gpu-box');
    act(() => button('Trust').click());
    act(() => button('Cancel').click());
    expect(answers).toEqual([
      { kind: 'host-key', trust: true },
      { kind: 'host-key', trust: false },
    ]);
  });

  it('passphrase: a hidden field; Unlock sends it, Cancel sends null; a retry says the last one was wrong', () => {
    show({ kind: 'passphrase', keyFile: '/home/ana/.ssh/id_ed25519', attempt: 2 });
    const input = container.querySelector('input')!;
    expect(input.type).toBe('password');
    expect(container.querySelector('[role="alert"]')!.textContent).toContain('did not unlock');
    type(input, 's3cret');
    act(() => button('Unlock').click());
    act(() => button('Cancel').click());
    expect(answers).toEqual([
      { kind: 'passphrase', passphrase: 's3cret' },
      { kind: 'passphrase', passphrase: null },
    ]);
  });

  it('keyboard-interactive: one field per prompt, echoed or hidden as the server asks', () => {
    show({ kind: 'keyboard-interactive', name: 'Sign in to gpu-box', instructions: 'Use your token', prompts: [{ prompt: 'Password:', echo: false }, { prompt: 'Code:', echo: true }] });
    const inputs = [...container.querySelectorAll('input')];
    expect(inputs.map((i) => i.type)).toEqual(['password', 'text']);
    expect(container.textContent).toContain('Use your token');
    type(inputs[0]!, 'pw');
    type(inputs[1]!, '123456');
    act(() => button('Continue').click());
    act(() => button('Cancel').click());
    expect(answers).toEqual([
      { kind: 'keyboard-interactive', responses: ['pw', '123456'] },
      { kind: 'keyboard-interactive', responses: null },
    ]);
  });
});

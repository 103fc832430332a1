import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { terminalPrompter } from './terminal-prompter.js';

function io(answers: string) {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d) => { text += d; });
  input.end(answers);
  return { p: terminalPrompter({ input, output }), out: () => text };
}

const q = { label: 'gpu', knownHostsName: '[10.0.0.5]:2222', keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', otherKnownTypes: [] };

describe('terminalPrompter', () => {
  it.each([
    ['yes\n', true],
    ['YES\n', true],
    ['no\n', false],
    ['\n', false], // Enter alone never trusts a key
    ['y\nyes\n', true], // "y" is not enough: asked again
    ['', false], // end of input = cancel
  ])('host key answer %j → %s', async (answer, expected) => {
    const t = io(answer);
    expect(await t.p.confirmHostKey(q)).toBe(expected);
    expect(t.out()).toContain("The authenticity of host '[10.0.0.5]:2222' (gpu) can't be established.\nssh-ed25519 key fingerprint is SHA256:abc.");
  });

  it('reads a secret line and says when a retry follows a wrong answer', async () => {
    const t = io('s3cret\n');
    expect(await t.p.ask({ kind: 'passphrase', label: 'gpu', message: 'Passphrase for /k', echo: false, attempt: 2 })).toBe('s3cret');
    expect(t.out()).toBe('Wrong passphrase, try again.\nPassphrase for /k: ');
  });

  it('answers typed ahead (one chunk) go to the questions in turn', async () => {
    const t = io('yes\r\npw\n');
    expect(await t.p.confirmHostKey(q)).toBe(true);
    expect(await t.p.ask({ kind: 'password', label: 'gpu', message: 'Password for a@gpu', echo: false, attempt: 1 })).toBe('pw');
  });

  it('cancels on end of input', async () => {
    const t = io('');
    expect(await t.p.ask({ kind: 'password', label: 'gpu', message: 'Password for a@gpu', echo: false, attempt: 1 })).toBeNull();
  });
});

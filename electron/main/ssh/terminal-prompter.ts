// The prompter for the `baton` CLI: host-key questions and secrets on the terminal, worded like
// OpenSSH's. Secrets are read without echo when stdin is a TTY. Accepting a new host key needs
// the word "yes" typed out (as ssh asks), so a stray Enter never trusts a key.
import type { Readable, Writable } from 'node:stream';
import type { HostKeyQuestion, SecretQuestion, SshPrompter } from './prompter.js';

interface TtyIn extends Readable {
  isTTY?: boolean;
  setRawMode?: (on: boolean) => unknown;
}

/** Reads one line at a time; what arrives after a newline is kept for the next question. */
function lineReader(input: TtyIn, output: Writable) {
  let leftover = '';
  let ended = false;
  input.on('end', () => { ended = true; });
  return (hidden: boolean): Promise<string | null> =>
    new Promise((resolve) => {
      const raw = hidden && input.isTTY && typeof input.setRawMode === 'function';
      let buf = '';
      let done = false;
      const finish = (v: string | null, rest: string) => {
        if (done) return;
        done = true;
        leftover = rest;
        input.off('data', onData);
        input.off('end', onEnd);
        if (raw) {
          input.setRawMode!(false);
          output.write('\n');
        }
        input.pause();
        resolve(v);
      };
      const feed = (text: string) => {
        const chars = [...text];
        for (let i = 0; i < chars.length; i++) {
          const ch = chars[i]!;
          const rest = chars.slice(i + 1).join('');
          if (ch === '\n' || ch === '\r') return finish(buf, ch === '\r' && rest.startsWith('\n') ? rest.slice(1) : rest); // CRLF is one end of line
          if (ch === '\u0003' || ch === '\u0004') return finish(null, rest); // Ctrl-C / Ctrl-D: cancel
          if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
          else buf += ch;
        }
      };
      const onEnd = () => finish(buf.length ? buf : null, '');
      const onData = (d: Buffer | string) => feed(d.toString('utf8'));
      const pending = leftover;
      leftover = '';
      feed(pending);
      if (done) return;
      if (ended) return onEnd();
      if (raw) input.setRawMode!(true);
      input.on('data', onData);
      input.on('end', onEnd);
      input.resume();
    });
}

export function terminalPrompter(io: { input: TtyIn; output: Writable } = { input: process.stdin, output: process.stderr }): SshPrompter {
  const readLine = lineReader(io.input, io.output);
  return {
    async confirmHostKey(q: HostKeyQuestion) {
      const other = q.otherKnownTypes.length ? `\nThe host is known by other key types (${q.otherKnownTypes.join(', ')}), but not by this one.` : '';
      io.output.write(
        `The authenticity of host '${q.knownHostsName}' (${q.label}) can't be established.\n` +
          `${q.keyType} key fingerprint is ${q.fingerprint}.${other}\n` +
          'Are you sure you want to continue connecting (yes/no)? ',
      );
      for (;;) {
        const a = await readLine(false);
        if (a === null) return false;
        const t = a.trim().toLowerCase();
        if (t === 'yes') return true;
        if (t === 'no' || t === '') return false;
        io.output.write("Please type 'yes' or 'no': ");
      }
    },
    async ask(q: SecretQuestion) {
      if (q.attempt > 1) io.output.write(q.kind === 'passphrase' ? 'Wrong passphrase, try again.\n' : 'Permission denied, please try again.\n');
      io.output.write(`${q.message.replace(/:?\s*$/, '')}: `);
      return readLine(!q.echo);
    },
  };
}

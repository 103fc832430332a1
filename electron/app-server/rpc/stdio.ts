// Newline-delimited JSON-RPC over a pair of byte streams (stdin/stdout of `baton serve --stdio`,
// or an SSH channel). A line longer than the limit is answered with an error and skipped up to
// its newline, without ever being held in memory whole.
import type { Readable, Writable } from 'node:stream';
import { MAX_MESSAGE_BYTES, RpcErrorCode } from '../../../shared/contracts/rpc';
import type { MessageConnection } from './dispatcher';

export function lineConnection(input: Readable, output: Writable, maxBytes = MAX_MESSAGE_BYTES): MessageConnection {
  const messageListeners: Array<(t: string) => void> = [];
  const closeListeners: Array<() => void> = [];
  let chunks: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let closed = false;

  const deliver = (buf: Buffer) => {
    const text = buf.toString('utf8').replace(/\r$/, '');
    if (text.trim()) for (const l of messageListeners) l(text);
  };
  const tooLarge = () => {
    output.write(
      JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: RpcErrorCode.messageTooLarge, message: `Message exceeds the limit of ${maxBytes} bytes.`, data: { code: 'messageTooLarge' } } }) + '\n',
    );
  };
  input.on('data', (data: Buffer) => {
    let start = 0;
    while (start < data.length) {
      const nl = data.indexOf(0x0a, start);
      const end = nl < 0 ? data.length : nl;
      if (!skipping) {
        size += end - start;
        if (size > maxBytes) {
          skipping = true;
          chunks = [];
          tooLarge();
        } else {
          chunks.push(data.subarray(start, end));
        }
      }
      if (nl < 0) break;
      if (!skipping) deliver(Buffer.concat(chunks));
      chunks = [];
      size = 0;
      skipping = false;
      start = nl + 1;
    }
  });
  const finish = () => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l();
  };
  input.on('end', finish);
  input.on('close', finish);
  output.on('error', finish);

  return {
    send(text) {
      if (!closed) output.write(text + '\n');
    },
    onMessage(l) {
      messageListeners.push(l);
    },
    onClose(l) {
      closeListeners.push(l);
    },
    close() {
      finish();
      if (output !== process.stdout) output.end();
    },
  };
}

/** Two connected in-process ends: what the CLI uses with an embedded app-server. */
export function connectionPair(): [MessageConnection, MessageConnection] {
  const make = () => ({ msg: [] as Array<(t: string) => void>, close: [] as Array<() => void> });
  const a = make();
  const b = make();
  let closed = false;
  const end = (self: typeof a, other: typeof a): MessageConnection => ({
    send(text) {
      if (closed) return;
      // Async like a real transport, so a reply never runs inside its caller's stack.
      queueMicrotask(() => other.msg.forEach((l) => l(text)));
    },
    onMessage(l) {
      self.msg.push(l);
    },
    onClose(l) {
      self.close.push(l);
    },
    close() {
      if (closed) return;
      closed = true;
      [...a.close, ...b.close].forEach((l) => l());
    },
  });
  return [end(a, b), end(b, a)];
}

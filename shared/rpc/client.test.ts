import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES } from '../contracts/rpc';
import { createRpcClient } from './client';
import { RpcError } from './errors';

describe('createRpcClient', () => {
  it('refuses a request over the message limit at once, instead of waiting for an answer that cannot come', async () => {
    const sent: string[] = [];
    const client = createRpcClient((t) => sent.push(t));
    // Under the limit: sent, and waiting for its answer (never given here).
    void client.call('turn/start', { thread: 't1', input: 'x'.repeat(1_000_000) }).catch(() => undefined);
    expect(sent).toHaveLength(1);
    // Over it: rejected without sending anything.
    const tooBig = await client.call('project/add', { path: `/${'x'.repeat(MAX_MESSAGE_BYTES)}` }).catch((err: unknown) => err);
    expect(tooBig).toBeInstanceOf(RpcError);
    expect((tooBig as RpcError).kind).toBe('messageTooLarge');
    expect(sent).toHaveLength(1);
    client.close('test over');
  });
});

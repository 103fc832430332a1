import { describe, expect, it } from 'vitest';
import { CliError } from '../output';
import { selectionFor, batonCommandPrefix, selectRemote } from './selection';

describe('selectionFor', () => {
  const table: Array<[string, { remote?: string; remoteAuthTokenEnv?: string }, string, unknown]> = [
    ['no remote', {}, 'thread', null],
    ['remote for a thread command', { remote: 'box' }, 'thread', { remote: 'box' }],
    ['remote and token', { remote: 'wss://h:1', remoteAuthTokenEnv: 'T' }, 'resume', { remote: 'wss://h:1', tokenEnv: 'T' }],
  ];
  for (const [name, opts, cmd, out] of table) it(name, () => expect(selectionFor(opts, cmd)).toEqual(out));

  const refused: Array<[string, { remote?: string; remoteAuthTokenEnv?: string }, string]> = [
    ['token without remote', { remoteAuthTokenEnv: 'T' }, 'thread'],
    ['serve', { remote: 'box' }, 'serve'],
    ['identity', { remote: 'box' }, 'identity'],
    ['host', { remote: 'box' }, 'host'],
    ['relay', { remote: 'box' }, 'relay'],
  ];
  for (const [name, opts, cmd] of refused) {
    it(`refuses: ${name}`, () => {
      try {
        selectionFor(opts, cmd);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(CliError);
        expect((e as CliError).exitCode).toBe(2);
      }
    });
  }
});

describe('batonCommandPrefix (hints name the same server)', () => {
  it.each([
    [null, 'baton'],
    [{ remote: 'gpu-box' }, 'baton --remote gpu-box'],
    [{ remote: 'wss://relay.example:7700', tokenEnv: 'BATON_TOKEN' }, 'baton --remote wss://relay.example:7700 --remote-auth-token-env BATON_TOKEN'],
    [{ remote: 'unix:///tmp/my sock' }, "baton --remote 'unix:///tmp/my sock'"],
  ] as const)('%j → %s', (selection, prefix) => {
    selectRemote(selection);
    try {
      expect(batonCommandPrefix()).toBe(prefix);
    } finally {
      selectRemote(null);
    }
  });
});

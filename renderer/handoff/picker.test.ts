import { describe, expect, it } from 'vitest';
import type { Destination } from '../../shared/contracts/bridge';
import { formatBytes, pickerEntries, progressFraction } from './picker';

const d = (host: string, label: string, eligible: boolean, extra: Partial<Destination> = {}): Destination => ({ host, label, eligible, current: false, ...extra });

describe('pickerEntries', () => {
  it.each<[string, Destination[], Array<[string, boolean, string | undefined]>]>([
    [
      'local thread: This computer first and current, eligible host choosable, ineligible greyed with reason',
      [
        d('zeta', 'zeta', false, { reason: 'not-connected', message: 'Host "zeta" is not connected.' }),
        d('gpu', 'gpu', true),
        d('local', 'This computer', false, { reason: 'same-host', current: true }),
      ],
      [
        ['local', false, 'The thread runs here now.'],
        ['gpu', true, undefined],
        ['zeta', false, 'Host "zeta" is not connected.'],
      ],
    ],
    [
      'remote thread: the way back to This computer is first and choosable',
      [d('gpu', 'gpu', false, { current: true }), d('local', 'This computer', true)],
      [
        ['local', true, undefined],
        ['gpu', false, 'The thread runs here now.'],
      ],
    ],
    [
      'eligible hosts sort by name before ineligible ones',
      [d('b', 'b', true), d('c', 'c', false), d('a', 'a', true)],
      [
        ['a', true, undefined],
        ['b', true, undefined],
        ['c', false, 'Not available.'],
      ],
    ],
    ['no hosts at all', [], []],
  ])('%s', (_name, input, expected) => {
    expect(pickerEntries(input).map((e) => [e.host, e.selectable, e.reason])).toEqual(expected);
  });

  it('never makes the current host selectable, even if a server calls it eligible', () => {
    expect(pickerEntries([d('local', 'This computer', true, { current: true })])[0]!.selectable).toBe(false);
  });
});

describe('progress', () => {
  it.each([
    [{ bytesDone: 0, bytesTotal: 0, state: 'running' as const }, null],
    [{ bytesDone: 50, bytesTotal: 200, state: 'running' as const }, 0.25],
    [{ bytesDone: 300, bytesTotal: 200, state: 'running' as const }, 1],
    [{ bytesDone: 0, bytesTotal: 0, state: 'moved' as const }, 1],
  ])('%o → %s', (s, f) => expect(progressFraction(s)).toBe(f));

  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [20 * 1024 * 1024, '20 MiB'],
    [3 * 1024 ** 3, '3.0 GiB'],
  ])('formatBytes(%d) = %s', (n, s) => expect(formatBytes(n)).toBe(s));
});

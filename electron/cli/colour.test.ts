import { describe, expect, it } from 'vitest';
import { colourEnabled, painter } from './colour';

describe('colour', () => {
  const table: Array<[boolean | undefined, NodeJS.ProcessEnv, boolean]> = [
    [true, {}, true],
    [true, { NO_COLOR: '' }, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { TERM: 'dumb' }, false],
    [false, {}, false],
    [undefined, {}, false],
  ];
  for (const [tty, env, on] of table) it(`tty=${tty} env=${JSON.stringify(env)} → ${on}`, () => expect(colourEnabled({ isTTY: tty }, env)).toBe(on));
  it('paints only when enabled', () => {
    expect(painter(false)('red', 'x')).toBe('x');
    expect(painter(true)('red', 'x')).toBe('\x1b[31mx\x1b[39m');
  });
});

import { describe, expect, it } from 'vitest';
import { checkBearer, generateToken, tokenFromEnv } from './token.js';

describe('checkBearer', () => {
  const token = 'correct-horse-battery-staple';
  it.each([
    [`Bearer ${token}`, true],
    [undefined, false],
    ['', false],
    [token, false],
    [`bearer ${token}`, false],
    [`Bearer  ${token}`, false],
    [`Bearer ${token} `, false],
    [`Bearer ${token}x`, false],
    [`Bearer ${token.slice(0, -1)}`, false],
    ['Bearer ', false],
    [`Basic ${token}`, false],
  ])('%j → %s', (header, expected) => expect(checkBearer(header, token)).toBe(expected));
});

describe('tokens', () => {
  it('generates 256-bit url-safe tokens', () => {
    const t = generateToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(t);
  });

  it('reads a token from a named variable, refusing missing or weak ones', () => {
    expect(tokenFromEnv('T', { T: 'a-long-enough-token' })).toBe('a-long-enough-token');
    expect(() => tokenFromEnv('T', {})).toThrow(/T is not set/);
    expect(() => tokenFromEnv('T', { T: 'short' })).toThrow(/at least 16/);
    expect(() => tokenFromEnv('T', { T: 'has a space in it!!' })).toThrow(/no spaces/);
  });
});

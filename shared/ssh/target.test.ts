import { describe, expect, it } from 'vitest';
import { knownHostsName, parseProxyJump, parseTarget } from './target.js';

describe('parseTarget', () => {
  const ok: [string, object][] = [
    ['gpu-box', { host: 'gpu-box' }],
    ['alice@gpu-box', { user: 'alice', host: 'gpu-box' }],
    ['alice@10.0.0.5:2222', { user: 'alice', host: '10.0.0.5', port: 2222 }],
    ['build.example.com:22', { host: 'build.example.com', port: 22 }],
    ['[::1]:2200', { host: '::1', port: 2200 }],
    ['bob@[fe80::1]', { user: 'bob', host: 'fe80::1' }],
    ['ssh://carol@host:2022', { user: 'carol', host: 'host', port: 2022 }],
    ['a.b@host', { user: 'a.b', host: 'host' }],
    ['  spaced  ', { host: 'spaced' }],
  ];
  it.each(ok)('%s', (input, expected) => {
    expect(parseTarget(input)).toEqual({ ok: true, target: expected });
  });

  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['@host', /empty user/],
    ['host:0', /not a port/],
    ['host:70000', /not a port/],
    ['host:abc', /not a port/],
    ['::1', /IPv6/],
    ['[::1', /without closing/],
    ['a b', /spaces/],
    ['host;rm', /not a valid host/],
  ];
  it.each(bad)('rejects %j', (input, msg) => {
    const r = parseTarget(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(msg);
  });
});

describe('parseProxyJump', () => {
  it.each([
    ['none', []],
    ['bastion', [{ host: 'bastion' }]],
    ['u@a:2201,b', [{ user: 'u', host: 'a', port: 2201 }, { host: 'b' }]],
  ])('%s', (v, hops) => expect(parseProxyJump(v)).toEqual({ ok: true, hops }));
  it('reports the bad hop', () => {
    const r = parseProxyJump('a,b:x');
    expect(r.ok).toBe(false);
  });
});

describe('knownHostsName', () => {
  it.each([
    ['host', 22, 'host'],
    ['host', 2222, '[host]:2222'],
    ['127.0.0.1', 40000, '[127.0.0.1]:40000'],
  ])('%s:%i → %s', (h, p, n) => expect(knownHostsName(h, p)).toBe(n));
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listHostAliases, readSshConfigText, resolveHost } from './config.js';

const env = { home: '/home/me', localUser: 'me' };

const config = `
# comment
Host gpu gpu-box
  HostName 10.0.0.5
  User alice
  IdentityFile ~/.ssh/gpu_ed25519
  IdentitiesOnly yes
  ProxyJump bastion

Host bastion
  HostName bastion.example.com
  User jump
  Port 2201

Host deep
  HostName deep.internal
  ProxyJump bastion,ops@mid.example.com:2222

Host web-*
  HostName %h.corp.example.com
  User deploy

Host *.corp.example.com !legacy.corp.example.com
  ServerAliveInterval 20

Host nojump
  ProxyJump none

Host badport
  Port nope

Host *
  ServerAliveInterval 30
  ServerAliveCountMax 4
`;

describe('resolveHost', () => {
  const cases: [string, string, object][] = [
    ['alias with everything', 'gpu', {
      hostName: '10.0.0.5', user: 'alice', port: 22, identityFiles: ['/home/me/.ssh/gpu_ed25519'], identitiesOnly: true,
      proxyJump: [{ hostName: 'bastion.example.com', user: 'jump', port: 2201, identityFiles: ['/home/me/.ssh/id_rsa', '/home/me/.ssh/id_ecdsa', '/home/me/.ssh/id_ed25519'], identitiesOnly: false }],
      serverAliveInterval: 30, serverAliveCountMax: 4,
    }],
    ['second alias of the same block', 'gpu-box', { hostName: '10.0.0.5', user: 'alice' }],
    ['target user and port beat the config', 'bob@gpu:2022', { hostName: '10.0.0.5', user: 'bob', port: 2022 }],
    ['two hops, each resolved', 'deep', {
      hostName: 'deep.internal', user: 'me',
      proxyJump: [
        expect.objectContaining({ hostName: 'bastion.example.com', user: 'jump', port: 2201 }),
        expect.objectContaining({ hostName: 'mid.example.com', user: 'ops', port: 2222 }),
      ],
    }],
    ['pattern block with %h', 'web-1', { hostName: 'web-1.corp.example.com', user: 'deploy', serverAliveInterval: 30 }],
    ['first value wins: pattern before Host *', 'x.corp.example.com', { serverAliveInterval: 20 }],
    ['negated pattern skips the block', 'legacy.corp.example.com', { serverAliveInterval: 30 }],
    ['ProxyJump none', 'nojump', { proxyJump: [] }],
    ['plain user@host:port, no block but Host *', 'carol@10.1.1.1:2200', {
      hostName: '10.1.1.1', user: 'carol', port: 2200, identitiesOnly: false, proxyJump: [],
    }],
  ];
  it.each(cases)('%s', (_n, target, expected) => {
    const r = resolveHost(target, config, env);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.options).toMatchObject(expected);
  });

  it('defaults without any config: port 22, local user, default identities, no keepalive', () => {
    const r = resolveHost('server', '', env);
    expect(r).toEqual({
      ok: true,
      options: {
        hostName: 'server', port: 22, user: 'me',
        identityFiles: ['/home/me/.ssh/id_rsa', '/home/me/.ssh/id_ecdsa', '/home/me/.ssh/id_ed25519'],
        identitiesOnly: false, proxyJump: [], serverAliveInterval: 0, serverAliveCountMax: 3,
      },
    });
  });

  it.each([
    ['badport', /Port "nope"/],
    ['bad target!', /spaces|not a valid host/],
  ])('%s is a clear error', (target, msg) => {
    const r = resolveHost(target, config, env);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(msg);
  });
});

describe('listHostAliases', () => {
  it('lists concrete aliases only, in file order', () => {
    expect(listHostAliases(config)).toEqual(['gpu', 'gpu-box', 'bastion', 'deep', 'nojump', 'badport']);
  });
  it('is empty for an empty file', () => expect(listHostAliases('')).toEqual([]));
});

describe('readSshConfigText follows Include', () => {
  it('splices included files (relative to ~/.ssh, globbed, nested) so their hosts resolve', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'baton-inc-'));
    try {
      mkdirSync(path.join(home, '.ssh', 'config.d'), { recursive: true });
      writeFileSync(path.join(home, '.ssh', 'config'), 'Include config.d/*.conf\nInclude ~/.ssh/missing\nHost *\n  User fallback\n');
      writeFileSync(path.join(home, '.ssh', 'config.d', 'a.conf'), 'Host alpha\n  HostName 10.0.0.1\nInclude nested\n');
      writeFileSync(path.join(home, '.ssh', 'config.d', 'b.conf'), 'Host beta\n  HostName 10.0.0.2\n  User bob\n');
      writeFileSync(path.join(home, '.ssh', 'config.d', 'ignored.txt'), 'Host ignored\n');
      writeFileSync(path.join(home, '.ssh', 'nested'), 'Host gamma\n  Port 2222\n');
      const text = readSshConfigText(path.join(home, '.ssh', 'config'), home);
      expect(listHostAliases(text)).toEqual(['alpha', 'gamma', 'beta']);
      const env = { home, localUser: 'me' };
      expect(resolveHost('beta', text, env)).toMatchObject({ ok: true, options: { hostName: '10.0.0.2', user: 'bob' } });
      expect(resolveHost('alpha', text, env)).toMatchObject({ ok: true, options: { hostName: '10.0.0.1', user: 'fallback' } });
      expect(resolveHost('gamma', text, env)).toMatchObject({ ok: true, options: { port: 2222 } });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a missing config file is empty, not an error', () => {
    expect(readSshConfigText('/nonexistent/baton/config', '/nonexistent')).toBe('');
  });
});

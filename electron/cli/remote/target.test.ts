import { describe, expect, it } from 'vitest';
import { CliError } from '../output';
import { parseRemoteTarget, tokenPolicy } from './target';

describe('parseRemoteTarget', () => {
  const cases: Array<[string, unknown]> = [
    ['ws://127.0.0.1:7700', { kind: 'url', secure: false, loopback: true, host: '127.0.0.1', port: 7700 }],
    ['ws://localhost:7700/', { kind: 'url', secure: false, loopback: true, host: 'localhost', port: 7700 }],
    ['ws://[::1]:9', { kind: 'url', secure: false, loopback: true, host: '::1', port: 9 }],
    ['ws://10.0.0.5:7700', { kind: 'url', secure: false, loopback: false, host: '10.0.0.5', port: 7700 }],
    ['wss://gpu.example.com:8443', { kind: 'url', secure: true, loopback: false, host: 'gpu.example.com', port: 8443 }],
    ['wss://gpu.example.com', { kind: 'url', secure: true, loopback: false, host: 'gpu.example.com', port: 443 }],
    ['unix:///run/baton.sock', { kind: 'unix', path: '/run/baton.sock' }],
    ['unix:/tmp/b.sock', { kind: 'unix', path: '/tmp/b.sock' }],
    ['gpu-box', { kind: 'host', name: 'gpu-box' }],
    ['build.server_2', { kind: 'host', name: 'build.server_2' }],
  ];
  for (const [input, expected] of cases) {
    it(`reads ${input}`, () => expect(parseRemoteTarget(input)).toMatchObject(expected as object));
  }
  const bad = ['ws://127.0.0.1', 'http://127.0.0.1:80', 'unix://relative/path', 'user@host', 'gpu box', '', 'ws://:70'];
  for (const input of bad) {
    it(`refuses "${input}" as a usage error`, () => {
      let err: unknown;
      try {
        parseRemoteTarget(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(2);
    });
  }
});

describe('tokenPolicy', () => {
  const table: Array<[string, boolean, 'ok' | 'refused']> = [
    ['ws://127.0.0.1:1', true, 'ok'],
    ['ws://10.1.2.3:1', true, 'refused'],
    ['ws://10.1.2.3:1', false, 'ok'],
    ['wss://10.1.2.3:1', true, 'ok'],
    ['unix:///tmp/s', true, 'ok'],
    ['gpu-box', true, 'ok'],
  ];
  for (const [input, given, expected] of table) {
    it(`${input} with${given ? '' : 'out'} a token: ${expected}`, () => expect(tokenPolicy(parseRemoteTarget(input), given)).toBe(expected));
  }
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../test-support/tools.js';
import {
  appendKnownHost, changedKeyWarning, checkHostKey, fingerprintSha256, hostFieldMatches, keyTypeOf, knownKeyTypes,
  parseKnownHosts, readKnownHostsFiles,
} from './known-hosts.js';

const keygen = requireTool('ssh-keygen', 'openssh-client');
const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-kh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function newKey(name: string, type = 'ed25519'): { blob: Buffer; line: string; file: string } {
  const file = path.join(dir, name);
  const r = spawnSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  if (r.status !== 0) throw new Error(String(r.stderr));
  const line = readFileSync(`${file}.pub`, 'utf8').trim();
  return { blob: Buffer.from(line.split(' ')[1]!, 'base64'), line, file };
}

describe.skipIf(!keygen)('known_hosts', () => {
  const a = newKey('a');
  const b = newKey('b');
  const ecdsa = newKey('c', 'ecdsa');
  const [typeA, b64A] = a.line.split(' ');

  it('fingerprints exactly like ssh-keygen -l', () => {
    const out = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${a.file}.pub`], { encoding: 'utf8' }).stdout;
    expect(out.split(' ')[1]).toBe(fingerprintSha256(a.blob));
    expect(keyTypeOf(a.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(ecdsa.blob)).toBe('ecdsa-sha2-nistp256');
  });

  it('matches hashed entries written by ssh-keygen -H, including [host]:port', () => {
    const file = path.join(dir, 'hashed');
    writeFileSync(file, `[127.0.0.1]:2222 ${typeA} ${b64A}\nbuild.example.com ${typeA} ${b64A}\n`);
    const r = spawnSync('ssh-keygen', ['-H', '-f', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const entries = readKnownHostsFiles([file, path.join(dir, 'does-not-exist')]);
    expect(entries.every((e) => e.hosts.startsWith('|1|'))).toBe(true);
    expect(checkHostKey(entries, '[127.0.0.1]:2222', a.blob).kind).toBe('known');
    expect(checkHostKey(entries, 'build.example.com', a.blob).kind).toBe('known');
    expect(checkHostKey(entries, '127.0.0.1', a.blob).kind).toBe('unknown'); // port 22 is a different name
    expect(checkHostKey(entries, '[127.0.0.1]:2222', b.blob).kind).toBe('changed');
  });

  it.each([
    ['host', 'host', true],
    ['HOST', 'host', true],
    ['a,b,c', 'b', true],
    ['*.example.com', 'x.example.com', true],
    ['*.example.com,!bad.example.com', 'bad.example.com', false],
    ['[10.0.0.?]:2200', '[10.0.0.5]:2200', true],
    ['[host]:2200', 'host', false],
    ['host', '[host]:2200', false],
  ])('host field %s vs %s → %s', (field, name, expected) => {
    expect(hostFieldMatches(field, name)).toBe(expected);
  });

  it('classifies known, changed, revoked, unknown with other types', () => {
    const text = [
      '# comment',
      `gpu ${typeA} ${b64A}`,
      `@revoked * ${b.line}`,
      `@cert-authority *.corp ${ecdsa.line}`,
      'garbage',
      `other ${ecdsa.line}`,
    ].join('\n');
    const entries = parseKnownHosts(text, '/kh');
    expect(checkHostKey(entries, 'gpu', a.blob)).toMatchObject({ kind: 'known', entry: { line: 2 } });
    expect(checkHostKey(entries, 'gpu', b.blob).kind).toBe('revoked');
    expect(checkHostKey(entries, 'other', a.blob)).toEqual({ kind: 'unknown', otherTypes: ['ecdsa-sha2-nistp256'] });
    expect(checkHostKey(entries, 'nobody', a.blob)).toEqual({ kind: 'unknown', otherTypes: [] });
    expect(knownKeyTypes(entries, 'gpu')).toEqual(['ssh-ed25519']);
    const changed = checkHostKey(parseKnownHosts(`gpu ${b.line}`, '/kh'), 'gpu', a.blob);
    expect(changed.kind).toBe('changed');
    if (changed.kind === 'changed') {
      const w = changedKeyWarning('gpu', a.blob, changed.entry);
      expect(w).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
      expect(w).toContain(fingerprintSha256(a.blob));
      expect(w).toContain('Offending ED25519 key in /kh:1');
    }
  });

  it('appends accepted keys 0600 in a form OpenSSH reads back', () => {
    const file = path.join(dir, 'baton', 'known_hosts');
    appendKnownHost(file, '[127.0.0.1]:4022', a.blob);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(checkHostKey(readKnownHostsFiles([file]), '[127.0.0.1]:4022', a.blob).kind).toBe('known');
    const r = spawnSync('ssh-keygen', ['-F', '[127.0.0.1]:4022', '-f', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
  });
});

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SshError } from './errors.js';
import { addHost, getHost, hostSuggestions, hostsFilePath, listHosts, removeHost } from './hosts-store.js';

describe('hosts store', () => {
  let dir: string;
  let batonHome: string;
  let sshConfigPath: string;
  const env = { home: '/home/me', localUser: 'me' };
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'baton-hosts-'));
    batonHome = path.join(dir, 'baton');
    sshConfigPath = path.join(dir, 'ssh_config');
    writeFileSync(sshConfigPath, 'Host gpu\n  HostName 10.0.0.5\n  User alice\nHost build\n  HostName b.example.com\nHost *\n  ServerAliveInterval 15\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds, lists, gets and removes hosts in hosts.json (0600)', () => {
    expect(listHosts(batonHome)).toEqual([]);
    const h = addHost({ batonHome, sshConfigPath, env, name: 'gpu-box', target: 'gpu', now: new Date('2026-01-01T00:00:00Z') });
    expect(h.resolved).toMatchObject({ hostName: '10.0.0.5', user: 'alice', port: 22, serverAliveInterval: 15 });
    addHost({ batonHome, sshConfigPath, env, name: 'raw', target: 'bob@192.168.1.9:2200' });
    expect(listHosts(batonHome).map((x) => x.name)).toEqual(['gpu-box', 'raw']);
    expect(getHost(batonHome, 'raw')?.resolved).toMatchObject({ hostName: '192.168.1.9', user: 'bob', port: 2200 });
    expect(statSync(hostsFilePath(batonHome)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(hostsFilePath(batonHome), 'utf8')).version).toBe(1);
    expect(removeHost(batonHome, 'gpu-box')).toBe(true);
    expect(removeHost(batonHome, 'gpu-box')).toBe(false);
    expect(listHosts(batonHome).map((x) => x.name)).toEqual(['raw']);
  });

  it.each([
    ['bad name', 'has space', 'gpu', /cannot be a host name/],
    ['reserved name', 'local', 'gpu', /reserved/],
    ['bad target', 'x', 'a@b:99999', /not a port/],
  ])('%s is a clear error', (_n, name, target, msg) => {
    expect(() => addHost({ batonHome, sshConfigPath, env, name, target })).toThrow(msg);
  });

  it('refuses a duplicate name', () => {
    addHost({ batonHome, sshConfigPath, env, name: 'a', target: 'gpu' });
    expect(() => addHost({ batonHome, sshConfigPath, env, name: 'a', target: 'build' })).toThrow(/already exists/);
  });

  it('a corrupt hosts.json is reported and left untouched', () => {
    addHost({ batonHome, sshConfigPath, env, name: 'a', target: 'gpu' });
    writeFileSync(hostsFilePath(batonHome), '{"version":1,"hosts":[{"name":1}]}');
    const err = (() => { try { listHosts(batonHome); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(SshError);
    expect((err as SshError).message).toMatch(/does not match the hosts schema/);
    expect(() => addHost({ batonHome, sshConfigPath, env, name: 'b', target: 'gpu' })).toThrow(SshError);
    expect(readFileSync(hostsFilePath(batonHome), 'utf8')).toBe('{"version":1,"hosts":[{"name":1}]}');
  });

  it('suggests concrete aliases not saved yet', () => {
    expect(hostSuggestions(batonHome, sshConfigPath)).toEqual(['gpu', 'build']);
    addHost({ batonHome, sshConfigPath, env, name: 'g', target: 'gpu' });
    expect(hostSuggestions(batonHome, sshConfigPath)).toEqual(['build']);
  });
});

// Connections against a real OpenSSH server on loopback, with real keys, a real ssh-agent and
// throwaway users whose login shells are sh, csh and fish.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, freePort, makeKey, publicKeyOf, sshdAvailable, startAgent, startSshd, type Sshd, type TestUser } from '../../test-support/sshd.js';
import { findTool } from '../../test-support/tools.js';
import { resolveHost } from './config.js';
import { connectSsh, type ConnectInput } from './connect.js';
import { SshError } from './errors.js';
import { runScript } from './exec.js';
import { fingerprintSha256 } from './known-hosts.js';
import { loopbackOptions, recordingPrompter } from './test-fixtures.js';

const enabled = sshdAvailable();
const fish = findTool('fish');

describe.skipIf(!enabled)('connectSsh against a real sshd', () => {
  let dir: string;
  let sshd: Sshd;
  let user: TestUser;
  let key: string;
  let encKey: string;
  let agentKey: string;
  let strangerKey: string;
  const userPassword = 'Corr3ct-horse';
  let hostFp: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'baton-ssh-'));
    key = makeKey(dir, 'id_ed25519');
    encKey = makeKey(dir, 'id_enc', { passphrase: 'right passphrase' });
    agentKey = makeKey(dir, 'id_agent');
    strangerKey = makeKey(dir, 'id_stranger');
    sshd = await startSshd({ passwordAuthentication: true });
    user = createUser({ password: userPassword });
    for (const k of [key, encKey, agentKey]) sshd.authorize(user.name, publicKeyOf(k));
    hostFp = fingerprintSha256(Buffer.from(sshd.hostPublicKey.split(' ')[1]!, 'base64'));
  });
  afterAll(async () => {
    await sshd?.stop();
    user?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  function input(over: Partial<ConnectInput> & { identityFiles?: string[]; userName?: string } = {}): ConnectInput {
    const knownDir = mkdtempSync(path.join(dir, 'kh-'));
    return {
      options: loopbackOptions(sshd.port, over.userName ?? user.name, { identityFiles: over.identityFiles ?? [key] }),
      label: 'test-host',
      prompter: recordingPrompter(),
      knownHosts: { user: [path.join(knownDir, 'user_known_hosts')], baton: path.join(knownDir, 'baton_known_hosts') },
      agentSocket: null,
      timeoutMs: 15_000,
      ...over,
    };
  }

  async function expectSshError(p: Promise<unknown>, code: string): Promise<SshError> {
    const e = await p.then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(SshError);
    expect((e as SshError).code).toBe(code);
    return e as SshError;
  }

  it('connects with an ed25519 key after the unknown host key is accepted, and remembers it', async () => {
    const i = input();
    const prompter = recordingPrompter();
    const conn = await connectSsh({ ...i, prompter });
    try {
      expect(prompter.hostKeyQuestions).toEqual([
        { label: 'test-host', knownHostsName: `[127.0.0.1]:${sshd.port}`, keyType: 'ssh-ed25519', fingerprint: hostFp, otherKnownTypes: [] },
      ]);
      expect(conn.hostKeyFingerprint).toBe(hostFp);
      const r = await runScript(conn.client, 'id -un');
      expect(r.stdout.trim()).toBe(user.name);
    } finally {
      conn.close();
    }
    expect(readFileSync(i.knownHosts.baton, 'utf8')).toContain(`[127.0.0.1]:${sshd.port} ssh-ed25519 `);
    const again = recordingPrompter({ acceptHostKeys: false });
    const conn2 = await connectSsh({ ...i, prompter: again });
    conn2.close();
    expect(again.hostKeyQuestions).toEqual([]);
  });

  it('refuses when the user does not accept the unknown host key, before authenticating', async () => {
    const prompter = recordingPrompter({ acceptHostKeys: false });
    const i = input({ prompter, identityFiles: [encKey] });
    const e = await expectSshError(connectSsh(i), 'host-key-rejected');
    expect(e.message).toContain(hostFp);
    expect(prompter.secretQuestions).toEqual([]); // no passphrase asked: nothing happens before acceptance
  });

  it('accepts a hashed [host]:port entry in ~/.ssh/known_hosts without asking', async () => {
    const i = input();
    writeFileSync(i.knownHosts.user[0]!, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
    expect(spawnSync('ssh-keygen', ['-H', '-f', i.knownHosts.user[0]!]).status).toBe(0);
    expect(readFileSync(i.knownHosts.user[0]!, 'utf8')).toMatch(/^\|1\|/);
    const prompter = recordingPrompter({ acceptHostKeys: false });
    const conn = await connectSsh({ ...i, prompter });
    conn.close();
    expect(prompter.hostKeyQuestions).toEqual([]);
  });

  it('asks a server with several host keys for the type already on file', async () => {
    const ecdsa = makeKey(dir, 'host_ecdsa', { type: 'ecdsa' });
    const multi = await startSshd({ extraConfig: [`HostKey ${ecdsa}`] });
    multi.authorize(user.name, publicKeyOf(key));
    try {
      const i = input();
      writeFileSync(i.knownHosts.user[0]!, `[127.0.0.1]:${multi.port} ${publicKeyOf(ecdsa)}\n`);
      const prompter = recordingPrompter({ acceptHostKeys: false });
      const conn = await connectSsh({ ...i, prompter, options: loopbackOptions(multi.port, user.name, { identityFiles: [key] }) });
      conn.close();
      expect(prompter.hostKeyQuestions).toEqual([]); // ed25519 is ssh2's first choice, but the ECDSA key is the known one
      expect(conn.hostKeyFingerprint).toBe(fingerprintSha256(Buffer.from(publicKeyOf(ecdsa).split(' ')[1]!, 'base64')));
    } finally {
      await multi.stop();
    }
  });

  it('refuses a changed host key with the OpenSSH warning, never a prompt', async () => {
    const i = input();
    const other = makeKey(dir, 'other_host');
    writeFileSync(i.knownHosts.user[0]!, `[127.0.0.1]:${sshd.port} ${publicKeyOf(other)}\n`);
    const prompter = recordingPrompter({ acceptHostKeys: true });
    const e = await expectSshError(connectSsh({ ...i, prompter }), 'host-key-changed');
    expect(e.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(e.message).toContain(hostFp);
    expect(e.hint).toContain('ssh-keygen -R');
    expect(prompter.hostKeyQuestions).toEqual([]);
  });

  it('authenticates with ssh-agent', async () => {
    const agent = startAgent(dir);
    try {
      agent.add(agentKey);
      const conn = await connectSsh(input({ identityFiles: [], agentSocket: agent.sock }));
      conn.close();
    } finally {
      agent.stop();
    }
  });

  it('asks for the passphrase of an encrypted key through the prompter', async () => {
    const prompter = recordingPrompter({ answers: { passphrase: 'right passphrase' } });
    const conn = await connectSsh(input({ identityFiles: [encKey], prompter }));
    conn.close();
    expect(prompter.secretQuestions.map((q) => [q.kind, q.message, q.echo])).toEqual([['passphrase', `Passphrase for ${encKey}`, false]]);
  });

  it('a wrong passphrase is a clear error', async () => {
    const prompter = recordingPrompter({ answers: { passphrase: 'wrong' } });
    const e = await expectSshError(connectSsh(input({ identityFiles: [encKey], prompter })), 'bad-passphrase');
    expect(e.message).toContain(encKey);
    expect(prompter.secretQuestions.filter((q) => q.kind === 'passphrase')).toHaveLength(3);
  });

  it('password authentication goes through the same prompter', async () => {
    const prompter = recordingPrompter({ answers: { password: userPassword } });
    const conn = await connectSsh(input({ identityFiles: [], prompter }));
    conn.close();
    expect(prompter.secretQuestions.map((q) => q.kind)).toEqual(['password']);
  });

  it('keyboard-interactive (PAM) goes through the same prompter', async () => {
    const kbd = await startSshd({ keyboardInteractive: true });
    try {
      const prompter = recordingPrompter({ answers: { 'keyboard-interactive': userPassword } });
      const i = input({ identityFiles: [], prompter });
      const conn = await connectSsh({ ...i, options: loopbackOptions(kbd.port, user.name) });
      conn.close();
      expect(prompter.secretQuestions).toHaveLength(1);
      expect(prompter.secretQuestions[0]).toMatchObject({ kind: 'keyboard-interactive', echo: false });
      expect(prompter.secretQuestions[0]!.message).toMatch(/password/i);
    } finally {
      await kbd.stop();
    }
  });

  it('refused authentication is a clear error naming what was tried', async () => {
    const e = await expectSshError(connectSsh(input({ identityFiles: [strangerKey] })), 'auth-failed');
    expect(e.message).toContain(strangerKey);
    expect(e.message).toContain(`${user.name}@127.0.0.1:${sshd.port}`);
    expect(e.hint).toBeTruthy();
  });

  it('an unreachable host (a closed loopback port) is a clear error, quickly', async () => {
    const port = await freePort();
    const i = input();
    const t0 = Date.now();
    const e = await expectSshError(connectSsh({ ...i, options: loopbackOptions(port, user.name) }), 'unreachable');
    expect(e.message).toMatch(/connection refused/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('a port that accepts but never speaks SSH is a timeout, in bounded time', async () => {
    const silent = net.createServer(() => { /* accept and say nothing */ });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const e = await expectSshError(connectSsh({ ...input(), options: loopbackOptions(port, user.name), timeoutMs: 1500 }), 'timeout');
      expect(e.message).toContain(`127.0.0.1:${port}`);
    } finally {
      silent.close();
    }
  });

  describe.each([
    ['csh', findTool('csh')],
    ['fish', fish],
  ])('a user whose login shell is %s', (shellName, shellPath) => {
    let shUser: TestUser;
    beforeAll(() => {
      if (!shellPath) return;
      shUser = createUser({ shell: shellPath });
      sshd.authorize(shUser.name, publicKeyOf(key));
    });
    afterAll(() => shUser?.remove());
    it.skipIf(!shellPath)(`runs sh scripts unchanged (${shellName})`, async () => {
      const conn = await connectSsh(input({ userName: shUser.name }));
      try {
        const r = await runScript(conn.client, 'echo "shell=$SHELL"; x=\'a b\'; echo "${x}|$((1+2))"; echo "$1"', { args: ['arg-1'] });
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`shell=${shellPath}`);
        expect(r.stdout).toContain('a b|3\narg-1\n');
      } finally {
        conn.close();
      }
    });
  });

  describe('ProxyJump', () => {
    let inner: Sshd;
    beforeAll(async () => {
      inner = await startSshd();
      inner.authorize(user.name, publicKeyOf(key));
    });
    afterAll(() => inner?.stop());

    it('connects through a jump host, checking both host keys', async () => {
      const i = input();
      const prompter = recordingPrompter();
      const hop = { hostName: '127.0.0.1', port: sshd.port, user: user.name, identityFiles: [key], identitiesOnly: false };
      const conn = await connectSsh({ ...i, prompter, options: loopbackOptions(inner.port, user.name, { identityFiles: [key], proxyJump: [hop] }) });
      try {
        expect(prompter.hostKeyQuestions.map((q) => q.knownHostsName)).toEqual([`[127.0.0.1]:${sshd.port}`, `[127.0.0.1]:${inner.port}`]);
        expect(conn.hostKeyFingerprint).toBe(fingerprintSha256(Buffer.from(inner.hostPublicKey.split(' ')[1]!, 'base64')));
        const r = await runScript(conn.client, 'echo via-jump');
        expect(r.stdout).toBe('via-jump\n');
      } finally {
        conn.close();
      }
    });

    it('ProxyJump from ~/.ssh/config aliases, resolved and connected', async () => {
      const text = [
        'Host jump', `  HostName 127.0.0.1`, `  Port ${sshd.port}`, `  User ${user.name}`, `  IdentityFile ${key}`,
        'Host inner', `  HostName 127.0.0.1`, `  Port ${inner.port}`, `  User ${user.name}`, `  IdentityFile ${key}`, '  ProxyJump jump',
      ].join('\n');
      const r = resolveHost('inner', text, { home: dir, localUser: 'nobody' });
      if (!r.ok) throw new Error(r.error);
      expect(r.options.proxyJump).toHaveLength(1);
      const conn = await connectSsh({ ...input(), options: r.options });
      try {
        expect((await runScript(conn.client, 'echo "$SSH_CONNECTION"')).stdout).toMatch(new RegExp(` ${inner.port}\\n$`));
      } finally {
        conn.close();
      }
    });

    it('two hops (the same jump host twice) also work', async () => {
      const hop = { hostName: '127.0.0.1', port: sshd.port, user: user.name, identityFiles: [key], identitiesOnly: false };
      const conn = await connectSsh({ ...input(), options: loopbackOptions(inner.port, user.name, { identityFiles: [key], proxyJump: [hop, hop] }) });
      conn.close();
    });

    it('a jump host that cannot reach the next hop is a clear error', async () => {
      const closed = await freePort();
      const hop = { hostName: '127.0.0.1', port: sshd.port, user: user.name, identityFiles: [key], identitiesOnly: false };
      const e = await expectSshError(connectSsh({ ...input(), options: loopbackOptions(closed, user.name, { identityFiles: [key], proxyJump: [hop] }) }), 'proxy-jump');
      expect(e.message).toContain(`127.0.0.1:${closed}`);
    });
  });
});

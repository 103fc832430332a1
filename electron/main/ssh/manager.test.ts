// The connection manager against a real sshd: drops are noticed (a killed session at once, a
// frozen one through keepalives) and followed by a reconnect; a refusal is not retried.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostStatus } from '../../../shared/contracts/hosts.js';
import { createUser, makeKey, publicKeyOf, sshdAvailable, startSshd, type Sshd, type TestUser } from '../../test-support/sshd.js';
import { HostConnection } from './manager.js';
import { loopbackOptions, recordingPrompter } from './test-fixtures.js';

const enabled = sshdAvailable();

function sessionPids(user: string): number[] {
  const r = spawnSync('ps', ['-u', user, '-o', 'pid=,comm='], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter(([, comm]) => comm === 'sshd').map(([pid]) => Number(pid));
}

/** The user's sshd session process appears just after authentication; wait for it. */
async function sessionPidsSoon(user: string): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    const pids = sessionPids(user);
    if (pids.length) return pids;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no sshd session process for ${user}`);
}

function waitFor<T>(hc: HostConnection, pred: (s: HostStatus) => T | undefined, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { hc.off('status', on); reject(new Error(`no ${what} within ${ms} ms (last: ${JSON.stringify(hc.status)})`)); }, ms);
    const on = (s: HostStatus) => {
      const v = pred(s);
      if (v !== undefined) { clearTimeout(timer); hc.off('status', on); resolve(v); }
    };
    hc.on('status', on);
  });
}

describe.skipIf(!enabled)('HostConnection', () => {
  let dir: string;
  let sshd: Sshd;
  let user: TestUser;
  let key: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'baton-mgr-'));
    key = makeKey(dir, 'id');
    sshd = await startSshd();
    user = createUser();
    sshd.authorize(user.name, publicKeyOf(key));
  });
  afterAll(async () => {
    await sshd?.stop();
    user?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  function make(alive = 0): { hc: HostConnection; statuses: HostStatus[] } {
    const hc = new HostConnection({
      label: 'mgr-host',
      resolve: () => loopbackOptions(sshd.port, user.name, { identityFiles: [key], serverAliveInterval: alive, serverAliveCountMax: 2 }),
      prompter: recordingPrompter(),
      knownHosts: { user: [], baton: path.join(dir, 'known_hosts') },
      agentSocket: null,
      backoff: { baseMs: 200, capMs: 1000 },
      random: () => 0.5,
    });
    const statuses: HostStatus[] = [];
    hc.on('status', (s) => statuses.push(s));
    return { hc, statuses };
  }

  it('reconnects after the session is killed, reporting each step', async () => {
    const { hc, statuses } = make();
    try {
      await hc.start();
      expect(hc.status.state).toBe('connected');
      const reconnected = new Promise((r) => hc.once('connected', r));
      for (const pid of await sessionPidsSoon(user.name)) process.kill(pid, 'SIGKILL');
      await Promise.race([reconnected, new Promise((_, rej) => setTimeout(() => rej(new Error('no reconnect: ' + JSON.stringify(statuses))), 10_000))]);
      expect(statuses.map((s) => s.state)).toEqual(['connecting', 'connected', 'error', 'connecting', 'connected']);
      expect(statuses[2]).toMatchObject({ state: 'error', error: { code: 'disconnected' }, retryInMs: 200 });
      const r = await new Promise<string>((resolve, reject) => hc.connection!.client.exec('echo back', (e, s) => {
        if (e) return reject(e);
        let out = '';
        s.on('data', (d: Buffer) => { out += d; }).on('close', () => resolve(out));
      }));
      expect(r).toBe('back\n');
    } finally {
      hc.stop();
    }
  });

  it('notices a frozen connection through keepalives (ServerAliveInterval)', async () => {
    const { hc } = make(1);
    const frozen: number[] = [];
    try {
      await hc.start();
      frozen.push(...(await sessionPidsSoon(user.name)));
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
      await waitFor(hc, (s) => (s.state === 'error' && s.error.code === 'disconnected' ? true : undefined), 15_000, 'drop detected by keepalive');
    } finally {
      hc.stop();
      for (const pid of frozen) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    }
  });

  it('does not retry a refused login: one error, no storm', async () => {
    const { hc, statuses } = make();
    try {
      await hc.start();
      writeFileSync(path.join(sshd.dir, 'authorized_keys', user.name), ''); // the key no longer works
      for (const pid of await sessionPidsSoon(user.name)) process.kill(pid, 'SIGKILL');
      const err = await waitFor(hc, (s) => (s.state === 'error' && s.error.code !== 'disconnected' ? s : undefined), 15_000, 'auth error');
      expect(err).toMatchObject({ error: { code: 'auth-failed' } });
      expect('retryInMs' in err).toBe(false);
      const count = statuses.length;
      await new Promise((r) => setTimeout(r, 1500)); // several backoff periods
      expect(statuses.length).toBe(count);
    } finally {
      hc.stop();
      sshd.authorize(user.name, publicKeyOf(key));
    }
  });

  it('the first connect fails with the error instead of looping', async () => {
    const hc = new HostConnection({
      label: 'nowhere', resolve: () => loopbackOptions(1, user.name), prompter: recordingPrompter(),
      knownHosts: { user: [], baton: path.join(dir, 'kh2') }, agentSocket: null,
    });
    await expect(hc.start()).rejects.toMatchObject({ code: 'unreachable' });
    expect(hc.status).toMatchObject({ state: 'error', error: { code: 'unreachable' } });
    hc.stop();
  });
});

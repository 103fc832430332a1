// `baton --remote <saved host>` through a real sshd: the CLI connects over SSH, installs or
// reuses the server bundle as a throwaway user, pins keys both ways, and speaks the secure
// channel through a port-forward. Skipped loudly when sshd cannot run (not root); under
// CI=true a missing sshd fails the run (test-support/sshd.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdAvailable, sshHostAlias, startSshd, type Sshd, type TestUser } from '../../test-support/sshd';
import { buildBundle, runBatonAsync, runInPtyAsync, type Run } from './test-support';

describe.skipIf(!sshdAvailable())('baton --remote <saved host> through a real sshd', () => {
  let dir: string;
  let bundle: string;
  let sshd: Sshd;
  let user: TestUser;
  let env: NodeJS.ProcessEnv;
  let home: string;
  let repo: string;

  // Never spawnSync here: sshd logs into a pipe this process drains, and a full pipe stalls sshd.
  const b = (args: string[], input = ''): Promise<Run> => runBatonAsync(bundle, home, ['--remote', 'box', ...args], { env: { ...env, SSH_AUTH_SOCK: '' }, input, timeoutMs: 90_000 });
  const bJson = async <T = any>(args: string[]): Promise<T> => {
    const r = await b([...args, '--json']);
    if (r.code !== 0) throw new Error(`baton --remote box ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-remote-ssh-')));
    bundle = await buildBundle(path.join(dir, 'baton.cjs'));
    sshd = await startSshd();
    ({ user } = sshHostAlias(sshd, dir)); // ~/.ssh/config names `box`; its host key is trusted
    home = path.join(dir, '.baton');
    env = { HOME: dir, BATON_SERVER_BUNDLE: bundle };
    // A repository on the remote host, owned by the remote user.
    repo = path.join(user.home, 'app');
    const asUser = (...args: string[]) => execFileSync('su', ['-s', '/bin/sh', user.name, '-c', args.join(' ')], { stdio: 'pipe' });
    asUser(`git init -q -b main ${repo} && cd ${repo} && echo demo > README.md && git add . && git -c user.name=t -c user.email=t@e commit -q -m root`);
    expect((await runBatonAsync(bundle, home, ['host', 'add', 'box', 'box'], { env })).code).toBe(0);
    const added = await b(['project', 'add', repo, '--name', 'app']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toMatch(/box: .*server/); // bootstrap progress on stderr
  }, 120_000);

  afterAll(async () => {
    user?.remove();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('resumes with scripted stdin (an approval answered), sends with --wait, forks, lists', async () => {
    const t = await bJson(['thread', 'new', '--project', 'app', '--title', 'over-ssh', '--approval', 'untrusted']);
    expect(t.worktreePath.startsWith(user.home)).toBe(true);

    const sent = await b(['resume', t.id], '$ echo "ran as $(id -un)"\ny\n');
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain(`ran as ${user.name}`);

    const never = await bJson(['thread', 'new', '--project', 'app', '--title', 'wait', '--approval', 'never']);
    const waited = await b(['thread', 'send', never.id, '$ echo waited-over-ssh', '--wait']);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toContain('waited-over-ssh');

    const fork = await bJson(['fork', t.id, '--title', 'ssh-fork']);
    expect(fork.forkedFrom.threadId).toBe(t.id);
    const listed = await bJson<Array<{ id: string }>>(['thread', 'list']);
    expect(listed.map((x) => x.id)).toEqual(expect.arrayContaining([t.id, never.id, fork.id]));
  }, 240_000);

  it('a turn started by one call runs on after it, and another call interrupts it', async () => {
    const t = await bJson(['thread', 'new', '--project', 'app', '--title', 'detached', '--approval', 'never']);
    expect((await b(['thread', 'send', t.id, '$ sleep 30'])).code).toBe(0);
    expect((await bJson(['thread', 'show', t.id])).status).toBe('running');
    const r = await b(['thread', 'interrupt', t.id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Interrupted turn');
    const shown = await bJson(['thread', 'show', t.id]);
    expect(shown.status).toBe('idle');
    expect(shown.items.find((i: { command?: string }) => i.command === 'sleep 30').status).toBe('interrupted');
  }, 240_000);

  it('in a terminal over SSH: Ctrl-C interrupts the remote command, a second Ctrl-C detaches', async () => {
    const t = await bJson(['thread', 'new', '--project', 'app', '--title', 'interrupt', '--approval', 'never']);
    const r = await runInPtyAsync(bundle, home, ['--remote', 'box', 'resume', t.id], [
      { expect: '› ', send: '$ sleep 30\r' },
      { expect: 'sleep 30  \\(running', send: '\x03' },
      { expect: 'turn interrupted', send: '\x03' },
    ], { env: { ...env, SSH_AUTH_SOCK: '' } as Record<string, string>, stepTimeoutMs: 60_000, exitTimeoutMs: 30_000 });
    expect(r.ok, `stopped waiting for ${r.failedAt}; screen:\n${r.output}`).toBe(true);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`Detached from thread ${t.id}`);
    const shown = await bJson(['thread', 'show', t.id]);
    expect(shown.status).toBe('idle');
    expect(shown.items.find((i: { command?: string }) => i.command === 'sleep 30').status).toBe('interrupted');
  }, 180_000);
});

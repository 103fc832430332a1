// `baton handoff` as a user types it: the real CLI bundle as a child process. Without a network:
// the refusals and their exit codes. Through a real sshd and a throwaway user: a thread of this
// computer (a command turn, uncommitted and untracked changes) moves to the user's app-server,
// which the CLI bootstraps over SSH, and is seen there with its worktree; then it comes back
// with `baton --remote box handoff … --to local`, this baton relaying box's peer messages.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdAvailable, sshHostAlias, startSshd, type Sshd, type TestUser } from '../../test-support/sshd';
import { buildBundle, runBatonAsync, runInPtyAsync, type Run } from '../remote/test-support';

let dir: string;
let bundle: string;
beforeAll(async () => {
  dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-handoff-cli-')));
  bundle = await buildBundle(path.join(dir, 'baton.cjs'));
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The same root commit byte for byte (fixed dates), so both repositories have one identity. */
const initRepo = (repo: string) =>
  `git init -q -b main ${repo} && cd ${repo} && echo demo > README.md && git add . && ` +
  `GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z' git -c user.name=t -c user.email=t@e commit -q -m root`;

describe('baton handoff (no network)', () => {
  let home: string;
  let thread: string;
  let epoch: number;
  const b = (args: string[], env: NodeJS.ProcessEnv = {}) => runBatonAsync(bundle, home, args, { env: { HOME: dir, ...env } });
  beforeAll(async () => {
    home = path.join(dir, 'plain');
    const repo = path.join(dir, 'plain-repo');
    execFileSync('sh', ['-c', initRepo(repo)]);
    expect((await b(['project', 'add', repo, '--name', 'app'])).code).toBe(0);
    ({ id: thread, epoch } = JSON.parse((await b(['thread', 'new', '--project', 'app', '--title', 'stay', '--json'])).stdout));
  }, 60_000);

  it('refuses, each in one line with its exit code, and changes nothing', async () => {
    const self = await b(['handoff', thread, '--to', 'local', '--yes', '--json']);
    expect(self.code, self.stderr).toBe(3);
    expect(JSON.parse(self.stdout).error).toMatchObject({ code: 'policyRefused', message: expect.stringMatching(/already lives on/) });

    const unconfirmed = await b(['handoff', thread, '--to', 'local']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr.trim().split('\n')).toEqual([expect.stringMatching(/stdin is not a terminal.*--yes/)]);

    const url = await b(['handoff', thread, '--to', 'ws://127.0.0.1:1/', '--yes']);
    expect(url.code).toBe(2);

    const unknown = await b(['handoff', thread, '--to', 'nowhere', '--yes']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/nowhere/);

    const unsaved = await b(['--remote', 'box', 'handoff', thread, '--to', 'local', '--yes']);
    expect(unsaved.code).toBe(1);
    expect(unsaved.stderr.trim().split('\n')).toEqual([expect.stringMatching(/box/)]);

    const shown = JSON.parse((await b(['thread', 'show', thread, '--json'])).stdout);
    expect(shown).toMatchObject({ status: 'idle', epoch });
    expect(shown.movedTo).toBeUndefined();

    const help = await b(['help', 'handoff']);
    expect(help.stdout).toMatch(/--json prints \{operationId, threadId, from, destination, review, status\}/);
  }, 120_000);
});

describe.skipIf(!sshdAvailable())('baton handoff to a saved SSH host, through a real sshd', () => {
  let sshd: Sshd;
  let user: TestUser;
  let env: NodeJS.ProcessEnv;
  let home: string;

  // Never spawnSync here: sshd logs into a pipe this process drains, and a full pipe stalls sshd.
  const b = (args: string[]): Promise<Run> => runBatonAsync(bundle, home, args, { env, timeoutMs: 90_000 });
  const json = async (args: string[]) => {
    const r = await b([...args, '--json']);
    if (r.code !== 0) throw new Error(`baton ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    sshd = await startSshd();
    ({ user } = sshHostAlias(sshd, dir)); // ~/.ssh/config names `box`; its host key is trusted
    home = path.join(dir, '.baton');
    env = { HOME: dir, BATON_SERVER_BUNDLE: bundle, SSH_AUTH_SOCK: '' };
    const local = path.join(dir, 'app');
    const remote = path.join(user.home, 'app');
    execFileSync('sh', ['-c', initRepo(local)]);
    execFileSync('su', ['-s', '/bin/sh', user.name, '-c', initRepo(remote)], { stdio: 'pipe' });
    // box's server is installed and started by the SSH bootstrap, which names it as this
    // desktop names the host (BATON_HOST_ID=box): the way back depends on both sides agreeing.
    expect((await b(['host', 'add', 'box', 'box'])).code).toBe(0);
    const there = await b(['--remote', 'box', 'project', 'add', remote, '--name', 'app']);
    expect(there.code, there.stderr).toBe(0);
    expect((await b(['project', 'add', local, '--name', 'app'])).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    user?.remove();
    await sshd?.stop();
  });

  it('in a terminal, asks after the review; "n" cancels and nothing changes', async () => {
    const t = await json(['thread', 'new', '--project', 'app', '--title', 'asked']);
    const r = await runInPtyAsync(bundle, home, ['handoff', t.id, '--to', 'box'], [{ expect: 'to box\\? \\[y/N\\] ', send: 'n\r' }], {
      env: env as Record<string, string>,
      stepTimeoutMs: 60_000,
      exitTimeoutMs: 30_000,
    });
    expect(r.ok, `stopped waiting for ${r.failedAt}; screen:\n${r.output}`).toBe(true);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/worktree +\S+ \(new\)/);
    expect(r.output).toContain('Handoff cancelled; nothing was changed.');
    expect(await json(['thread', 'show', t.id])).toMatchObject({ status: 'idle', epoch: t.epoch });
  }, 120_000);

  it('moves a thread with a command turn and uncommitted changes to box, and back with --remote box … --to local', async () => {
    const t = await json(['thread', 'new', '--project', 'app', '--title', 'travels', '--approval', 'never']);
    const sent = await b(['thread', 'send', t.id, '$ echo made-by-turn > from-turn.txt', '--wait']);
    expect(sent.code, sent.stderr).toBe(0);
    writeFileSync(path.join(t.worktreePath, 'README.md'), 'demo\nedited here\n');
    writeFileSync(path.join(t.worktreePath, 'notes.txt'), 'untracked notes\n');

    const r = await b(['handoff', t.id, '--to', 'box', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ threadId: t.id, from: 'local', destination: 'box', status: { state: 'moved', stage: 'done' } });
    expect(out.review.files).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'README.md', state: 'unstaged' }),
        expect.objectContaining({ path: 'notes.txt', state: 'untracked' }),
        expect.objectContaining({ path: 'from-turn.txt', state: 'untracked' }),
      ]),
    );
    expect(r.stderr).toMatch(/transferring/); // progress on stderr
    expect(r.stderr).toMatch(/worktree +\S+ \(new\)/); // the review

    const there = await json(['--remote', 'box', 'thread', 'show', t.id]);
    expect(there).toMatchObject({ id: t.id, status: 'idle', epoch: t.epoch + 1 });
    expect(there.worktreePath.startsWith(user.home)).toBe(true);
    expect(readFileSync(path.join(there.worktreePath, 'notes.txt'), 'utf8')).toBe('untracked notes\n');
    expect(readFileSync(path.join(there.worktreePath, 'from-turn.txt'), 'utf8')).toBe('made-by-turn\n');
    expect(readFileSync(path.join(there.worktreePath, 'README.md'), 'utf8')).toBe('demo\nedited here\n');
    expect(there.items.some((i: { command?: string }) => i.command === 'echo made-by-turn > from-turn.txt')).toBe(true);

    const here = await json(['thread', 'show', t.id]);
    expect(here).toMatchObject({ status: 'moved', movedTo: 'box' });
    const again = await b(['handoff', t.id, '--to', 'box', '--yes']);
    expect(again.code).toBe(3);

    // Back to this computer: box's server coordinates, this baton relays its messages to the
    // app-server of this BATON_HOME (run in the CLI's process).
    const back = await b(['--remote', 'box', 'handoff', t.id, '--to', 'local', '--yes', '--json']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    const home_ = JSON.parse(back.stdout);
    expect(home_).toMatchObject({ threadId: t.id, from: 'box', destination: 'local', status: { state: 'moved' } });
    const returned = await json(['thread', 'show', t.id]);
    expect(returned).toMatchObject({ status: 'idle', epoch: t.epoch + 2, worktreePath: home_.review.worktree.path });
    expect(readFileSync(path.join(returned.worktreePath, 'notes.txt'), 'utf8')).toBe('untracked notes\n');
    expect(readFileSync(path.join(returned.worktreePath, 'README.md'), 'utf8')).toBe('demo\nedited here\n');
    expect(returned.items.filter((i: { type: string }) => i.type === 'user_message')).toHaveLength(1);
    expect(await json(['--remote', 'box', 'thread', 'show', t.id])).toMatchObject({ status: 'moved', movedTo: 'local' });
  }, 120_000);
});

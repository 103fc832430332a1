// `baton thread export` on one BATON_HOME and `baton thread import` on another, through the real
// CLI bundle and real git repositories: the thread arrives whole, the Git state exactly, and
// bad archives or a missing project change nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '../../..');
const bundle = path.join(repoRoot, 'dist', 'baton.cjs');
const gitEnv = { GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };

let dir: string;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: { ...process.env, ...gitEnv }, encoding: 'utf8' });

function baton(home: string, ...args: string[]) {
  const r = spawnSync('node', [bundle, ...args], { env: { ...process.env, ...gitEnv, BATON_HOME: home }, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function json(home: string, ...args: string[]) {
  const r = baton(home, ...args, '--json');
  if (r.code !== 0) throw new Error(`baton ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout);
}

beforeAll(() => {
  const b = spawnSync('node', ['build/build.mjs'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-archive-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('baton thread export / import', () => {
  it('moves a thread and its uncommitted work to another BATON_HOME, whole', () => {
    const src = path.join(dir, 'src');
    mkdirSync(src);
    git(src, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(src, 'README.md'), '# app\n');
    git(src, 'add', '.');
    git(src, 'commit', '-q', '-m', 'root');
    git(src, 'remote', 'add', 'origin', 'https://github.com/Acme/App.git');
    const dst = path.join(dir, 'dst');
    git(dir, 'clone', '-q', src, dst);
    git(dst, 'remote', 'set-url', 'origin', 'git@github.com:acme/app'); // same identity, other spelling

    const homeA = path.join(dir, 'homeA');
    const homeB = path.join(dir, 'homeB');
    json(homeA, 'project', 'add', src, '--name', 'app');
    const t = json(homeA, 'thread', 'new', '--project', 'app', '--approval', 'never', '--title', 'carry me');
    json(homeA, 'thread', 'send', t.id, 'plan: [x] write notes; [ ] ship\n$ echo work > notes.txt && echo staged >> README.md && git add README.md', '--wait');
    writeFileSync(path.join(src, 'README.md'), '# app\nstaged\nunstaged\n');

    const file = path.join(dir, 't.baton');
    const exported = json(homeA, 'thread', 'export', t.id, '-o', file);
    expect(exported.threadId).toBe(t.id);
    expect(existsSync(file)).toBe(true);

    // Refusals first: nothing stored on B before a matching project exists.
    const noProject = baton(homeB, 'thread', 'import', file);
    expect(noProject.code).toBe(1);
    expect(noProject.stderr).toMatch(/No saved project on this host is the thread's repository.*baton project add/);
    expect(existsSync(path.join(homeB, 'worktrees'))).toBe(false);

    const tampered = path.join(dir, 'tampered.baton');
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(tampered, bytes);
    json(homeB, 'project', 'add', dst, '--name', 'app-here');
    const bad = baton(homeB, 'thread', 'import', tampered);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^baton: /);
    expect(json(homeB, 'thread', 'list').threads ?? []).toHaveLength(0);

    const imported = json(homeB, 'thread', 'import', file);
    expect(imported.thread.id).toBe(t.id);
    expect(imported.thread.host).toBe('local');
    expect(imported.thread.epoch).toBe(1);
    expect(imported.thread.project.name).toBe('app-here');
    const wt = imported.worktreePath;
    expect(wt.startsWith(path.join(homeB, 'worktrees'))).toBe(true);

    // Transcript and plan equal; Git state exact.
    const a = json(homeA, 'thread', 'show', t.id);
    const b = json(homeB, 'thread', 'show', t.id);
    expect(b.items.slice(0, a.items.length)).toEqual(a.items);
    expect(b.planHistory).toEqual(a.planHistory);
    expect(b.items.at(-1)).toMatchObject({ type: 'system_event', event: 'received' });
    for (const args of [['status', '--porcelain=v2', '-uall'], ['diff'], ['diff', '--cached'], ['ls-files', '-s']]) {
      expect(git(wt, ...args).replace(/^# branch\.oid.*$/m, '')).toBe(git(src, ...args).replace(/^# branch\.oid.*$/m, ''));
    }
    expect(readFileSync(path.join(wt, 'notes.txt'), 'utf8')).toBe('work\n');

    // The thread works on B: a turn runs in the restored worktree.
    const done = json(homeB, 'thread', 'send', t.id, '$ cat notes.txt', '--wait');
    expect(done.outcome).toBe('completed');

    // A second import of the same thread here is refused: it is live on this host.
    const again = baton(homeB, 'thread', 'import', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already lives on this host/);

    // Export refuses to overwrite without --force.
    const exists = baton(homeA, 'thread', 'export', t.id, '-o', file);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toMatch(/already exists.*--force/);
    expect(baton(homeA, 'thread', 'export', t.id, '-o', file, '--force').code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

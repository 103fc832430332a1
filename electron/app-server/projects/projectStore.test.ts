import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectStore } from './projectStore';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-projects-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function gitRepo(name: string, origin?: string): string {
  const repo = path.join(dir, name);
  mkdirSync(path.join(repo, 'packages', 'api'), { recursive: true });
  const g = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  g('init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'packages', 'api', 'README'), 'hi\n');
  g('add', '.');
  g('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'root');
  if (origin) g('remote', 'add', 'origin', origin);
  return repo;
}

describe('ProjectStore', () => {
  it('saves a repository by origin identity, and a subdirectory of it as another project', async () => {
    const store = new ProjectStore(path.join(dir, 'projects.json'));
    const repo = gitRepo('widgets', 'git@github.com:acme/widgets.git');
    const whole = await store.add(repo);
    expect(whole).toMatchObject({ name: 'widgets', subdir: '', identity: 'github.com/acme/widgets', originUrl: 'git@github.com:acme/widgets.git' });
    const api = await store.add(path.join(repo, 'packages', 'api'), 'api');
    expect(api).toMatchObject({ name: 'api', subdir: 'packages/api', identity: 'github.com/acme/widgets//packages/api' });
    expect(store.list().map((p) => p.name)).toEqual(['widgets', 'api']);
    expect(store.get('api').id).toBe(api.id);
    expect(store.remove(whole.id).name).toBe('widgets');
    expect(store.list().map((p) => p.name)).toEqual(['api']);
  });

  it('uses the root commit when there is no origin', async () => {
    const store = new ProjectStore(path.join(dir, 'projects.json'));
    const repo = gitRepo('local');
    const root = execFileSync('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    expect((await store.add(repo)).identity).toBe(`root:${root}`);
  });

  it('gives clear errors for a missing directory, a non-repository, an empty repository and duplicates', async () => {
    const store = new ProjectStore(path.join(dir, 'projects.json'));
    await expect(store.add(path.join(dir, 'nope'))).rejects.toThrow(/does not exist/);
    mkdirSync(path.join(dir, 'plain'));
    await expect(store.add(path.join(dir, 'plain'))).rejects.toThrow(/is not inside a Git repository/);
    mkdirSync(path.join(dir, 'empty'));
    execFileSync('git', ['init', '-q'], { cwd: path.join(dir, 'empty') });
    await expect(store.add(path.join(dir, 'empty'))).rejects.toThrow(/no origin remote and no commit/);
    const repo = gitRepo('dup');
    await store.add(repo);
    await expect(store.add(repo)).rejects.toThrow(/already saved as project "dup"/);
    await expect(store.add(path.join(repo, 'packages'), 'dup')).rejects.toThrow(/named "dup" already exists/);
    expect(() => store.get('missing')).toThrow(/no project "missing"/);
  });
});

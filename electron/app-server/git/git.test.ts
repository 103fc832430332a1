import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { git, GitError, gitText } from './git';
import { g, isolateGit, removeTree } from './test-repos';

let root: string;
beforeAll(() => {
  root = isolateGit();
  g(root, 'init', '-q', 'repo');
});
afterAll(() => removeTree(root));

describe('git runner', () => {
  it('turns a failure into a GitError with args, exit code and stderr', async () => {
    const err = await git(['rev-parse', '--verify', 'no-such-ref'], { cwd: path.join(root, 'repo') }).catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.args).toEqual(['rev-parse', '--verify', 'no-such-ref']);
    expect(err.exitCode).toBe(128);
    expect(err.stderr).toMatch(/Needed a single revision/);
    expect(err.message).toContain('git rev-parse --verify no-such-ref failed');
  });

  it('treats listed exit codes as answers', async () => {
    const r = await git(['rev-parse', '--verify', '--quiet', 'nope'], { cwd: path.join(root, 'repo'), okExitCodes: [1] });
    expect(r.exitCode).toBe(1);
  });

  it('ignores GIT_DIR/GIT_INDEX_FILE inherited from a parent git, but honours explicit env', async () => {
    process.env.GIT_DIR = '/nonexistent';
    try {
      expect(await gitText(['rev-parse', '--is-inside-work-tree'], { cwd: path.join(root, 'repo') })).toBe('true');
      const idx = await gitText(['rev-parse', '--git-path', 'index'], { cwd: path.join(root, 'repo'), env: { GIT_INDEX_FILE: '/tmp/x-index' } });
      expect(idx).toBe('/tmp/x-index');
    } finally {
      delete process.env.GIT_DIR;
    }
  });

  it('feeds bytes or a stream to stdin, and fails cleanly when the stream cannot be read', async () => {
    const cwd = path.join(root, 'repo');
    const oid = await gitText(['hash-object', '--stdin'], { cwd, input: 'hello\n' });
    expect(oid).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    const err = await git(['hash-object', '--stdin'], { cwd, input: createReadStream(path.join(root, 'missing')) }).catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.stderr).toMatch(/could not read git's input/);
  });

  it('reports a missing working directory as a GitError', async () => {
    await expect(git(['status'], { cwd: path.join(root, 'gone') })).rejects.toBeInstanceOf(GitError);
  });
});

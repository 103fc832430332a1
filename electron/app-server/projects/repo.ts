// The few git facts a saved project needs, read through the git CLI with explicit arguments.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { RpcError } from '../../../shared/rpc/errors';

function git(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        reject(new RpcError('internalError', `Could not run git (${err.message}).`, 'Install git 2.25 or newer and make sure it is on PATH.'));
        return;
      }
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

export interface RepoInfo {
  /** Absolute path of the repository's top level. */
  root: string;
  /** The project's directory relative to `root` ('' when it is the root). */
  subdir: string;
  originUrl: string | null;
  rootCommit: string | null;
}

/** Inspects a directory a user wants to save as a project. Errors say what to do. */
export async function inspectRepo(dir: string): Promise<RepoInfo> {
  const abs = path.resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    throw new RpcError('invalidProject', `The directory ${abs} does not exist.`, 'Check the path, or clone the repository there first.');
  }
  if (!isDir) throw new RpcError('invalidProject', `${abs} is a file, not a directory.`, 'Give the folder of a Git repository.');
  const top = await git(abs, ['rev-parse', '--show-toplevel']);
  if (top.code !== 0) {
    throw new RpcError('invalidProject', `${abs} is not inside a Git repository.`, 'Run `git init` there (and make a first commit), or give the folder of an existing repository.');
  }
  const root = top.stdout;
  const prefix = await git(abs, ['rev-parse', '--show-prefix']);
  const origin = await git(abs, ['config', '--get', 'remote.origin.url']);
  // The root of the first-parent chain: the same commit on every clone of this history.
  const first = await git(abs, ['rev-list', '--first-parent', '--max-parents=0', 'HEAD']);
  const roots = first.code === 0 ? first.stdout.split('\n').filter(Boolean) : [];
  return {
    root,
    subdir: prefix.stdout.replace(/\/$/, ''),
    originUrl: origin.code === 0 && origin.stdout ? origin.stdout : null,
    rootCommit: roots.at(-1) ?? null,
  };
}

/** The branch checked out in `dir`, or null on a detached HEAD. */
export async function currentBranch(dir: string): Promise<string | null> {
  const r = await git(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  return r.code === 0 && r.stdout ? r.stdout : null;
}

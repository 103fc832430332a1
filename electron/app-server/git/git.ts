// The one place Baton runs git. Every call passes explicit arguments (no shell), a working
// directory, and optional extra environment (GIT_INDEX_FILE, quarantine object dirs); a non-zero
// exit becomes a GitError carrying git's stderr, the arguments and the exit code.
// Model: GitHub Desktop's lib/git/core.ts.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface GitOptions {
  cwd: string;
  /** Added to (or, with `undefined`, removed from) the inherited environment. */
  env?: Record<string, string | undefined>;
  /** Bytes or a stream fed to git's stdin. */
  input?: Buffer | string | Readable;
  /** Exit codes that are answers, not failures (e.g. 1 from `merge-base` = "no common ancestor"). */
  okExitCodes?: number[];
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly cwd: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    const detail = stderr.trim().split('\n').slice(-3).join(' / ') || `exit code ${exitCode}`;
    super(`git ${args.join(' ')} failed in ${cwd}: ${detail}`);
    this.name = 'GitError';
  }
}

// Variables a parent git process (a hook, `git rebase -x`) may have set; inherited, they would
// point our commands at the wrong repository or index.
const INHERITED_GIT_VARS = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_PREFIX', 'GIT_COMMON_DIR'];

export function git(args: readonly string[], opts: GitOptions): Promise<GitResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of INHERITED_GIT_VARS) delete env[k];
  // Messages in English so they can be matched; never wait for a password on a terminal.
  Object.assign(env, { LC_ALL: 'C', LANGUAGE: 'C', GIT_TERMINAL_PROMPT: '0' }, opts.env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];

  return new Promise((resolve, reject) => {
    const child = spawn('git', args as string[], { cwd: opts.cwd, env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new GitError(args, opts.cwd, null, `could not run git: ${e.message}`)));
    // git may exit before reading all of stdin (e.g. on a corrupt pack); that EPIPE is not the error to report.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      const result = { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), exitCode: code ?? -1 };
      if (code === 0 || (code !== null && opts.okExitCodes?.includes(code))) resolve(result);
      else reject(new GitError(args, opts.cwd, code, result.stderr));
    });
    const input = opts.input;
    if (input === undefined) child.stdin.end();
    else if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
    else {
      // A failing source (unreadable file) would otherwise leave git waiting for stdin forever.
      input.on('error', (e) => {
        child.kill('SIGTERM');
        reject(new GitError(args, opts.cwd, null, `could not read git's input: ${e.message}`));
      });
      input.pipe(child.stdin);
    }
  });
}

/** stdout as text without the final newline. */
export async function gitText(args: readonly string[], opts: GitOptions): Promise<string> {
  return (await git(args, opts)).stdout.toString('utf8').replace(/\n$/, '');
}

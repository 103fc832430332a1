// Runs one program in its own process group and guarantees that, once `run` resolves after an
// abort or a timeout, the whole group is gone: `sh -c 'make & sleep 30'` leaves no orphans.
// SIGTERM first so well-behaved programs clean up, SIGKILL after a short grace because an
// interrupt must take effect within a second whatever the program does.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface RunOptions {
  argv: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called with each chunk of stdout/stderr, interleaved as it arrives. */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** Called once the program started, with its pid (= its process group id). */
  onSpawn?: (pid: number) => void;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  pid: number | undefined;
}

/** Output kept in memory per stream; the transcript gets everything streamed, capped by the caller. */
const KEEP_BYTES = 1024 * 1024;

export function runProcess(opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const grace = opts.killGraceMs ?? 300;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      resolve({ exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, aborted: true, durationMs: 0, pid: undefined });
      return;
    }
    const child = spawn(opts.argv[0]!, opts.argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      // detached = setsid(): the child leads a new process group we can signal as a whole.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let settled = false;

    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const stop = () => {
      killGroup('SIGTERM');
      killTimer ??= setTimeout(() => killGroup('SIGKILL'), grace);
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (stdout.length < KEEP_BYTES) stdout += d;
      opts.onOutput?.(d, 'stdout');
    });
    child.stderr.on('data', (d: string) => {
      if (stderr.length < KEEP_BYTES) stderr += d;
      opts.onOutput?.(d, 'stderr');
    });
    child.stdin.on('error', () => {
      // The program may exit without reading its stdin (EPIPE); that is its business.
    });
    child.stdin.end(opts.stdin ?? '');

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      opts.signal?.removeEventListener('abort', onAbort);
      // Whatever is left of the group (a background job still holding nothing) goes too.
      if (timedOut || aborted) killGroup('SIGKILL');
      if (killTimer) clearTimeout(killTimer);
      resolve({
        exitCode: exited?.code ?? null,
        signal: exited?.signal ?? null,
        stdout,
        stderr,
        timedOut,
        aborted,
        durationMs: Date.now() - started,
        pid: child.pid,
      });
    };
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      if (timedOut || aborted) {
        // A background child may still hold the pipes open; the group kill above reaches it,
        // but do not wait on pipes we no longer care about.
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish();
        }, 50);
      }
    });
    // 'close' = exited and every holder of stdout/stderr is gone: normally the right moment.
    child.on('close', () => {
      if (!exited) exited = { code: child.exitCode, signal: child.signalCode };
      finish();
    });
  });
}

/** SIGKILLs what is left of a process group; true if anything was left. */
export function killGroupLeftovers(pgid: number): boolean {
  if (processGroupGone(pgid)) return false;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
  return true;
}

/**
 * True when no live process of group `pgid` is left. Zombies do not count: they are dead and
 * only wait for their parent (init, once orphaned) to reap them — and some container inits
 * never do, which would otherwise make a dead group look alive forever.
 */
export function processGroupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  if (process.platform !== 'linux') return false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …" — comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') return false;
  }
  return true;
}

/**
 * Every command of a turn carries `BATON_TURN_ID=<turn id>` in its environment. A server killed
 * with -9 cannot stop its children (they lead their own process groups, by design), so on the
 * next start the thread service calls this for each turn the crash left open: whatever still
 * runs with that tag is killed, group and all, before the turn is recorded as interrupted.
 */
export const TURN_ENV = 'BATON_TURN_ID';

/** SIGKILLs every process (and its group) tagged with `turnId`; returns the pids found. Linux only (/proc); elsewhere none are found. */
export function killTurnLeftovers(turnId: string): number[] {
  if (process.platform !== 'linux' || !turnId) return [];
  const tag = Buffer.from(`${TURN_ENV}=${turnId}\0`);
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${entry}/environ`);
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    // The tag may be the very first variable, so look for it after a NUL or at offset 0.
    if (!(environ.subarray(0, tag.length).equals(tag) || environ.includes(Buffer.concat([Buffer.from([0]), tag])))) continue;
    const pid = Number(entry);
    found.push(pid);
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or gone meanwhile
      }
    }
  }
  return found;
}

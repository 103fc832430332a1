// The project's setup script, run once in a worktree restore has just created (install
// dependencies, copy config). Its output streams to the caller; its failure is reported, never
// fatal: the thread's files are already in place and the user can rerun it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export interface SetupResult {
  command: string;
  exitCode: number | null;
  signal: string | null;
  ok: boolean;
  /** Set when the command could not start or timed out. */
  error?: string;
}

export const DEFAULT_SETUP_SCRIPT = '.baton/setup.sh';

/** The command to run: the given one, else `.baton/setup.sh` when the worktree has it, else none. */
export function setupCommandFor(worktree: string, configured: string | null | undefined): string | null {
  if (configured === null) return null;
  if (configured !== undefined) return configured;
  return existsSync(path.join(worktree, DEFAULT_SETUP_SCRIPT)) ? `sh ${DEFAULT_SETUP_SCRIPT}` : null;
}

export function runSetup(
  worktree: string,
  command: string,
  onOutput: (chunk: string, stream: 'stdout' | 'stderr') => void = () => undefined,
  timeoutMs = 10 * 60_000,
): Promise<SetupResult> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout stops what the script started too (npm, servers).
    const child = spawn('/bin/sh', ['-c', command], { cwd: worktree, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BATON_WORKTREE: worktree }, detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => onOutput(b.toString('utf8'), 'stdout'));
    child.stderr.on('data', (b: Buffer) => onOutput(b.toString('utf8'), 'stderr'));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ command, exitCode: null, signal: null, ok: false, error: `could not start: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        command,
        exitCode: code,
        signal,
        ok: code === 0,
        ...(timedOut ? { error: `timed out after ${Math.round(timeoutMs / 1000)} s` } : {}),
      });
    });
  });
}

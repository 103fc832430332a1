// The command sandbox. On Linux with a working bubblewrap, `workspace-write` commands see the
// whole filesystem read-only except the worktree, the profile's writable roots and a private
// /tmp; `read-only` commands get only the private /tmp. Whether bwrap *works* is not the same
// as whether it is installed (containers without user namespaces refuse it), so we ask it once
// with a real probe and believe the answer. When it is not enforced the turn says so plainly.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SandboxMode } from '../../../shared/contracts/thread';

export type SandboxStatus =
  | { enforced: true; bwrap: string }
  | { enforced: false; reason: string };

let cached: SandboxStatus | undefined;

/** Probes once per process; `refresh` re-probes (tests, or after installing bubblewrap). */
export function probeSandbox(refresh = false): SandboxStatus {
  if (cached && !refresh) return cached;
  cached = doProbe();
  return cached;
}

function doProbe(): SandboxStatus {
  if (process.platform !== 'linux') {
    return { enforced: false, reason: `sandboxing uses bubblewrap, which is Linux-only (this host is ${process.platform})` };
  }
  const which = spawnSync('sh', ['-c', 'command -v bwrap'], { encoding: 'utf8' });
  const bwrap = which.status === 0 ? which.stdout.trim() : '';
  if (!bwrap || !existsSync(bwrap)) {
    return { enforced: false, reason: 'bubblewrap (bwrap) is not installed on this host (apt-get install bubblewrap)' };
  }
  // The probe has the same shape as a real command, binds included, in a scratch worktree.
  const probeDir = mkdtempSync(path.join(os.tmpdir(), 'baton-bwrap-probe-'));
  let r;
  try {
    r = spawnSync(bwrap, [...bwrapArgs('workspace-write', probeDir, []), '/bin/sh', '-c', 'touch probe'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (r.status === 0 && !existsSync(path.join(probeDir, 'probe'))) {
      return { enforced: false, reason: 'bubblewrap ran but its bind mounts did not work here' };
    }
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
  }
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0];
    return { enforced: false, reason: `bubblewrap is installed but cannot run here (${why}); user namespaces may be disabled` };
  }
  return { enforced: true, bwrap };
}

/**
 * The bwrap options for a mode (pure). Order matters: later mounts cover earlier ones, so the
 * private /tmp comes before the worktree bind (a worktree under /tmp must stay visible).
 * --unshare-pid + --die-with-parent: killing bwrap's process group kills everything inside.
 */
export function bwrapArgs(mode: Exclude<SandboxMode, 'full-access'>, worktree: string, writableRoots: readonly string[], cwd: string = worktree): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  // Re-expose the worktree and roots over the private /tmp (they often live under it):
  // writable for workspace-write, read-only for read-only.
  const bind = mode === 'workspace-write' ? '--bind' : '--ro-bind';
  for (const dir of [worktree, ...writableRoots]) {
    const abs = path.resolve(dir);
    args.push(bind, abs, abs);
  }
  args.push('--unshare-pid', '--die-with-parent', '--chdir', path.resolve(cwd));
  return args;
}

/** The argv that runs `command` under `mode`, or null when it runs unconfined. */
export function sandboxedShellArgv(
  mode: SandboxMode,
  status: SandboxStatus,
  worktree: string,
  writableRoots: readonly string[],
  command: string,
  cwd: string = worktree,
): string[] | null {
  if (mode === 'full-access' || !status.enforced) return null;
  // A writable root that does not exist cannot be bound (bwrap would fail the whole command).
  const roots = writableRoots.filter((r) => existsSync(r));
  return [status.bwrap, ...bwrapArgs(mode, worktree, roots, cwd), '/bin/sh', '-c', command];
}

/** The plain words the thread shows when commands will not be confined. */
export function notEnforcedNotice(mode: SandboxMode, reason: string): string {
  return `Sandbox not enforced: the permission profile asks for "${mode}", but ${reason}. Commands run with this user's full permissions; only the approval policy and path checks on file tools protect this machine.`;
}

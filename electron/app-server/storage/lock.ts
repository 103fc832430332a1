// The cross-process half of "one writer per thread": a lock file next to the log, created
// exclusively and holding the owner's pid. A process that died (kill -9, power loss) leaves
// its lock behind; a lock whose pid is gone is stale and taken over, so a crash never locks
// a thread forever.
import { openSync, closeSync, writeSync, readFileSync, unlinkSync, fsyncSync, statSync } from 'node:fs';
import { ThreadLockedError } from './errors';

// Locks this process holds, so that a lock file carrying our own pid can be told apart from
// one left by an earlier process that happened to have the same pid.
const held = new Set<string>();

export function acquireLock(lockFile: string, threadId: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }));
      fsyncSync(fd);
      closeSync(fd);
      held.add(lockFile);
      return () => {
        held.delete(lockFile);
        try {
          unlinkSync(lockFile);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = readOwner(lockFile);
    if (owner !== null && isAlive(owner) && (owner !== process.pid || held.has(lockFile))) {
      throw new ThreadLockedError(threadId, owner);
    }
    // An empty lock file is either one whose writer died mid-create, or one being created right
    // now (between its exclusive create and its write): only an old one may be taken over.
    if (owner === null && ageMs(lockFile) < 2_000) throw new ThreadLockedError(threadId, -1);
    try {
      unlinkSync(lockFile); // stale: its process is gone
    } catch {
      // Someone else removed it first; try again.
    }
  }
  throw new ThreadLockedError(threadId, readOwner(lockFile) ?? -1);
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

function readOwner(lockFile: string): number | null {
  try {
    const pid = Number(JSON.parse(readFileSync(lockFile, 'utf8')).pid);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null; // unreadable or half-written: its writer died mid-create
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

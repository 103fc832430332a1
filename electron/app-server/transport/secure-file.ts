// Files that hold secrets or trust decisions: written whole (temp file, fsync, rename), mode 0600,
// inside a 0700 directory, and refused when someone loosened their mode — the OpenSSH rule,
// because a key another user could read may already be copied.
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { TransportError } from './errors.js';

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function writeTemp(file: string, data: string | Buffer): string {
  ensurePrivateDir(path.dirname(file));
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/** Replaces `file` atomically; readers see the old or the new content, never a torn one. */
export function writePrivateFile(file: string, data: string | Buffer): void {
  const tmp = writeTemp(file, data);
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Creates `file` only if it does not exist; returns false when another process won the race. */
export function createPrivateFileExclusive(file: string, data: string | Buffer): boolean {
  const tmp = writeTemp(file, data);
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Throws unless `file` is readable and writable by its owner only. */
export function assertPrivateMode(file: string): void {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new TransportError(
      'identity-unsafe',
      `Permissions 0${mode.toString(8)} for "${file}" are too open: it holds a secret or a trust list that other users could read or change.`,
      `Run: chmod 600 "${file}" (and consider the key compromised if others could read it).`,
    );
  }
}

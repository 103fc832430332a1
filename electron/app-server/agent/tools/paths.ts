// Every path a tool touches is resolved here, so "no path escaping a worktree" is decided in one
// place. A path may name something inside the worktree or inside one of the profile's extra
// writable roots; `..` that climbs out, absolute paths elsewhere and symlinks that lead out are
// refused. Symlinks are judged by where they *lead* (realpath), because a link inside the
// worktree pointing at ~/.ssh is exactly the escape a model could be talked into.
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ToolError } from './errors';

export interface PathRoots {
  worktree: string;
  /** The profile's writableRoots (absolute paths on this host). */
  extraRoots: readonly string[];
}

/** Returns the absolute path for `requested`, or throws a ToolError saying why it is refused. */
export function resolveToolPath(roots: PathRoots, requested: string): string {
  if (typeof requested !== 'string' || requested.trim() === '') {
    throw new ToolError('path_invalid', 'The path is empty. Give a path relative to the worktree.');
  }
  if (requested.includes('\0')) throw new ToolError('path_invalid', 'The path contains a NUL byte.');
  const allRoots = [roots.worktree, ...roots.extraRoots].map((r) => path.resolve(r));
  const abs = path.resolve(roots.worktree, requested);
  if (!allRoots.some((r) => isInside(r, abs))) {
    throw new ToolError(
      'path_outside',
      `Refused: "${requested}" is outside the worktree (${roots.worktree})${roots.extraRoots.length ? ' and the writable roots' : ''}. Use a path inside the worktree.`,
    );
  }
  // Lexically inside; now check where it really leads. Real roots are compared with real
  // targets, so a worktree that itself lives behind a symlink (macOS /tmp) still works.
  const realRoots = allRoots.map(realOrSelf);
  const target = realTarget(abs);
  if (!realRoots.some((r) => isInside(r, target))) {
    throw new ToolError(
      'path_symlink_escape',
      `Refused: "${requested}" goes through a symlink that leads outside the worktree (to ${target}).`,
    );
  }
  return abs;
}

/** The path relative to the worktree when inside it (for transcripts), else the absolute path. */
export function displayPath(worktree: string, abs: string): string {
  const rel = path.relative(worktree, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Where `abs` really leads: realpath of the path itself if it exists, else of its deepest
 * existing ancestor plus the missing tail. A dangling symlink leads wherever its text says,
 * which we cannot vouch for, so it is reported as its own (unresolvable) target and refused.
 */
function realTarget(abs: string): string {
  let dir = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      const st = lstatSync(dir);
      if (st.isSymbolicLink()) {
        try {
          return path.join(realpathSync(dir), ...tail);
        } catch {
          throw new ToolError('path_symlink_escape', `Refused: "${dir}" is a symlink whose target does not exist.`);
        }
      }
      return path.join(realpathSync(dir), ...tail);
    } catch (e) {
      if (e instanceof ToolError) throw e;
      const parent = path.dirname(dir);
      if (parent === dir) return abs;
      tail.unshift(path.basename(dir));
      dir = parent;
    }
  }
}

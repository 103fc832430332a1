// Which tree entries may be written into a worktree. Restore writes files only through git, and
// `git index-pack --strict` already refuses the worst trees; these rules are checked first anyway,
// on every host's filesystem semantics (case-insensitive, NTFS), so a crafted archive is refused
// with a clear reason before anything is written.

export interface TreeEntry {
  /** Octal mode as git prints it: 100644, 100755, 120000 (symlink), 160000 (gitlink). */
  mode: string;
  /** Slash-separated path relative to the worktree root. */
  path: string;
}

export interface UnsafePath {
  path: string;
  reason: string;
}

const SYMLINK = '120000';
const ALLOWED_MODES = new Set(['100644', '100755', SYMLINK, '160000']);

/** `.git`, and the names Windows and macOS resolve to it (`.GIT`, `.git.`, `.git `, `git~1`). */
function isDotGit(component: string): boolean {
  const c = component.toLowerCase().replace(/[. ]+$/, '');
  return c === '.git' || c === 'git~1';
}

/** Why one path may not be written, or null when it may. */
export function pathProblem(path: string): string | null {
  if (path.length === 0) return 'empty path';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(path)) return 'drive-letter path';
  if (path.includes('\\')) return 'contains a backslash (a directory separator on Windows)';
  for (const component of path.split('/')) {
    if (component === '') return 'empty path component';
    if (component === '.' || component === '..') return `"${component}" component would escape the worktree`;
    if (isDotGit(component)) return 'writes inside a .git directory';
  }
  return null;
}

/**
 * Every entry that must not be written. Beyond per-path rules, no entry may sit below a symlink
 * of the same tree: that is the "symlink pointing out, then a write through it" attack. Prefixes
 * compare case-insensitively because the destination's filesystem may be.
 */
export function unsafeEntries(entries: readonly TreeEntry[]): UnsafePath[] {
  const problems: UnsafePath[] = [];
  const symlinks = new Map<string, string>();
  for (const e of entries) if (e.mode === SYMLINK) symlinks.set(e.path.toLowerCase(), e.path);
  for (const e of entries) {
    const p = pathProblem(e.path);
    if (p) {
      problems.push({ path: e.path, reason: p });
      continue;
    }
    if (!ALLOWED_MODES.has(e.mode)) {
      problems.push({ path: e.path, reason: `unexpected mode ${e.mode}` });
      continue;
    }
    const parts = e.path.toLowerCase().split('/');
    for (let i = 1; i < parts.length; i++) {
      const link = symlinks.get(parts.slice(0, i).join('/'));
      if (link !== undefined) {
        problems.push({ path: e.path, reason: `would be written through the symlink ${link}` });
        break;
      }
    }
  }
  return problems;
}

// Ref names that restore may create. A manifest comes from another host or a file, so a branch
// name in it is input: it must be a plain branch under refs/heads/ that git itself would accept
// (the rules of `git check-ref-format`), never something like `refs/heads/../../config`.

/** Why `name` is not an acceptable full branch ref, or null. */
export function branchRefProblem(name: string): string | null {
  if (!name.startsWith('refs/heads/')) return 'not under refs/heads/';
  const short = name.slice('refs/heads/'.length);
  if (short.length === 0) return 'empty branch name';
  if (name.length > 1024) return 'too long';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'contains a character git forbids in ref names';
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{')) return 'contains "@{"';
  if (name.endsWith('/') || name.endsWith('.')) return 'ends with "/" or "."';
  if (name.includes('//')) return 'contains an empty component';
  for (const c of short.split('/')) {
    if (c.startsWith('.')) return 'a component starts with "."';
    if (c.endsWith('.lock')) return 'a component ends with ".lock"';
  }
  if (short === '@') return 'is "@"';
  return null;
}

/** Short name for messages: `refs/heads/x` → `x`. */
export function shortBranch(ref: string): string {
  return ref.replace(/^refs\/heads\//, '');
}

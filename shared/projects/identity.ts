// Project identity: what makes "the same project" on two hosts. It decides which hosts a
// thread may move to, so it must be exact: two spellings of one remote must give one key, and
// two different repositories must never share one.
//
// The key of a repository is its normalized origin URL (`host/path`: scheme, user, password
// and port dropped, host lower-cased, `.git` and slashes trimmed) or, for a repository with no
// origin, `root:<sha>` of its root commit. A project is a repository plus a subdirectory, so
// its identity is `<repo key>` or `<repo key>//<subdir>`.

export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

// Hosts whose repository paths are case-insensitive: `Acme/Widgets` and `acme/widgets` are one repo there.
const caseInsensitiveHosts = new Set(['github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org']);

/** Normalizes a git remote URL to `host/path` (or `file:/abs/path` for a local remote). */
export function normalizeRemoteUrl(raw: string): string {
  const url = raw.trim();
  if (!url) throw new IdentityError('The remote URL is empty.');

  let host: string;
  let path: string;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (scheme) {
    const proto = scheme[1]!.toLowerCase();
    const rest = url.slice(scheme[0].length);
    if (proto === 'file') return `file:/${cleanPath(rest, false)}`;
    if (!['http', 'https', 'ssh', 'git', 'git+ssh', 'ssh+git', 'ftp', 'ftps'].includes(proto)) {
      throw new IdentityError(`The remote URL "${url}" uses an unknown scheme "${proto}".`);
    }
    const slash = rest.indexOf('/');
    const authority = slash < 0 ? rest : rest.slice(0, slash);
    path = slash < 0 ? '' : rest.slice(slash);
    host = stripPort(stripUser(authority));
    // ssh://host/~user/repo means the same as scp-style host:~user/repo.
  } else if (/^[^/\\]*:/.test(url) && !/^[a-z]:[\\/]/i.test(url)) {
    // scp-style `[user@]host:path` (a colon before any slash); `C:\...` is a Windows path.
    const colon = url.indexOf(':');
    host = stripUser(url.slice(0, colon));
    path = url.slice(colon + 1);
    // `host:2222/repo` is not a port in scp syntax, but people write it; ssh would not read it
    // as one either, so it stays part of the path only when it is not all digits.
    if (/^\d+\//.test(path)) path = path.replace(/^\d+/, '');
  } else if (url.startsWith('/') || /^[a-z]:[\\/]/i.test(url)) {
    // A remote on this host's disk: only meaningful on this host, but still one key per path.
    return `file:/${cleanPath(url.replace(/\\/g, '/'), false)}`;
  } else {
    throw new IdentityError(`"${url}" is not a git remote URL (expected https://host/path, ssh://host/path or user@host:path).`);
  }

  host = host.replace(/^\[(.*)\]$/, '$1').toLowerCase().replace(/\.$/, '');
  if (!host) throw new IdentityError(`The remote URL "${url}" has no host.`);
  const p = cleanPath(path, caseInsensitiveHosts.has(host));
  if (!p) throw new IdentityError(`The remote URL "${url}" has no repository path.`);
  return `${host}/${p}`;
}

function stripUser(authority: string): string {
  const at = authority.lastIndexOf('@');
  return at < 0 ? authority : authority.slice(at + 1);
}

function stripPort(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.replace(/^(\[[^\]]*\])(:\d*)?$/, '$1');
  return hostPort.replace(/:\d*$/, '');
}

function cleanPath(path: string, lower: boolean): string {
  let p = path.split(/[?#]/)[0]!;
  p = p.replace(/\/+/g, '/').replace(/^\/+|\/+$/g, '');
  p = p.replace(/^~\/?/, '~'); // `~/repo` and `~repo` are written both ways for a home-relative path
  p = p.replace(/\.git$/i, '').replace(/\/+$/, '');
  return lower ? p.toLowerCase() : p;
}

/**
 * Normalizes a project's subdirectory relative to the repository root: forward slashes, no
 * `.` segments, no leading/trailing slashes; '' is the whole repository. `..` leaving the
 * repository is an error, never silently clamped.
 */
export function normalizeSubdir(raw: string): string {
  const parts: string[] = [];
  for (const seg of raw.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!parts.length) throw new IdentityError(`The subdirectory "${raw}" leaves the repository.`);
      parts.pop();
      continue;
    }
    parts.push(seg);
  }
  return parts.join('/');
}

export interface RepoFacts {
  /** URL of the `origin` remote, if any. */
  originUrl: string | null;
  /** Full id of the root commit (the first one of the first-parent chain); null for an empty repo. */
  rootCommit: string | null;
}

/** The identity of a repository: its normalized origin or, without one, its root commit. */
export function repoKey(facts: RepoFacts): string {
  if (facts.originUrl && facts.originUrl.trim()) return normalizeRemoteUrl(facts.originUrl);
  if (facts.rootCommit && /^[0-9a-f]{40,64}$/i.test(facts.rootCommit)) return `root:${facts.rootCommit.toLowerCase()}`;
  throw new IdentityError('The repository has no origin remote and no commit yet, so it has no identity. Make a first commit or add an origin remote.');
}

/** The identity of a project: repository key plus normalized subdirectory. */
export function projectIdentity(facts: RepoFacts & { subdir: string }): string {
  const key = repoKey(facts);
  const sub = normalizeSubdir(facts.subdir);
  return sub ? `${key}//${sub}` : key;
}

export type ProjectMatch = 'same' | 'same-repo-other-subdir' | 'different';

/**
 * How two project identities relate: `same` (a thread may move between them),
 * `same-repo-other-subdir` (one repository, another folder of it: not the same project), or
 * `different`.
 */
export function matchProjects(a: string, b: string): ProjectMatch {
  const [ra, sa] = splitIdentity(a);
  const [rb, sb] = splitIdentity(b);
  if (ra !== rb) return 'different';
  return sa === sb ? 'same' : 'same-repo-other-subdir';
}

function splitIdentity(id: string): [string, string] {
  const i = id.indexOf('//');
  return i < 0 ? [id, ''] : [id.slice(0, i), id.slice(i + 2)];
}

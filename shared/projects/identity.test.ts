import { describe, expect, it } from 'vitest';
import { IdentityError, matchProjects, normalizeRemoteUrl, normalizeSubdir, projectIdentity } from './identity';

const GH = 'github.com/acme/widgets';

describe('normalizeRemoteUrl', () => {
  const cases: Array<[string, string]> = [
    ['https://github.com/acme/widgets', GH],
    ['https://github.com/acme/widgets.git', GH],
    ['https://github.com/acme/widgets/', GH],
    ['https://github.com/acme/widgets.git/', GH],
    ['https://GitHub.COM/acme/widgets', GH],
    ['https://github.com/Acme/Widgets', GH], // GitHub paths are case-insensitive
    ['http://github.com/acme/widgets', GH],
    ['https://user@github.com/acme/widgets.git', GH],
    ['https://user:token@github.com/acme/widgets.git', GH],
    ['https://github.com:443/acme/widgets', GH],
    ['https://github.com//acme//widgets', GH],
    ['git@github.com:acme/widgets.git', GH],
    ['git@github.com:acme/widgets', GH],
    ['git@github.com:/acme/widgets.git', GH],
    ['github.com:acme/widgets', GH],
    ['ssh://git@github.com/acme/widgets.git', GH],
    ['ssh://git@github.com:22/acme/widgets.git', GH],
    ['git+ssh://git@github.com/acme/widgets', GH],
    ['ssh+git://github.com/acme/widgets', GH],
    ['git://github.com/acme/widgets.git', GH],
    ['  https://github.com/acme/widgets.git  ', GH],
    ['https://github.com/acme/widgets.git?foo=1', GH],
    ['HTTPS://github.com/acme/widgets', GH],
    // Self-hosted: the path keeps its case (the server may be case-sensitive).
    ['https://git.example.com/Team/Repo.git', 'git.example.com/Team/Repo'],
    ['git@git.example.com:Team/Repo.git', 'git.example.com/Team/Repo'],
    ['ssh://git@git.example.com:2222/Team/Repo.git', 'git.example.com/Team/Repo'],
    ['https://gitlab.example.com/group/sub/group/repo.git', 'gitlab.example.com/group/sub/group/repo'],
    ['ssh://me@host/~me/repo.git', 'host/~me/repo'],
    ['me@host:~me/repo.git', 'host/~me/repo'],
    ['ssh://[::1]:2222/srv/repo.git', '::1/srv/repo'],
    ['https://bitbucket.org/Team/Repo', 'bitbucket.org/team/repo'],
    ['file:///srv/git/repo.git', 'file:/srv/git/repo'],
    ['/srv/git/repo.git', 'file:/srv/git/repo'],
    ['/srv/git/repo/', 'file:/srv/git/repo'],
  ];
  it.each(cases)('%s → %s', (input, key) => {
    expect(normalizeRemoteUrl(input)).toBe(key);
  });

  const distinct: Array<[string, string]> = [
    ['https://github.com/acme/widgets', 'https://github.com/acme/gadgets'],
    ['https://github.com/acme/widgets', 'https://gitlab.com/acme/widgets'],
    ['https://git.example.com/Team/Repo', 'https://git.example.com/team/repo'],
    ['git@github.com:acme/widgets', 'git@github.com:acme/widgets-old'],
  ];
  it.each(distinct)('%s and %s stay different', (a, b) => {
    expect(normalizeRemoteUrl(a)).not.toBe(normalizeRemoteUrl(b));
  });

  const bad = ['', '   ', 'not a url', 'https://', 'https://github.com/', 'gopher://x/y', 'git@github.com:'];
  it.each(bad)('rejects %j with a clear error', (input) => {
    expect(() => normalizeRemoteUrl(input)).toThrow(IdentityError);
  });
});

describe('normalizeSubdir', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['.', ''],
    ['./', ''],
    ['/', ''],
    ['packages/api', 'packages/api'],
    ['./packages/api/', 'packages/api'],
    ['packages//api', 'packages/api'],
    ['packages\\api', 'packages/api'],
    ['packages/./api', 'packages/api'],
    ['packages/x/../api', 'packages/api'],
  ];
  it.each(cases)('%j → %j', (input, out) => {
    expect(normalizeSubdir(input)).toBe(out);
  });
  it.each(['..', '../other', 'a/../../b'])('refuses %j, which leaves the repository', (input) => {
    expect(() => normalizeSubdir(input)).toThrow(/leaves the repository/);
  });
});

describe('projectIdentity and matchProjects', () => {
  const root = 'a'.repeat(40);
  const cases: Array<{ name: string; a: Parameters<typeof projectIdentity>[0]; b: Parameters<typeof projectIdentity>[0]; match: string }> = [
    {
      name: 'https vs scp, same subdir spelled differently',
      a: { originUrl: 'https://github.com/acme/widgets.git', rootCommit: root, subdir: 'packages/api/' },
      b: { originUrl: 'git@github.com:acme/widgets', rootCommit: null, subdir: './packages/api' },
      match: 'same',
    },
    {
      name: 'same repo, other subdir',
      a: { originUrl: 'https://github.com/acme/widgets', rootCommit: null, subdir: 'packages/api' },
      b: { originUrl: 'https://github.com/acme/widgets', rootCommit: null, subdir: 'packages/web' },
      match: 'same-repo-other-subdir',
    },
    {
      name: 'whole repo vs a subdir',
      a: { originUrl: 'https://github.com/acme/widgets', rootCommit: null, subdir: '' },
      b: { originUrl: 'https://github.com/acme/widgets', rootCommit: null, subdir: 'docs' },
      match: 'same-repo-other-subdir',
    },
    {
      name: 'no remote: same root commit',
      a: { originUrl: null, rootCommit: root, subdir: '' },
      b: { originUrl: '', rootCommit: root.toUpperCase(), subdir: '.' },
      match: 'same',
    },
    {
      name: 'no remote: other root commit',
      a: { originUrl: null, rootCommit: root, subdir: '' },
      b: { originUrl: null, rootCommit: 'b'.repeat(40), subdir: '' },
      match: 'different',
    },
    {
      name: 'remote vs no remote (same history) are different keys',
      a: { originUrl: 'https://github.com/acme/widgets', rootCommit: root, subdir: '' },
      b: { originUrl: null, rootCommit: root, subdir: '' },
      match: 'different',
    },
  ];
  it.each(cases)('$name', ({ a, b, match }) => {
    expect(matchProjects(projectIdentity(a), projectIdentity(b))).toBe(match);
  });

  it('formats identity as <repo>//<subdir>', () => {
    expect(projectIdentity({ originUrl: 'git@github.com:acme/widgets.git', rootCommit: null, subdir: 'a/b' })).toBe(`${GH}//a/b`);
    expect(projectIdentity({ originUrl: null, rootCommit: root, subdir: '' })).toBe(`root:${root}`);
  });

  it('refuses a repository with neither origin nor commit', () => {
    expect(() => projectIdentity({ originUrl: null, rootCommit: null, subdir: '' })).toThrow(/no identity/);
  });
});

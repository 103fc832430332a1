import { describe, expect, it } from 'vitest';
import { projectIdentity } from '../projects/identity';
import { checkDestination, HANDOFF_PROTOCOL_VERSION, listDestinations, type CandidateHost, type EligibilityThread } from './eligibility';

// Identities as the project service computes them (repository key + subdirectory).
const id = (originUrl: string | null, subdir: string, rootCommit: string | null = null) => ({ identity: projectIdentity({ originUrl, rootCommit, subdir }), subdir });
const web = id('git@github.com:acme/app.git', 'packages/web');
const thread: EligibilityThread = { host: 'local', project: web };
const v = HANDOFF_PROTOCOL_VERSION;
const host = (h: Partial<CandidateHost>): CandidateHost => ({
  id: 'gpu',
  connected: true,
  protocolVersion: v,
  serverVersion: '0.1.0',
  projects: [web],
  ...h,
});

describe('checkDestination', () => {
  it.each([
    ['a connected host with the same project and subdir', host({}), null],
    ['the same remote spelled another way, subdir with ./ and /', host({ projects: [id('https://GitHub.com/acme/app/', './packages/web/')] }), null],
    ['one of several saved projects matching', host({ projects: [id('https://github.com/acme/other', ''), id('https://github.com/acme/app', ''), web] }), null],
    ['the source itself', host({ id: 'local' }), 'same-host'],
    ['the source itself even when disconnected', host({ id: 'local', connected: false }), 'same-host'],
    ['a disconnected host', host({ connected: false }), 'not-connected'],
    ['a disconnected host with no project (connection reported first)', host({ connected: false, projects: [] }), 'not-connected'],
    ['an older protocol', host({ protocolVersion: v - 1 }), 'version-skew'],
    ['a newer protocol', host({ protocolVersion: v + 1 }), 'version-skew'],
    ['an unknown protocol', host({ protocolVersion: undefined }), 'version-skew'],
    ['no saved projects', host({ projects: [] }), 'no-matching-project'],
    ['another repository only', host({ projects: [id('https://github.com/acme/other', 'packages/web')] }), 'no-matching-project'],
    ['a repository without remote (root commit) only', host({ projects: [id(null, 'packages/web', 'a'.repeat(40))] }), 'no-matching-project'],
    ['the repo at its root only', host({ projects: [id('https://github.com/acme/app', '')] }), 'subdirectory-differs'],
    ['the repo at another subdir', host({ projects: [id('https://github.com/acme/app', 'packages/api')] }), 'subdirectory-differs'],
  ] as const)('%s', (_name, candidate, reason) => {
    const r = checkDestination(thread, candidate);
    if (reason === null) {
      expect(r.eligible).toBe(true);
    } else {
      expect(r).toMatchObject({ eligible: false, reason });
      if (!r.eligible) expect(r.message.length).toBeGreaterThan(20);
    }
  });

  it('names the host and the fix in its messages', () => {
    const r = checkDestination(thread, host({ projects: [id('https://github.com/acme/app', '')] }));
    expect(!r.eligible && r.message).toMatch(/Host "gpu".*"\/".*"packages\/web"/);
    const local = checkDestination({ ...thread, host: 'gpu' }, host({ id: 'local', connected: false }));
    expect(!local.eligible && local.message).toMatch(/^This computer is not connected/);
  });

  it('lists every host with its verdict', () => {
    const list = listDestinations(thread, [host({ id: 'local' }), host({ id: 'a' }), host({ id: 'b', connected: false })]);
    expect(list.map((d) => [d.host, d.eligible])).toEqual([['local', false], ['a', true], ['b', false]]);
  });
});

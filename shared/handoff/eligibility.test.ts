import { describe, expect, it } from 'vitest';
import { checkDestination, HANDOFF_PROTOCOL_VERSION, listDestinations, normalizeSubdir, type CandidateHost, type EligibilityThread } from './eligibility';

const repo = 'github.com/acme/app';
const thread: EligibilityThread = { host: 'local', project: { identity: repo, subdir: 'packages/web' } };
const v = HANDOFF_PROTOCOL_VERSION;
const host = (h: Partial<CandidateHost>): CandidateHost => ({
  id: 'gpu',
  connected: true,
  protocolVersion: v,
  serverVersion: '0.1.0',
  projects: [{ identity: repo, subdir: 'packages/web' }],
  ...h,
});

describe('checkDestination', () => {
  it.each([
    ['a connected host with the same project and subdir', host({}), null],
    ['the subdir spelled differently (./, trailing /)', host({ projects: [{ identity: repo, subdir: './packages/web/' }] }), null],
    ['one of several saved projects matching', host({ projects: [{ identity: 'x', subdir: '' }, { identity: repo, subdir: '' }, { identity: repo, subdir: 'packages/web' }] }), null],
    ['the source itself', host({ id: 'local' }), 'same-host'],
    ['the source itself even when disconnected', host({ id: 'local', connected: false }), 'same-host'],
    ['a disconnected host', host({ connected: false }), 'not-connected'],
    ['a disconnected host with no project (connection reported first)', host({ connected: false, projects: [] }), 'not-connected'],
    ['an older protocol', host({ protocolVersion: v - 1 }), 'version-skew'],
    ['a newer protocol', host({ protocolVersion: v + 1 }), 'version-skew'],
    ['an unknown protocol', host({ protocolVersion: undefined }), 'version-skew'],
    ['no saved projects', host({ projects: [] }), 'no-matching-project'],
    ['another repository only', host({ projects: [{ identity: 'github.com/acme/other', subdir: 'packages/web' }] }), 'no-matching-project'],
    ['an empty identity never matches', host({ projects: [{ identity: '', subdir: 'packages/web' }] }), 'no-matching-project'],
    ['the repo at its root only', host({ projects: [{ identity: repo, subdir: '' }] }), 'subdirectory-differs'],
    ['the repo at another subdir', host({ projects: [{ identity: repo, subdir: 'packages/api' }] }), 'subdirectory-differs'],
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
    const r = checkDestination(thread, host({ projects: [{ identity: repo, subdir: '' }] }));
    expect(!r.eligible && r.message).toMatch(/Host "gpu".*"\/".*"packages\/web"/);
    const local = checkDestination({ ...thread, host: 'gpu' }, host({ id: 'local', connected: false }));
    expect(!local.eligible && local.message).toMatch(/^This computer is not connected/);
  });

  it('lists every host with its verdict', () => {
    const list = listDestinations(thread, [host({ id: 'local' }), host({ id: 'a' }), host({ id: 'b', connected: false })]);
    expect(list.map((d) => [d.host, d.eligible])).toEqual([['local', false], ['a', true], ['b', false]]);
  });
});

describe('normalizeSubdir', () => {
  it.each([
    ['', ''], ['.', ''], ['/', ''], ['./', ''], ['a', 'a'], ['a/', 'a'], ['/a/b/', 'a/b'], ['./a//b', 'a/b'], ['a\\b', 'a/b'],
  ])('%j → %j', (input, out) => expect(normalizeSubdir(input)).toBe(out));
});

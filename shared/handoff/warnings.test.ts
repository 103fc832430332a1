import { describe, expect, it } from 'vitest';
import type { AgentSettings, PermissionProfile } from '../contracts/thread';
import { absolutePaths, compareVersions, pathsToCheck, reviewWarnings, type WarningCode, type WarningFacts } from './warnings';

const profile: PermissionProfile = { name: 'default', approvalPolicy: 'untrusted', sandbox: 'workspace-write', writableRoots: [] };
const settings = (s: Partial<AgentSettings> = {}): AgentSettings => ({ provider: 'offline', permissions: profile, hooks: { preToolUse: [], postToolUse: [] }, ...s });
const hook = (command: string) => ({ matcher: [], command, timeoutMs: 30_000 });
const facts = (f: { settings?: AgentSettings; setupCommand?: string; source?: Partial<WarningFacts['source']>; destination?: Partial<WarningFacts['destination']> } = {}): WarningFacts => ({
  settings: f.settings ?? settings(),
  setupCommand: f.setupCommand,
  source: { agentsMd: 'aa', ...f.source },
  destination: { host: 'gpu', profiles: [profile], agentsMd: 'aa', existingPaths: [], gitVersion: '2.39.2', nodeVersion: 'v20.11.1', ...f.destination },
});

describe('reviewWarnings', () => {
  it.each<[string, WarningFacts, WarningCode[]]>([
    ['identical hosts', facts(), []],
    ['no profile of that name there', facts({ destination: { profiles: [] } }), ['permission-profile-missing']],
    ['a wider profile of that name there', facts({ destination: { profiles: [{ ...profile, approvalPolicy: 'never', sandbox: 'full-access' }] } }), ['permission-profile-differs']],
    ['a narrower profile there', facts({ destination: { profiles: [{ ...profile, sandbox: 'read-only' }] } }), ['permission-profile-differs']],
    ['other writable roots there', facts({ destination: { profiles: [{ ...profile, writableRoots: ['/data'] }] } }), ['permission-profile-differs']],
    ['a writable root missing there', facts({ settings: settings({ permissions: { ...profile, writableRoots: ['/cache'] } }), destination: { profiles: [{ ...profile, writableRoots: ['/cache'] }] } }), ['writable-root-missing']],
    ['a writable root present there', facts({ settings: settings({ permissions: { ...profile, writableRoots: ['/cache/'] } }), destination: { profiles: [{ ...profile, writableRoots: ['/cache/'] }], existingPaths: ['/cache'] } }), []],
    ['AGENTS.md differs', facts({ destination: { agentsMd: 'bb' } }), ['agents-md-differs']],
    ['AGENTS.md missing there', facts({ destination: { agentsMd: null } }), ['agents-md-differs']],
    ['AGENTS.md only there', facts({ source: { agentsMd: null } }), ['agents-md-differs']],
    ['AGENTS.md on neither', facts({ source: { agentsMd: null }, destination: { agentsMd: null } }), []],
    ['a hook path missing there', facts({ settings: settings({ hooks: { preToolUse: [hook('/usr/local/bin/lint --fix')], postToolUse: [] } }) }), ['hook-path-missing']],
    ['a hook path present there', facts({ settings: settings({ hooks: { preToolUse: [], postToolUse: [hook('/opt/check.sh')] } }), destination: { existingPaths: ['/opt/check.sh'] } }), []],
    ['a relative hook', facts({ settings: settings({ hooks: { preToolUse: [hook('./scripts/lint.sh')], postToolUse: [] } }) }), []],
    ['a setup path missing there', facts({ setupCommand: 'bash /Users/me/setup.sh' }), ['setup-path-missing']],
    ['git too old', facts({ destination: { gitVersion: '2.20.1' } }), ['git-too-old']],
    ['git unknown', facts({ destination: { gitVersion: null } }), ['git-too-old']],
    ['git exactly the minimum', facts({ destination: { gitVersion: '2.25' } }), []],
    ['node too old', facts({ destination: { nodeVersion: 'v18.19.0' } }), ['node-too-old']],
    ['everything at once', facts({ setupCommand: '/x/setup', settings: settings({ hooks: { preToolUse: [hook('/a')], postToolUse: [hook('/b')] } }), destination: { profiles: [], agentsMd: null, gitVersion: '1.8', nodeVersion: '16' } }), ['permission-profile-missing', 'agents-md-differs', 'hook-path-missing', 'hook-path-missing', 'setup-path-missing', 'git-too-old', 'node-too-old']],
  ])('%s', (_n, f, codes) => {
    const w = reviewWarnings(f);
    expect(w.map((x) => x.code)).toEqual(codes);
    for (const x of w) expect(x.message).toContain('gpu');
  });

  it('says approvals are never widened', () => {
    const [w] = reviewWarnings(facts({ destination: { profiles: [{ ...profile, approvalPolicy: 'never' }] } }));
    expect(w!.message).toMatch(/approval untrusted here, never there.*never widened/);
  });
});

describe('absolutePaths', () => {
  it.each([
    ['/usr/bin/lint', ['/usr/bin/lint']],
    ['node /opt/a.js --out=/tmp/x', ['/opt/a.js', '/tmp/x']],
    ['"/Users/me/my tool" x', ['/Users/me/my tool']],
    ["sh '/opt/a b/c.sh' --c=/etc/x", ['/opt/a b/c.sh', '/etc/x']],
    ['./rel ../up ~/home', []],
    ['a && /bin/b; /bin/b | c', ['/bin/b']],
    ['cd /srv/app/ && make', ['/srv/app']],
    ['echo a/b', []],
  ] as const)('%j', (cmd, paths) => expect(absolutePaths(cmd)).toEqual(paths));

  it('pathsToCheck gathers hooks, setup and writable roots once each', () => {
    const s = settings({ permissions: { ...profile, writableRoots: ['/cache', 'rel'] }, hooks: { preToolUse: [hook('/a x')], postToolUse: [hook('/a y')] } });
    expect(pathsToCheck(s, 'sh /setup.sh')).toEqual(['/a', '/setup.sh', '/cache']);
  });
});

describe('compareVersions', () => {
  it.each([
    ['2.39.2', '2.25.0', 1], ['2.25', '2.25.0', 0], ['2.24.9', '2.25.0', -1], ['v20.11.1', '20.0.0', 1], ['git version 2.39.2.windows.1', '2.25.0', 1], ['18', '20.0.0', -1],
  ] as const)('%s vs %s', (a, b, r) => expect(compareVersions(a, b)).toBe(r));
});

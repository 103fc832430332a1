import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mergeConfigs, resolveThreadSettings, settingsFromConfig, type ConfigFile } from './settings';

describe('settingsFromConfig', () => {
  const cases: Array<{ name: string; config: ConfigFile; req: Parameters<typeof settingsFromConfig>[1]; expect: Record<string, unknown> }> = [
    { name: 'no config: offline, default profile', config: {}, req: {}, expect: { provider: 'offline', approvalPolicy: 'on-request', sandbox: 'workspace-write' } },
    { name: '--approval overrides the profile', config: {}, req: { approvalPolicy: 'untrusted' }, expect: { approvalPolicy: 'untrusted', sandbox: 'workspace-write' } },
    { name: 'built-in read-only', config: {}, req: { profile: 'read-only' }, expect: { approvalPolicy: 'untrusted', sandbox: 'read-only' } },
    {
      name: 'default_profile from config',
      config: { default_profile: 'ci', profiles: { ci: { approval_policy: 'never', sandbox: 'full-access' } } },
      req: {},
      expect: { name: 'ci', approvalPolicy: 'never', sandbox: 'full-access' },
    },
    {
      name: 'a config profile may override only some keys of a built-in one',
      config: { profiles: { default: { writable_roots: ['/cache'] } } },
      req: {},
      expect: { approvalPolicy: 'on-request', writableRoots: ['/cache'] },
    },
    {
      name: 'provider settings',
      config: { provider: { kind: 'openai-compatible', model: 'm', base_url: 'http://127.0.0.1:1/v1', api_key_env: 'K' } },
      req: {},
      expect: { provider: 'openai-compatible', model: 'm', baseUrl: 'http://127.0.0.1:1/v1', apiKeyEnv: 'K' },
    },
  ];
  it.each(cases)('$name', ({ config, req, expect: want }) => {
    const s = settingsFromConfig(config, req);
    const flat = { provider: s.provider, model: s.model, baseUrl: s.baseUrl, apiKeyEnv: s.apiKeyEnv, ...s.permissions };
    expect(flat).toMatchObject(want);
  });

  it('names the known profiles when asked for an unknown one', () => {
    expect(() => settingsFromConfig({ profiles: { mine: {} } }, { profile: 'nope' })).toThrow(/no permission profile "nope"/);
  });

  it('merges project over user config and appends hooks', () => {
    const merged = mergeConfigs(
      { provider: { kind: 'openai-compatible', model: 'a' }, hooks: { pre_tool_use: [{ command: 'u' }] } },
      { provider: { model: 'b' }, hooks: { pre_tool_use: [{ command: 'p', matcher: ['shell'] }] } },
    );
    const s = settingsFromConfig(merged, {});
    expect(s.provider).toBe('openai-compatible');
    expect(s.model).toBe('b');
    expect(s.hooks.preToolUse.map((h) => h.command)).toEqual(['u', 'p']);
  });
});

describe('resolveThreadSettings (files)', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('reads BATON_HOME/config.toml and, for a trusted project, its .baton/config.toml', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'baton-cfg-'));
    const proj = mkdtempSync(path.join(os.tmpdir(), 'baton-proj-'));
    dirs.push(home, proj);
    const identity = 'github.com/acme/widgets//packages/api';
    mkdirSync(path.join(proj, '.baton'));
    writeFileSync(path.join(proj, '.baton', 'config.toml'), '[profiles.careful]\nsandbox = "read-only"\n[[hooks.post_tool_use]]\ncommand = "echo hi"\n');

    // Not trusted: the repository's config (hooks!) is ignored, and the thread is told why.
    writeFileSync(path.join(home, 'config.toml'), 'default_profile = "careful"\n[profiles.careful]\napproval_policy = "untrusted"\n');
    const untrusted = resolveThreadSettings({ home, projectDir: proj, repoRoot: proj, identity });
    expect(untrusted.settings.permissions).toMatchObject({ name: 'careful', approvalPolicy: 'untrusted', sandbox: 'workspace-write' });
    expect(untrusted.settings.hooks.postToolUse).toEqual([]);
    expect(untrusted.notices[0]).toMatch(/not trusted.*trusted_projects = \["github.com\/acme\/widgets"\]/);

    writeFileSync(path.join(home, 'config.toml'), 'default_profile = "careful"\ntrusted_projects = ["git@github.com:acme/widgets.git"]\n[profiles.careful]\napproval_policy = "untrusted"\n');
    const { settings: s, notices } = resolveThreadSettings({ home, projectDir: proj, repoRoot: proj, identity });
    expect(notices).toEqual([]);
    // Profiles are replaced whole by the project (a table per name), so untrusted falls back to the built-in default.
    expect(s.permissions).toMatchObject({ name: 'careful', sandbox: 'read-only' });
    expect(s.hooks.postToolUse).toEqual([{ matcher: [], command: 'echo hi', timeoutMs: 30_000 }]);
  });

  it('reports a TOML syntax error with file, line and column', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'baton-cfg-'));
    dirs.push(home);
    writeFileSync(path.join(home, 'config.toml'), 'default_profile = "x"\n[profiles\n');
    expect(() => resolveThreadSettings({ home, projectDir: home, repoRoot: home, identity: 'x/y' })).toThrow(new RegExp(`${path.join(home, 'config.toml')}:2:`));
  });

  it('reports an unknown key', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'baton-cfg-'));
    dirs.push(home);
    writeFileSync(path.join(home, 'config.toml'), '[profiles.x]\napproval = "never"\n');
    expect(() => resolveThreadSettings({ home, projectDir: home, repoRoot: home, identity: 'x/y' })).toThrow(/profiles\.x/);
  });
});

// Agent settings of a new thread, from two TOML files: the user's BATON_HOME/config.toml and
// the project's .baton/config.toml (which overrides it, key by key). Example:
//
//   default_profile = "careful"
//   trusted_projects = ["github.com/acme/widgets"]   # user config only: whose .baton/config.toml counts
//   [provider]                     # absent: the built-in `offline` agent
//   kind = "openai-compatible"
//   base_url = "http://127.0.0.1:11434/v1"
//   model = "qwen2.5-coder"
//   api_key_env = "OPENAI_API_KEY"
//   [profiles.careful]
//   approval_policy = "untrusted"  # untrusted | on-request | never
//   sandbox = "workspace-write"    # read-only | workspace-write | full-access
//   writable_roots = ["/tmp/cache"]
//   [[hooks.pre_tool_use]]
//   matcher = ["shell"]
//   command = "./scripts/check-command"
//   timeout_ms = 5000
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { z } from 'zod';
import { AgentSettings, ApprovalPolicy, type PermissionProfile, SandboxMode } from '../../../shared/contracts/thread';
import { matchProjects, normalizeRemoteUrl } from '../../../shared/projects/identity';
import { RpcError } from '../../../shared/rpc/errors';

const Hook = z.object({
  matcher: z.array(z.string()).optional(),
  command: z.string().min(1),
  timeout_ms: z.number().int().positive().max(600_000).optional(),
});

const ConfigFile = z
  .object({
    default_profile: z.string().min(1).optional(),
    trusted_projects: z.array(z.string()).optional(),
    provider: z
      .object({
        kind: z.enum(['offline', 'openai-compatible']).optional(),
        model: z.string().optional(),
        base_url: z.string().optional(),
        api_key_env: z.string().optional(),
      })
      .strict()
      .optional(),
    profiles: z
      .record(
        z.string(),
        z
          .object({ approval_policy: ApprovalPolicy.optional(), sandbox: SandboxMode.optional(), writable_roots: z.array(z.string()).optional() })
          .strict(),
      )
      .optional(),
    hooks: z.object({ pre_tool_use: z.array(Hook).optional(), post_tool_use: z.array(Hook).optional() }).strict().optional(),
  })
  .strict();
export type ConfigFile = z.infer<typeof ConfigFile>;

/** Profiles every host knows, so a fresh install works without a config file. */
export const builtinProfiles: Record<string, PermissionProfile> = {
  default: { name: 'default', approvalPolicy: 'on-request', sandbox: 'workspace-write', writableRoots: [] },
  'read-only': { name: 'read-only', approvalPolicy: 'untrusted', sandbox: 'read-only', writableRoots: [] },
  'full-access': { name: 'full-access', approvalPolicy: 'never', sandbox: 'full-access', writableRoots: [] },
};

/** Reads and validates one config file; a missing file is an empty config. */
export function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new RpcError('invalidParams', `Could not read ${file}: ${(e as Error).message}.`, 'Check its permissions.');
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    if (e instanceof TomlError) {
      throw new RpcError('invalidParams', `${file}:${e.line}:${e.column}: ${e.message.split('\n')[0]}`, 'Fix the TOML syntax at that line.');
    }
    throw e;
  }
  const r = ConfigFile.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new RpcError('invalidParams', `${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`, 'See the config.toml example in README.md.');
  }
  return r.data;
}

/** Project config overrides user config, table by table (profiles by name, hooks appended). */
export function mergeConfigs(user: ConfigFile, project: ConfigFile): ConfigFile {
  return {
    default_profile: project.default_profile ?? user.default_profile,
    provider: user.provider || project.provider ? { ...user.provider, ...project.provider } : undefined,
    profiles: { ...user.profiles, ...project.profiles },
    hooks: {
      pre_tool_use: [...(user.hooks?.pre_tool_use ?? []), ...(project.hooks?.pre_tool_use ?? [])],
      post_tool_use: [...(user.hooks?.post_tool_use ?? []), ...(project.hooks?.post_tool_use ?? [])],
    },
  };
}

export interface SettingsRequest {
  /** A profile name from config (or a built-in one); default: config's default_profile, else `default`. */
  profile?: string;
  /** Overrides the profile's approval policy (`thread new --approval`). */
  approvalPolicy?: z.infer<typeof ApprovalPolicy>;
}

/** Pure: the AgentSettings of a new thread from the merged config and the request. */
export function settingsFromConfig(config: ConfigFile, req: SettingsRequest): AgentSettings {
  const name = req.profile ?? config.default_profile ?? 'default';
  const fromFile = config.profiles?.[name];
  const base = builtinProfiles[name];
  if (!fromFile && !base) {
    const known = [...new Set([...Object.keys(builtinProfiles), ...Object.keys(config.profiles ?? {})])].join(', ');
    throw new RpcError('invalidParams', `There is no permission profile "${name}".`, `Use one of: ${known}; or define [profiles.${name}] in config.toml.`);
  }
  const permissions: PermissionProfile = {
    name,
    approvalPolicy: req.approvalPolicy ?? fromFile?.approval_policy ?? base?.approvalPolicy ?? 'on-request',
    sandbox: fromFile?.sandbox ?? base?.sandbox ?? 'workspace-write',
    writableRoots: fromFile?.writable_roots ?? base?.writableRoots ?? [],
  };
  const hook = (h: z.infer<typeof Hook>) => ({ matcher: h.matcher ?? [], command: h.command, timeoutMs: h.timeout_ms ?? 30_000 });
  return AgentSettings.parse({
    provider: config.provider?.kind ?? 'offline',
    model: config.provider?.model,
    baseUrl: config.provider?.base_url,
    apiKeyEnv: config.provider?.api_key_env,
    permissions,
    hooks: { preToolUse: (config.hooks?.pre_tool_use ?? []).map(hook), postToolUse: (config.hooks?.post_tool_use ?? []).map(hook) },
  });
}

/**
 * Whether a project's own .baton/config.toml is honoured. A repository is code from someone
 * else until the user says otherwise: its config could name hooks (commands run on every tool
 * call) or drop approvals. So only repositories listed in the user's `trusted_projects` (by
 * repository identity, any subdirectory) get their config applied.
 */
export function isTrustedProject(user: ConfigFile, identity: string): boolean {
  return (user.trusted_projects ?? []).some((t) => {
    // Entries are identities as `baton project list` prints them, or remote URLs in any spelling.
    let key = t.trim();
    try {
      if (/^[a-z][a-z0-9+.-]*:\/\/|^[^/]*@[^/]*:/i.test(key)) key = normalizeRemoteUrl(key);
    } catch {
      return false;
    }
    return matchProjects(key, identity) !== 'different';
  });
}

/** Reads both files and resolves the settings of a new thread in `projectDir`. */
export function resolveThreadSettings(
  opts: { home: string; projectDir: string; repoRoot: string; identity: string } & SettingsRequest,
): { settings: AgentSettings; notices: string[] } {
  const user = readConfigFile(path.join(opts.home, 'config.toml'));
  // The project's own folder first, then the repository root (a monorepo's shared config).
  let projectFile = path.join(opts.projectDir, '.baton', 'config.toml');
  let project = readConfigFile(projectFile);
  if (!Object.keys(project).length && opts.projectDir !== opts.repoRoot) {
    projectFile = path.join(opts.repoRoot, '.baton', 'config.toml');
    project = readConfigFile(projectFile);
  }
  const notices: string[] = [];
  if (project.trusted_projects) throw new RpcError('invalidParams', `${projectFile}: trusted_projects belongs in ${path.join(opts.home, 'config.toml')} only.`, 'Remove it from the project config.');
  if (Object.keys(project).length && !isTrustedProject(user, opts.identity)) {
    notices.push(
      `${projectFile} was not applied: this project is not trusted. To use it, add its identity to trusted_projects in ${path.join(opts.home, 'config.toml')}: trusted_projects = ["${opts.identity.split('//')[0]}"]`,
    );
    project = {};
  }
  return { settings: settingsFromConfig(mergeConfigs(user, project), opts), notices };
}

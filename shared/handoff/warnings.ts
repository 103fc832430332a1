// What the review dialog warns about before a handoff. Pure: the source gathers the facts (its
// own settings, and what the destination reported about itself) and this turns them into
// warnings a person can act on. None of them blocks a handoff; all of them are shown.
import type { AgentSettings, PermissionProfile } from '../contracts/thread';

export const MINIMUM_VERSIONS = { git: '2.25.0', node: '20.0.0' } as const;

export type WarningCode =
  | 'permission-profile-missing'
  | 'permission-profile-differs'
  | 'writable-root-missing'
  | 'agents-md-differs'
  | 'hook-path-missing'
  | 'setup-path-missing'
  | 'git-too-old'
  | 'node-too-old';

export interface ReviewWarning {
  code: WarningCode;
  message: string;
}

export interface WarningFacts {
  /** The thread's settings: they travel with it and are enforced on the destination unchanged. */
  settings: AgentSettings;
  /** The project's setup command on the destination, if any (it runs in a new worktree). */
  setupCommand?: string;
  source: {
    /** SHA-256 of AGENTS.md in the thread's worktree, null when there is none. */
    agentsMd: string | null;
  };
  destination: {
    host: string;
    /** Permission profiles configured on the destination. */
    profiles: readonly PermissionProfile[];
    /** SHA-256 of AGENTS.md in the destination's checkout of the project, null when there is none. */
    agentsMd: string | null;
    /** Of the paths from `pathsToCheck`, those that exist on the destination. */
    existingPaths: readonly string[];
    /** `git --version` / `node --version` numbers on the destination; null when unknown. */
    gitVersion: string | null;
    nodeVersion: string | null;
  };
}

/** Absolute paths in the thread's configuration that must exist on the destination to work. */
export function pathsToCheck(settings: AgentSettings, setupCommand?: string): string[] {
  const paths = new Set<string>();
  for (const h of [...settings.hooks.preToolUse, ...settings.hooks.postToolUse]) for (const p of absolutePaths(h.command)) paths.add(p);
  if (setupCommand) for (const p of absolutePaths(setupCommand)) paths.add(p);
  for (const r of settings.permissions.writableRoots) if (r.startsWith('/')) paths.add(r);
  return [...paths];
}

/**
 * Absolute paths named in a shell command line: words (or `--flag=value` values) starting with
 * '/'. A heuristic on purpose — the command is the user's shell text, and a missed path only
 * costs a warning, while a false one is visible and harmless.
 */
export function absolutePaths(command: string): string[] {
  const out: string[] = [];
  // A quoted path runs to its closing quote; a bare one to the next shell metacharacter.
  const re = /"(\/[^"]*)"|'(\/[^']*)'|(?:^|[\s=(:])(\/[^\s'"`;|&<>()$]*)/g;
  for (const m of command.matchAll(re)) {
    const p = (m[1] ?? m[2] ?? m[3]!).replace(/\/+$/, '');
    if (p.length > 1 && !out.includes(p)) out.push(p);
  }
  return out;
}

export function reviewWarnings(f: WarningFacts): ReviewWarning[] {
  const warnings: ReviewWarning[] = [];
  const dest = f.destination.host;
  const mine = f.settings.permissions;
  const theirs = f.destination.profiles.find((p) => p.name === mine.name);
  // The thread's own profile travels inside its settings and is what the destination enforces,
  // so a wider profile of the same name there can never widen this thread's approvals.
  if (!theirs) {
    warnings.push({
      code: 'permission-profile-missing',
      message: `${dest} has no permission profile "${mine.name}". The thread keeps its own (approval ${mine.approvalPolicy}, sandbox ${mine.sandbox}) there; nothing is widened.`,
    });
  } else {
    const diffs = profileDifferences(mine, theirs);
    if (diffs.length > 0) {
      warnings.push({
        code: 'permission-profile-differs',
        message: `Permission profile "${mine.name}" differs on ${dest} (${diffs.join('; ')}). The thread keeps its own settings there; approvals are never widened by a move.`,
      });
    }
  }

  const exists = new Set(f.destination.existingPaths);
  for (const root of mine.writableRoots) {
    if (root.startsWith('/') && !exists.has(root.replace(/\/+$/, ''))) {
      warnings.push({ code: 'writable-root-missing', message: `Extra writable directory ${root} does not exist on ${dest}; commands there cannot write to it.` });
    }
  }

  if (f.source.agentsMd !== f.destination.agentsMd) {
    const message =
      f.destination.agentsMd === null
        ? `AGENTS.md is missing in the project on ${dest}; the agent there will not see the instructions it has now.`
        : f.source.agentsMd === null
          ? `${dest} has an AGENTS.md that this checkout does not; the agent there will follow it.`
          : `AGENTS.md differs between this checkout and ${dest}; the agent there will follow ${dest}'s version.`;
    warnings.push({ code: 'agents-md-differs', message });
  }

  const hooks = [...f.settings.hooks.preToolUse.map((h) => ['PreToolUse', h] as const), ...f.settings.hooks.postToolUse.map((h) => ['PostToolUse', h] as const)];
  for (const [kind, hook] of hooks) {
    for (const p of absolutePaths(hook.command)) {
      if (!exists.has(p)) warnings.push({ code: 'hook-path-missing', message: `${kind} hook \`${hook.command}\` refers to ${p}, which does not exist on ${dest}; the hook will fail there.` });
    }
  }
  if (f.setupCommand) {
    for (const p of absolutePaths(f.setupCommand)) {
      if (!exists.has(p)) warnings.push({ code: 'setup-path-missing', message: `The setup command \`${f.setupCommand}\` refers to ${p}, which does not exist on ${dest}.` });
    }
  }

  for (const [tool, code, found] of [
    ['git', 'git-too-old', f.destination.gitVersion],
    ['node', 'node-too-old', f.destination.nodeVersion],
  ] as const) {
    const min = MINIMUM_VERSIONS[tool];
    if (found === null) {
      warnings.push({ code, message: `Could not tell which ${tool} ${dest} has; Baton needs ${tool} ${min} or newer there.` });
    } else if (compareVersions(found, min) < 0) {
      warnings.push({ code, message: `${dest} has ${tool} ${found}; Baton needs ${tool} ${min} or newer there. Upgrade ${tool} on ${dest}.` });
    }
  }
  return warnings;
}

/** Compares dotted version numbers ("v20.11.1", "2.39.2.windows.1"); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const nums = (v: string) => (v.match(/\d+(?:\.\d+)*/)?.[0] ?? '0').split('.').map(Number);
  const x = nums(a);
  const y = nums(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function profileDifferences(mine: PermissionProfile, theirs: PermissionProfile): string[] {
  const out: string[] = [];
  if (mine.approvalPolicy !== theirs.approvalPolicy) out.push(`approval ${mine.approvalPolicy} here, ${theirs.approvalPolicy} there`);
  if (mine.sandbox !== theirs.sandbox) out.push(`sandbox ${mine.sandbox} here, ${theirs.sandbox} there`);
  const a = [...mine.writableRoots].sort().join(', ');
  const b = [...theirs.writableRoots].sort().join(', ');
  if (a !== b) out.push(`writable roots [${a}] here, [${b}] there`);
  return out;
}

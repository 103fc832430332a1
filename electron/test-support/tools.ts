// Test suites that drive real programs (sshd, Chromium, bwrap…) ask here whether the program is
// on this machine. Missing: the suite is skipped with a loud line naming what to install — except
// under CI=true, where a missing tool is a failure, because CI must never go green by skipping.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const knownPaths: Record<string, string[]> = {
  sshd: ['/usr/sbin/sshd'],
  chromium: ['/usr/bin/chromium'],
};

export function findTool(name: string): string | null {
  for (const p of knownPaths[name] ?? []) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/**
 * Returns the tool's path, or null after printing a loud skip line. Under CI=true it throws.
 * Use as: `const sshd = requireTool('sshd', 'openssh-server'); describe.skipIf(!sshd)(...)`.
 */
export function requireTool(name: string, aptPackage: string): string | null {
  const found = findTool(name);
  if (found) return found;
  const line = `!!! ${name} is not installed (apt-get install -y ${aptPackage}); its tests are SKIPPED. npm test installs it when run as root.`;
  if (process.env.CI === 'true') throw new Error(`${line} Under CI=true a missing tool fails the run.`);
  console.warn(line);
  return null;
}

// Makes sure the programs the test suites drive for real are on this machine.
// As root (CI, fresh machines) it installs what is missing with apt-get; elsewhere it only
// reports. The result goes to the suites through environment variables so that each one can
// skip *loudly* when its tool is missing — and under CI=true a missing tool fails the run
// instead (see electron/test-support/tools.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const tools = [
  { name: 'git', apt: 'git', probe: () => which('git') },
  { name: 'sshd', apt: 'openssh-server', probe: () => (existsSync('/usr/sbin/sshd') ? '/usr/sbin/sshd' : null) },
  { name: 'ssh-keygen', apt: 'openssh-client', probe: () => which('ssh-keygen') },
  { name: 'ssh-agent', apt: 'openssh-client', probe: () => which('ssh-agent') },
  { name: 'chromium', apt: 'chromium', probe: () => (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : null) },
  { name: 'csh', apt: 'csh', probe: () => which('csh') },
  { name: 'fish', apt: 'fish', probe: () => which('fish') },
  { name: 'bwrap', apt: 'bubblewrap', probe: () => which('bwrap') },
];

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function ensureTools({ log = console.log } = {}) {
  const missing = tools.filter((t) => !t.probe());
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (missing.length && isRoot) {
    const pkgs = [...new Set(missing.map((t) => t.apt))];
    log(`tools: installing ${pkgs.join(' ')} with apt-get`);
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (e) {
      log(`tools: apt-get failed (${e.message}); suites needing ${pkgs.join(', ')} will report it`);
    }
  }
  const found = {};
  for (const t of tools) {
    const p = t.probe();
    found[t.name] = p;
    if (!p) log(`tools: MISSING ${t.name} (apt package ${t.apt}) — suites that need it will ${process.env.CI === 'true' ? 'FAIL' : 'be skipped'}`);
  }
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureTools();

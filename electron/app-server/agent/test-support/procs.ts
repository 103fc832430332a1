// Looking for processes from tests, by what they run. Zombies do not count: they are dead and
// only wait for a reaper (which some container inits never are).
import { readdirSync, readFileSync } from 'node:fs';

/** Live processes whose argv is exactly `argv`. */
export function livingProcesses(argv: readonly string[]): number[] {
  const found: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const args = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').slice(0, -1);
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (args.length === argv.length && args.every((a, i) => a === argv[i]) && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

export async function eventually(f: () => boolean, withinMs: number): Promise<boolean> {
  const end = Date.now() + Math.max(withinMs, 0);
  for (;;) {
    if (f()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A sleep duration nobody else is using, to find that exact sleep afterwards. */
export function uniqueSleep(): string {
  return `${30 + Math.floor(Math.random() * 100_000) / 100_000}`;
}

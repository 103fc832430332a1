import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSetup, setupCommandFor } from './setup-script';
import { write } from './test-repos';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-setup-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('setup script', () => {
  it('uses .baton/setup.sh only when present, a configured command instead, and nothing for null', () => {
    expect(setupCommandFor(dir, undefined)).toBeNull();
    write(dir, '.baton/setup.sh', 'true\n');
    expect(setupCommandFor(dir, undefined)).toBe('sh .baton/setup.sh');
    expect(setupCommandFor(dir, 'make setup')).toBe('make setup');
    expect(setupCommandFor(dir, null)).toBeNull();
  });

  it('stops the whole process group on timeout and says so', async () => {
    const pidFile = path.join(dir, 'child.pid');
    const r = await runSetup(dir, `sleep 60 & echo $! > ${pidFile}; wait`, undefined, 500);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/timed out/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // The background `sleep` died with the group: gone, or a zombie waiting to be reaped.
    const alive = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && alive(); i++) await new Promise((res) => setTimeout(res, 100));
    const survived = alive();
    if (survived) process.kill(pid, 'SIGKILL');
    expect(survived).toBe(false);
  });
});

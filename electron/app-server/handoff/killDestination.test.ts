// kill -9 for real: the destination app-server runs as a child process and SIGKILLs itself at a
// chosen point of the protocol; it is started again from its BATON_HOME and the source's
// recovery resolves the operation. Exactly one live owner afterwards, nothing lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitView, isolateGit, makeScenario, removeTree } from '../git/test-repos';
import { ProjectStore } from '../projects/projectStore';
import { homePaths } from '../storage/home';
import { ThreadStore } from '../storage/threadStore';
import { homeOf, Pair } from './harness.test-support';
import { dialFramed } from './tcpLink.test-support';

let root: string;
let gitRoot: string;
const children = new Set<ChildProcess>();
beforeAll(() => {
  gitRoot = isolateGit();
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-handoff-kill-'));
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) process.kill(c.pid!, 'SIGKILL');
  removeTree(root);
  removeTree(gitRoot);
});

/** Starts the destination process; resolves with its port once it listens. */
function startDestination(home: string, crashAt: string | null): Promise<{ child: ChildProcess; port: number; exited: Promise<NodeJS.Signals | number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'destinationProcess.test-support.ts')], {
    env: { ...process.env, BATON_HOME: home, HOST_ID: 'gpu', CRASH_AT: crashAt ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on('exit', (code, sig) => r(sig ?? code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), exited });
    });
    child.on('exit', () => reject(new Error(`destination exited before listening: ${out}`)));
  });
}

describe('kill -9 of the destination process', () => {
  it.each([
    ['stage:after', 'local'], // staged (voted) and died before the answer: no decision, the thread stays
    ['commit:before', 'gpu'], // decided, died before hearing it: recovery sends the commit again
    ['commit:after', 'gpu'], // applied and died before the answer: recovery tombstones the source
  ])('dies at %s; after restart and recovery the thread lives on %s, whole', async (crashAt, liveOn) => {
    const dir = path.join(root, crashAt.replace(':', '-'));
    const { source, dest } = makeScenario(dir);
    const homes = { local: homeOf(dir, 'local'), gpu: homeOf(dir, 'gpu') };
    mkdirSync(homes.gpu, { recursive: true });
    await new ProjectStore(homePaths(homes.gpu).projects).add(dest, 'app');
    let dst = await startDestination(homes.gpu, crashAt);
    // Only the source runs in this process; the destination is the child.
    const link = dialFramed(() => dst.port, 'gpu'); // re-dials the restarted process
    const pair = new Pair({ local: homes.local }, { link: (from, to) => (from === 'local' && to === 'gpu' ? link : undefined), retries: 0 });
    const A = pair.get('local');
    await A.projects.add(source, 'app');
    const t = await A.threads.start({ project: 'app', approvalPolicy: 'never' });
    const before = A.store.readEvents(t.id);

    const status = await A.handoff.run({ thread: t.id, to: 'gpu' });
    expect(await dst.exited).toBe('SIGKILL');
    expect(status.state).toBe(liveOn === 'local' ? 'aborted' : 'in-doubt');

    dst = await startDestination(homes.gpu, null);
    await A.handoff.recover();
    expect(A.handoff.journal.open()).toEqual([]);
    process.kill(dst.child.pid!, 'SIGTERM');
    await dst.exited;

    const tA = await A.store.read(t.id);
    const storeB = new ThreadStore(homes.gpu);
    const tB = storeB.exists(t.id) ? await storeB.read(t.id) : null;
    const live = [tA.status !== 'moved' && tA.status !== 'handing-off' && 'local', tB && tB.status !== 'moved' && tB.status !== 'handing-off' && 'gpu'].filter(Boolean);
    expect(live).toEqual([liveOn]);
    if (liveOn === 'gpu') {
      expect(tA).toMatchObject({ status: 'moved', movedTo: 'gpu' });
      expect(storeB.readEvents(t.id).slice(0, before.length)).toEqual(before);
      expect(gitView(tB!.worktreePath)).toEqual(gitView(source));
    } else {
      expect(tA.status).toBe('idle');
      expect(A.store.readEvents(t.id).slice(0, before.length)).toEqual(before);
    }
    await storeB.close();
    await pair.closeAll();
  });
});

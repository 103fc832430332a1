// A thread with tens of thousands of transcript items: the project and thread are created with
// the real `baton` CLI, then the items are appended through the real storage in one write,
// before the browser-mode server starts (typing 50,000 messages through the UI would test the
// agent, not the transcript).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ThreadStore } from '../../electron/app-server/storage/threadStore';
import type { ThreadEvent } from '../../shared/contracts/events';

const baton = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'baton.cjs');

export async function writeLongThread(home: string, repo: string, items: number): Promise<string> {
  const cli = (...args: string[]) => JSON.parse(execFileSync(process.execPath, [baton, ...args, '--json'], { env: { ...process.env, BATON_HOME: home }, encoding: 'utf8' }));
  cli('project', 'add', repo, '--name', 'acme-app');
  const created = cli('thread', 'new', '--project', 'acme-app', '--title', 'Long thread', '--approval', 'never');
  const id: string = created.thread?.id ?? created.id;
  const store = new ThreadStore(home);
  try {
    const before = await store.read(id);
    const at = new Date().toISOString();
    const events: ThreadEvent[] = [];
    for (let i = 1; i <= items; i++) {
      const base = { id: `item-${i}`, at };
      const item =
        i % 10 === 0
          ? { ...base, type: 'command_execution' as const, command: `echo ${i}`, cwd: repo, output: `${i}\n`, exitCode: 0, status: 'completed' as const }
          : i % 2 === 0
            ? { ...base, type: 'agent_message' as const, text: `Agent reply number ${i}.` }
            : { ...base, type: 'user_message' as const, text: `Message number ${i}` };
      events.push({ rev: before.revision + i, at, epoch: before.epoch, kind: 'item_added', item });
    }
    await store.appendVerbatim(id, events);
    return id;
  } finally {
    await store.close();
  }
}

// `thread/export` and `thread/import`: a whole thread — its event log and its Git state — in one
// `.baton` file, for hosts with no network path between them. The git engine writes and reads
// the file (format: PROTOCOL.md §3); this module decides which thread, which project and what
// the log becomes on arrival.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ThreadEvent } from '../../../shared/contracts/events';
import type { ProjectInfo } from '../../../shared/contracts/rpc';
import type { Thread } from '../../../shared/contracts/thread';
import { matchProjects } from '../../../shared/projects/identity';
import { RpcError } from '../../../shared/rpc/errors';
import { reduceThread } from '../../../shared/threads/reduce';
import { exportArchive, importArchive, readArchive } from '../git/index';
import { ThreadAccess } from '../handoff/threadAccess';
import { projectDir } from '../projects/projectStore';
import type { AppServer } from '../server/appServer';
import { metaOf, previewOf } from '../storage/threadStore';

export async function exportThread(app: AppServer, p: { thread: string; file: string; overwrite: boolean }) {
  const id = app.threads.resolve(p.thread);
  const thread = await app.store.read(id);
  // A running turn may still be changing files: the archive would not be a state the thread was
  // ever in. An interrupt first makes the capture final, as a handoff's freeze does.
  if (thread.status === 'running' || thread.status === 'waiting-approval') {
    throw new RpcError('conflict', `Thread ${id} is ${thread.status}; its files may still change.`, `Interrupt it first (baton thread interrupt ${id}), then export.`);
  }
  if (thread.status === 'moved') {
    throw new RpcError('fenced', `Thread ${id} has moved to ${thread.movedTo}; this host only keeps its tombstone.`, `Export it on ${thread.movedTo}.`);
  }
  const file = path.resolve(p.file);
  if (existsSync(file) && !p.overwrite) {
    throw new RpcError('conflict', `${file} already exists.`, 'Choose another file, or pass --force to replace it.');
  }
  const log = Buffer.from(app.store.readEvents(id).map((e) => JSON.stringify(e) + '\n').join(''), 'utf8');
  const r = await exportArchive({ repoDir: thread.worktreePath, thread: id, events: log, outFile: file });
  return {
    threadId: id,
    file: r.file,
    size: r.size,
    revision: thread.revision,
    branch: r.manifest.head.branch?.replace(/^refs\/heads\//, '') ?? null,
    objectCount: r.objectCount,
    ignored: r.manifest.ignored,
  };
}

export async function importThread(app: AppServer, p: { file: string }) {
  const file = path.resolve(p.file);
  // Verify the whole file and read its log before touching any repository: a tampered or
  // truncated archive, or a log that does not fold into a thread, changes nothing here.
  const archive = await readArchive(file);
  const events = parseLog(archive.events, file);
  const incoming = reduceThread(events);
  const project = projectFor(app.projects.list(), incoming);
  if (app.store.exists(incoming.id)) {
    const here = await app.store.read(incoming.id);
    if (here.status !== 'moved') {
      throw new RpcError('conflict', `Thread ${incoming.id} already lives on this host (${here.status}); a second copy cannot arrive.`, 'Archive or hand off the copy here first, or fork the thread on the other host and export the fork.');
    }
  }

  const imported = await importArchive({ file, repoDir: projectDir(project), batonHome: app.home, project: project.id });
  // The log arrives as it was, then one event makes this host the owner: a new epoch fences any
  // copy still running elsewhere, and the worktree and project are this host's own.
  await new ThreadAccess(app.store, app.threads).install(events);
  const at = new Date().toISOString();
  await app.store.append(
    incoming.id,
    () => [
      {
        kind: 'ownership_changed',
        host: app.hostId,
        newEpoch: incoming.epoch + 1,
        worktreePath: imported.restore.worktreePath,
        project: { id: project.id, name: project.name, identity: project.identity, subdir: project.subdir },
      },
      {
        kind: 'item_added',
        item: { id: `import-${incoming.revision + 1}`, at, type: 'system_event', event: 'received', from: incoming.host, to: app.hostId, text: `Imported from ${path.basename(file)} (exported on ${incoming.host}).` },
      },
    ],
    {
      epoch: incoming.epoch + 1,
      guard: (cur) => {
        if (cur.revision !== incoming.revision) throw new RpcError('conflict', `Thread ${incoming.id} changed while it was being imported.`, 'Import it again.');
      },
    },
  );
  const thread = await app.store.read(incoming.id);
  return {
    thread: { ...metaOf(thread), preview: previewOf(thread.items) },
    worktreePath: imported.restore.worktreePath,
    created: imported.restore.created,
    placement: String(imported.restore.placement),
  };
}

function parseLog(bytes: Buffer, file: string): ThreadEvent[] {
  const lines = bytes.toString('utf8').split('\n').filter((l) => l.length > 0);
  return lines.map((line, i) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new RpcError('invalidParams', `${file}: line ${i + 1} of the thread log is not JSON.`, 'The archive is damaged; export it again.');
    }
    const parsed = ThreadEvent.safeParse(json);
    if (!parsed.success) {
      throw new RpcError('invalidParams', `${file}: event ${i + 1} of the thread log is invalid (${parsed.error.issues[0]?.message}).`, 'The archive is damaged or from an incompatible Baton; export it again with this version.');
    }
    return parsed.data;
  });
}

/** The saved project on this host that the thread belongs to: same repository, same subdirectory. */
function projectFor(projects: readonly ProjectInfo[], t: Thread): ProjectInfo {
  const same = projects.find((pr) => matchProjects(pr.identity, t.project.identity) === 'same');
  if (same) return same;
  const otherSubdir = projects.find((pr) => matchProjects(pr.identity, t.project.identity) === 'same-repo-other-subdir');
  throw new RpcError(
    'invalidProject',
    otherSubdir
      ? `Project "${otherSubdir.name}" here is the same repository but another subdirectory than the thread's ("${t.project.subdir || '/'}").`
      : `No saved project on this host is the thread's repository (${t.project.identity}).`,
    'Clone the repository here and save it with `baton project add <dir>` (the same subdirectory), then import again.',
  );
}

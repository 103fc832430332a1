// The `.baton` archive: one file carrying a thread whole — its event log (bytes supplied by the
// thread service), the Git objects of its snapshot, and the snapshot manifest. Byte layout in
// PROTOCOL.md §3 and shared/git/archive-layout.ts. The reader checks the layout, every part's
// size and SHA-256 and the whole-file SHA-256 before anything is written anywhere.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ArchiveHeader, type ArchivePartName, type SnapshotManifest } from '../../../shared/contracts/snapshot';
import { ARCHIVE_MAGIC, ARCHIVE_PREFIX_BYTES, ARCHIVE_TRAILER_BYTES, checkPrefix, layoutParts, type PartRange } from '../../../shared/git/archive-layout';
import { GitStateError } from './errors';
import { captureSnapshot } from './capture';
import { buildPack, DEFAULT_MAX_BYTES, receivePack, sha256 } from './transfer';
import { restoreSnapshot, validateManifest, type RestoreResult } from './restore';
import type { SetupResult } from './setup-script';

export type EventsInput = Uint8Array | AsyncIterable<Uint8Array>;

async function collect(input: EventsInput): Promise<Buffer> {
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

export interface ExportArchiveOptions {
  /** A directory inside the thread's worktree. */
  repoDir: string;
  thread: string;
  /** The thread's event log (JSONL) exactly as stored; the archive carries it opaquely. */
  events: EventsInput;
  outFile: string;
  /** Ignored paths to carry anyway (project setting). */
  extraPaths?: string[];
  /** Commits the reader is known to have; default none, so the archive is self-contained. */
  haves?: string[];
  maxBytes?: number;
  now?: Date;
}

export interface ExportArchiveResult {
  file: string;
  size: number;
  manifest: SnapshotManifest;
  objectCount: number;
}

/** Captures the worktree and writes the archive atomically (temp file, fsync, rename). */
export async function exportArchive(o: ExportArchiveOptions): Promise<ExportArchiveResult> {
  const now = o.now ?? new Date();
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  const events = await collect(o.events);
  const manifest = await captureSnapshot({ cwd: o.repoDir, thread: o.thread, extraPaths: o.extraPaths, now });
  const pack = await buildPack(o.repoDir, { wants: [manifest.worktreeCommit], haves: o.haves ?? [], maxBytes });
  const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  const parts: [ArchivePartName, Buffer][] = [
    ['manifest', manifestBytes],
    ['events', events],
    ['pack', pack.bytes],
  ];
  const header: ArchiveHeader = {
    format: 'baton-archive',
    version: 1,
    thread: o.thread,
    createdAt: now.toISOString(),
    parts: parts.map(([name, b]) => ({ name, size: b.length, sha256: sha256(b) })),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(ARCHIVE_PREFIX_BYTES);
  Buffer.from(ARCHIVE_MAGIC).copy(prefix, 0);
  prefix.writeUInt32BE(headerBytes.length, 8);
  const body = [prefix, headerBytes, ...parts.map(([, b]) => b)];
  const size = body.reduce((n, b) => n + b.length, 0) + ARCHIVE_TRAILER_BYTES;
  if (size > maxBytes) {
    throw new GitStateError('archive-too-large', `The archive would be ${size} bytes, over the ${maxBytes}-byte limit.`, 'Raise the limit, or export with the destination\'s haves so only missing objects are included.');
  }
  const whole = createHash('sha256');
  for (const b of body) whole.update(b);

  const tmp = path.join(path.dirname(o.outFile), `.${path.basename(o.outFile)}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    for (const b of body) await fh.write(b);
    await fh.write(whole.digest());
    await fh.sync();
    await fh.close();
    await rename(tmp, o.outFile);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  return { file: o.outFile, size, manifest, objectCount: pack.objectCount };
}

export interface ArchiveContents {
  header: ArchiveHeader;
  manifest: SnapshotManifest;
  events: Buffer;
  /** Where the pack lies in the file (verified), for receivePack to stream from. */
  pack: { file: string; offset: number; size: number; sha256: string };
}

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

function bad(code: 'archive-invalid' | 'archive-truncated' | 'archive-tampered' | 'archive-too-large', message: string, file: string): GitStateError {
  const hint =
    code === 'archive-too-large'
      ? 'Raise the size limit if this archive is expected to be this large.'
      : 'Nothing was written. Export the thread again from the source and copy the file anew.';
  return new GitStateError(code, `${path.basename(file)}: ${message}`, hint, { file });
}

async function readRange(file: string, offset: number, size: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(size);
    const { bytesRead } = await fh.read(b, 0, size, offset);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Reads and verifies an archive without writing anything: layout, part hashes, file hash, schemas. */
export async function readArchive(file: string, opts: { maxBytes?: number } = {}): Promise<ArchiveContents> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const fileSize = (await stat(file)).size;
  if (fileSize > maxBytes) throw bad('archive-too-large', `the file is ${fileSize} bytes, over the ${maxBytes}-byte limit.`, file);

  const pre = checkPrefix(await readRange(file, 0, ARCHIVE_PREFIX_BYTES), fileSize);
  if ('code' in pre) throw bad(pre.code, pre.message, file);
  if (fileSize < ARCHIVE_PREFIX_BYTES + pre.headerLength) throw bad('archive-truncated', 'the file ends inside its header.', file);
  let header: ArchiveHeader;
  try {
    header = ArchiveHeader.parse(JSON.parse((await readRange(file, ARCHIVE_PREFIX_BYTES, pre.headerLength)).toString('utf8')));
  } catch (e) {
    throw bad('archive-invalid', `its header is not a valid archive header (${e instanceof Error ? e.message.slice(0, 300) : e}).`, file);
  }
  const layout = layoutParts(header, pre.headerLength, fileSize, maxBytes);
  if ('code' in layout) throw bad(layout.code, layout.message, file);

  // One pass over the file: the whole-file hash and each part's hash together.
  const whole = createHash('sha256');
  const hashers = layout.parts.map(() => createHash('sha256'));
  let pos = 0;
  if (layout.trailerOffset > 0) {
    for await (const chunk of createReadStream(file, { start: 0, end: layout.trailerOffset - 1 })) {
      const c = chunk as Buffer;
      whole.update(c);
      layout.parts.forEach((p, i) => {
        const from = Math.max(p.offset, pos);
        const to = Math.min(p.offset + p.size, pos + c.length);
        if (from < to) hashers[i]!.update(c.subarray(from - pos, to - pos));
      });
      pos += c.length;
    }
  }
  layout.parts.forEach((p, i) => {
    const got = hashers[i]!.digest('hex');
    if (got !== p.sha256) throw bad('archive-tampered', `its ${p.name} part has SHA-256 ${got}, not the declared ${p.sha256}; it was altered or damaged.`, file);
  });
  const trailer = await readRange(file, layout.trailerOffset, ARCHIVE_TRAILER_BYTES);
  if (!trailer.equals(whole.digest())) throw bad('archive-tampered', 'its header or layout was altered (the whole-file SHA-256 does not match).', file);

  const part = (name: ArchivePartName): PartRange => layout.parts.find((p) => p.name === name)!;
  const m = part('manifest');
  if (m.size > MAX_MANIFEST_BYTES) throw bad('archive-invalid', `its manifest is ${m.size} bytes, over ${MAX_MANIFEST_BYTES}.`, file);
  let raw: unknown;
  try {
    raw = JSON.parse((await readRange(file, m.offset, m.size)).toString('utf8'));
  } catch (e) {
    throw new GitStateError('manifest-invalid', `${path.basename(file)}: its snapshot manifest is invalid (${e instanceof Error ? e.message.slice(0, 300) : e}).`, 'Export the thread again from the source.');
  }
  const manifest = validateManifest(raw);
  if (manifest.thread !== header.thread) throw bad('archive-invalid', `its header names thread ${header.thread} but its manifest ${manifest.thread}.`, file);
  const ev = part('events');
  const p = part('pack');
  return {
    header,
    manifest,
    events: await readRange(file, ev.offset, ev.size),
    pack: { file, offset: p.offset, size: p.size, sha256: p.sha256 },
  };
}

export interface ImportArchiveOptions {
  file: string;
  /** The project's repository on this host (any checkout of it). */
  repoDir: string;
  batonHome: string;
  project: string;
  maxBytes?: number;
  allowMoveBranch?: boolean;
  /**
   * An archive may come from anywhere, so a setup script inside it is not run by default:
   * pass `runProjectSetup: true` (run `.baton/setup.sh` if present) or an explicit command.
   */
  runProjectSetup?: boolean;
  setupCommand?: string;
  onSetupOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

export interface ImportArchiveResult {
  header: ArchiveHeader;
  manifest: SnapshotManifest;
  /** The thread's event log as exported; the thread service validates and stores it. */
  events: Buffer;
  restore: RestoreResult;
  setup: SetupResult | null;
}

/**
 * Verifies the archive, adds its objects (quarantined strict index-pack, path checks), then
 * restores the snapshot into BATON_HOME/worktrees/<project>/<thread>. The caller stores
 * `events` only after this resolves.
 */
export async function importArchive(o: ImportArchiveOptions): Promise<ImportArchiveResult> {
  const a = await readArchive(o.file, { maxBytes: o.maxBytes });
  validateManifest(a.manifest, o.project);
  await receivePack(o.repoDir, {
    pack: { file: a.pack.file, offset: a.pack.offset, size: a.pack.size },
    size: a.pack.size,
    sha256: a.pack.sha256,
    maxBytes: o.maxBytes,
    snapshot: a.manifest,
  });
  const restore = await restoreSnapshot({
    repoDir: o.repoDir,
    batonHome: o.batonHome,
    project: o.project,
    manifest: a.manifest,
    allowMoveBranch: o.allowMoveBranch,
    setupCommand: o.setupCommand ?? (o.runProjectSetup ? undefined : null),
    onSetupOutput: o.onSetupOutput,
  });
  return { header: a.header, manifest: a.manifest, events: a.events, restore, setup: restore.setup };
}

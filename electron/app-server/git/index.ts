// The Git state engine's public surface: what handoff, the thread service and the CLI call.
// Everything else in this folder is an implementation detail.
//
// Handoff (live, over a channel):
//   destination: haves = await listHaves(repoDir)
//   source:      manifest = await captureSnapshot({ cwd, thread, extraPaths })
//                pack = await buildPack(cwd, { wants: [manifest.worktreeCommit], haves })
//   destination: await receivePack(repoDir, { pack: { bytes }, size, sha256, snapshot: manifest })
//                result = await restoreSnapshot({ repoDir, batonHome, project, manifest })
// Files (`baton thread export/import`): exportArchive / importArchive / readArchive.
export { captureSnapshot, snapshotRef, listSnapshots, deleteSnapshot, type CaptureOptions } from './capture';
export { listHaves, buildPack, receivePack, DEFAULT_MAX_BYTES, type BuiltPack, type ReceiveOptions, type PackSource } from './transfer';
export { restoreSnapshot, prepareWorktree, validateManifest, worktreePathFor, incomingRef, type RestoreOptions, type RestoreResult, type PreparedWorktree, type Verification } from './restore';
export {
  exportArchive,
  importArchive,
  readArchive,
  type ExportArchiveOptions,
  type ExportArchiveResult,
  type ImportArchiveOptions,
  type ImportArchiveResult,
  type ArchiveContents,
} from './archive';
export { GitStateError } from './errors';
export { GitError } from './git';
export { runSetup, setupCommandFor, type SetupResult } from './setup-script';

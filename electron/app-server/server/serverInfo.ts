// BATON_HOME/server.json: how a CLI (or the desktop app) finds the running `baton serve` of
// this BATON_HOME. Written 0600 because it holds the connection token; removed on exit; a file
// whose pid is gone (kill -9) is stale and ignored.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { isAlive } from '../storage/lock';

export const ServerInfo = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().nonnegative(),
  url: z.string(),
  version: z.string(),
  startedAt: z.string(),
  /** Bearer token a WebSocket client must present. */
  token: z.string().min(16),
  /** The secure channel (Noise over WebSocket, same token): what `baton --remote` connects to. */
  securePort: z.number().int().nonnegative().optional(),
  secureUrl: z.string().optional(),
  /** The server's Noise static public key (base64), pinned by clients that read this file. */
  noisePublicKey: z.string().optional(),
  fingerprint: z.string().optional(),
  hostId: z.string().optional(),
  /** `baton serve --socket PATH`: JSON-RPC lines over a 0600 Unix socket. */
  socketPath: z.string().optional(),
});
export type ServerInfo = z.infer<typeof ServerInfo>;

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function writeServerInfo(file: string, info: ServerInfo): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600); // in case the umask or an old file widened it
  renameSync(tmp, file);
}

/** The server.json of a live server, or null (missing, unreadable, or its process is gone). */
export function readLiveServerInfo(file: string): ServerInfo | null {
  let info: ServerInfo;
  try {
    info = ServerInfo.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
  return isAlive(info.pid) ? info : null;
}

/** Removes server.json if it is still ours (a newer server may have replaced it). */
export function removeServerInfo(file: string, pid = process.pid): void {
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number };
    if (info.pid === pid) unlinkSync(file);
  } catch {
    // Already gone.
  }
}

// Saved SSH hosts and their connection status: declared once here, used by the main process
// (hosts.json on disk, the connection manager), the CLI (`baton host ...`) and the UI.
import { z } from 'zod';

/** A saved host's name, as typed in `baton host add <name>`; also its HostId for threads. */
export const HostName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'host names are letters, digits, ".", "_" and "-", starting with a letter or digit')
  .refine((n) => n !== 'local', '"local" is reserved for This computer');
export type HostName = z.infer<typeof HostName>;

/** One SSH endpoint after ~/.ssh/config was applied: what a connection actually uses. */
export const SshEndpoint = z.object({
  /** Network address to dial (HostName from the config, or the target's host). */
  hostName: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  user: z.string().min(1),
});
export type SshEndpoint = z.infer<typeof SshEndpoint>;

export const ResolvedSshOptions = SshEndpoint.extend({
  /** Identity files, `~` already expanded, in the order OpenSSH tries them. */
  identityFiles: z.array(z.string()),
  /** True: offer only identityFiles, not every key the agent holds. */
  identitiesOnly: z.boolean(),
  /** Jump hosts, outermost first (ProxyJump a,b → connect to a, through it to b, then here). */
  proxyJump: z.array(SshEndpoint.extend({ identityFiles: z.array(z.string()), identitiesOnly: z.boolean() })),
  /** Seconds between keepalives; 0 = off (OpenSSH's default). */
  serverAliveInterval: z.number().int().min(0),
  /** Unanswered keepalives before the connection counts as dropped. */
  serverAliveCountMax: z.number().int().min(1),
});
export type ResolvedSshOptions = z.infer<typeof ResolvedSshOptions>;

export const SavedHost = z.object({
  name: HostName,
  /** What the user typed: an alias from ~/.ssh/config or user@host[:port]. */
  target: z.string().min(1),
  /** Resolution at the time of `add`; connections re-resolve so config edits apply. */
  resolved: ResolvedSshOptions,
  addedAt: z.string(),
});
export type SavedHost = z.infer<typeof SavedHost>;

/** BATON_HOME/hosts.json */
export const HostsFile = z.object({
  version: z.literal(1),
  hosts: z.array(SavedHost),
});
export type HostsFile = z.infer<typeof HostsFile>;

/** Why an SSH connection or bootstrap failed; the UI and CLI render `message` and `hint`. */
export const SshErrorCode = z.enum([
  'unreachable', // TCP connect failed / timed out
  'timeout', // connected, but the SSH handshake did not finish in time
  'host-key-changed', // known_hosts has a different key: hard failure, never a prompt
  'host-key-rejected', // unknown host and the user did not accept it
  'auth-failed', // every method was refused
  'bad-passphrase', // identity file could not be decrypted
  'bad-key', // identity file unreadable or not a private key
  'config', // ~/.ssh/config or the target could not be used
  'proxy-jump', // a jump host could not open the channel to the next hop
  'node-missing', // no node >= 20 on the remote
  'upload-failed',
  'server-start-failed',
  'server-info-invalid',
  'forward-failed',
  'disconnected',
]);
export type SshErrorCode = z.infer<typeof SshErrorCode>;

export const SshErrorInfo = z.object({ code: SshErrorCode, message: z.string(), hint: z.string().optional() });
export type SshErrorInfo = z.infer<typeof SshErrorInfo>;

/** Connection status of one host, as events from the connection manager. */
export const HostStatus = z.discriminatedUnion('state', [
  z.object({ state: z.literal('disconnected') }),
  z.object({ state: z.literal('connecting'), attempt: z.number().int().min(1) }),
  z.object({ state: z.literal('connected'), hostKeyFingerprint: z.string() }),
  /** `retryInMs` absent: the error is not retried (auth, host key) until the user acts. */
  z.object({ state: z.literal('error'), error: SshErrorInfo, retryInMs: z.number().int().min(0).optional() }),
]);
export type HostStatus = z.infer<typeof HostStatus>;

/**
 * BATON_HOME/server.json on a host, written (mode 0600) by `baton serve`. The desktop reads it
 * over SFTP. Fields the transport adds (public key, token) are optional here and passed through.
 */
export const ServerInfo = z
  .object({
    pid: z.number().int().positive(),
    port: z.number().int().min(1).max(65535),
    url: z.string().optional(),
    version: z.string().optional(),
  })
  .passthrough();
export type ServerInfo = z.infer<typeof ServerInfo>;

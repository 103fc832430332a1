// Saved hosts: BATON_HOME/hosts.json, validated on every read, written whole through a temp
// file and rename so a crash never leaves half a file. Connections re-resolve the target
// against ~/.ssh/config each time, so edits to the config apply without re-adding the host.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HostName, HostsFile, type ResolvedSshOptions, type SavedHost } from '../../../shared/contracts/hosts.js';
import { listHostAliases, readSshConfigText, resolveHost, type ResolveEnv } from './config.js';
import { SshError } from './errors.js';

export function hostsFilePath(batonHome: string): string {
  return path.join(batonHome, 'hosts.json');
}

export function readHostsFile(batonHome: string): HostsFile {
  const file = hostsFilePath(batonHome);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, hosts: [] };
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SshError('config', `${file} is not valid JSON (${(e as Error).message}).`, 'Fix or move the file away; Baton will not overwrite it.');
  }
  const parsed = HostsFile.safeParse(json);
  if (!parsed.success) {
    throw new SshError('config', `${file} does not match the hosts schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`, 'Fix or move the file away; Baton will not overwrite it.');
  }
  return parsed.data;
}

function writeHostsFile(batonHome: string, data: HostsFile): void {
  mkdirSync(batonHome, { recursive: true, mode: 0o700 });
  const file = hostsFilePath(batonHome);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(HostsFile.parse(data), null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

export function listHosts(batonHome: string): SavedHost[] {
  return readHostsFile(batonHome).hosts;
}

export function getHost(batonHome: string, name: string): SavedHost | undefined {
  return listHosts(batonHome).find((h) => h.name === name);
}

/** Resolves `target` now (so a typo fails at `add`, not at the first connect) and saves it. */
export function addHost(args: { batonHome: string; sshConfigPath: string; env: ResolveEnv; name: string; target: string; now?: Date }): SavedHost {
  const name = HostName.safeParse(args.name);
  if (!name.success) throw new SshError('config', `"${args.name}" cannot be a host name: ${name.error.issues[0]?.message}.`, 'Pick a short name such as gpu-box.');
  const data = readHostsFile(args.batonHome);
  if (data.hosts.some((h) => h.name === args.name)) {
    throw new SshError('config', `A host named "${args.name}" already exists.`, `Remove it first with \`baton host remove ${args.name}\`, or pick another name.`);
  }
  const resolved = resolveSavedTarget(args.target, args.sshConfigPath, args.env);
  const host: SavedHost = { name: args.name, target: args.target.trim(), resolved, addedAt: (args.now ?? new Date()).toISOString() };
  writeHostsFile(args.batonHome, { version: 1, hosts: [...data.hosts, host] });
  return host;
}

/** False when there was no such host. */
export function removeHost(batonHome: string, name: string): boolean {
  const data = readHostsFile(batonHome);
  const hosts = data.hosts.filter((h) => h.name !== name);
  if (hosts.length === data.hosts.length) return false;
  writeHostsFile(batonHome, { version: 1, hosts });
  return true;
}

export function resolveSavedTarget(target: string, sshConfigPath: string, env: ResolveEnv): ResolvedSshOptions {
  const r = resolveHost(target, readSshConfigText(sshConfigPath, env.home), env);
  if (!r.ok) throw new SshError('config', `Cannot use "${target}": ${r.error}.`, 'Use an alias from ~/.ssh/config or user@host[:port].');
  return r.options;
}

/** Concrete aliases from ~/.ssh/config not saved yet: what `baton host add` can suggest. */
export function hostSuggestions(batonHome: string, sshConfigPath: string): string[] {
  const saved = new Set(listHosts(batonHome).map((h) => h.target));
  return listHostAliases(readSshConfigText(sshConfigPath)).filter((a) => !saved.has(a));
}

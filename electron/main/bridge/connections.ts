// What the hub needs from the SSH side (electron/main/ssh/, another engineer's folder): saved
// hosts with their status, the add/test/remove actions, prompts for a person, and a HostLink
// whenever a host's app-server becomes reachable. `savedHostsConnections` is the stand-in used
// until the SSH connection manager lands: it keeps BATON_HOME/hosts.json (same schema the CLI
// uses) and says plainly that connecting is not available, instead of pretending.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ConnectionPrompt, ConnectionTestResult, HostView, PromptAnswer, SshAliasSuggestion } from '../../../shared/contracts/bridge';
import { HostName, HostsFile, type SavedHost } from '../../../shared/contracts/hosts';
import { listHostAliases, localResolveEnv, readSshConfigText, resolveHost } from '../ssh/config';
import { BridgeError } from './errors';
import type { HostLink } from './hostLink';

export interface ConnectionsPort {
  list(): HostView[];
  suggestions(): Promise<SshAliasSuggestion[]>;
  add(name: string, target: string): Promise<HostView>;
  test(name: string): Promise<ConnectionTestResult>;
  connect(name: string): Promise<HostView>;
  disconnect(name: string): Promise<HostView>;
  remove(name: string): Promise<void>;
  answer(promptId: string, answer: PromptAnswer): boolean;
  onStatus(listener: (host: HostView) => void): void;
  onPrompt(listener: (p: { promptId: string; host: string; prompt: ConnectionPrompt }) => void): void;
  /** A host's app-server became reachable (link) or went away (null). */
  onLink(listener: (host: string, link: HostLink | null) => void): void;
  close(): Promise<void>;
}

export function offlineView(h: Pick<SavedHost, 'name' | 'target'>): HostView {
  return {
    id: h.name,
    label: h.name,
    kind: 'ssh',
    status: { state: 'disconnected' },
    online: false,
    target: h.target,
    latencyMs: null,
    serverVersion: null,
    protocolVersion: null,
    hostKeyFingerprint: null,
    noiseFingerprint: null,
  };
}

export interface SavedHostsOptions {
  batonHome: string;
  sshConfig: string;
}

export function savedHostsConnections(opts: SavedHostsOptions): ConnectionsPort {
  const file = path.join(opts.batonHome, 'hosts.json');
  const statusListeners = new Set<(h: HostView) => void>();

  function read(): SavedHost[] {
    if (!existsSync(file)) return [];
    const parsed = HostsFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new BridgeError('hosts-file-invalid', `${file} is not a valid hosts file.`, 'Fix or remove it, then reopen Settings > Connections.');
    return parsed.data.hosts;
  }
  function write(hosts: SavedHost[]) {
    mkdirSync(opts.batonHome, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, hosts }, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  }
  function find(name: string): SavedHost {
    const h = read().find((x) => x.name === name);
    if (!h) throw new BridgeError('not-found', `No saved host is named "${name}".`, 'Add it in Settings > Connections.');
    return h;
  }
  const notYet = (name: string) =>
    new BridgeError('unavailable', `Connecting to "${name}" is not available in this build yet.`, 'SSH connections arrive with the SSH connection manager; the host stays saved.');

  return {
    list: () => read().map(offlineView),
    async suggestions() {
      const saved = new Set(read().map((h) => h.target));
      return listHostAliases(readSshConfigText(opts.sshConfig))
        .filter((a) => !saved.has(a))
        .map((alias) => ({ alias }));
    },
    async add(name, target) {
      const n = HostName.safeParse(name);
      if (!n.success) throw new BridgeError('invalid-name', `"${name}" cannot be a host name: ${n.error.issues[0]?.message}.`);
      const hosts = read();
      if (hosts.some((h) => h.name === name)) throw new BridgeError('conflict', `A host named "${name}" is already saved.`, 'Pick another name or remove the old one.');
      const r = resolveHost(target, readSshConfigText(opts.sshConfig), localResolveEnv());
      if (!r.ok) throw new BridgeError('config', r.error);
      const host: SavedHost = { name, target, resolved: r.options, addedAt: new Date().toISOString() };
      write([...hosts, host]);
      const view = offlineView(host);
      for (const l of statusListeners) l(view);
      return view;
    },
    async test(name) {
      find(name);
      const e = notYet(name);
      return { ok: false, latencyMs: null, serverVersion: null, hostKeyFingerprint: null, error: { code: e.code, message: e.message, hint: e.hint } };
    },
    async connect(name) {
      find(name);
      throw notYet(name);
    },
    async disconnect(name) {
      return offlineView(find(name));
    },
    async remove(name) {
      find(name);
      write(read().filter((h) => h.name !== name));
    },
    answer: () => false,
    onStatus: (l) => void statusListeners.add(l),
    onPrompt: () => {},
    onLink: () => {},
    close: async () => {},
  };
}

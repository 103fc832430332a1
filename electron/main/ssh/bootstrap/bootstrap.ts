// The whole remote bootstrap over one SSH connection: find node, install (or reuse) the server
// bundle, start (or reuse) the server, read its announcement. The caller then opens the data
// channel with ./forward.ts to info.port.
import type { Client } from 'ssh2';
import type { ServerInfo } from '../../../../shared/contracts/hosts.js';
import type { NodeCandidate } from '../../../../shared/ssh/node-probe.js';
import { findRemoteNode, type FindNodeOptions } from './probe-node.js';
import { installServer, type LocalBundle } from './install.js';
import { ensureServerRunning } from './start.js';

export interface BootstrapOptions {
  label: string;
  bundle: LocalBundle;
  probePaths?: FindNodeOptions['probePaths'];
  loginShellFallback?: boolean;
  serveArgs?: string[];
  /** Progress lines for the UI/CLI ("finding node", "uploading server"…). */
  onProgress?: (step: 'probe-node' | 'install' | 'start' | 'ready', detail: string) => void;
}

export interface BootstrapResult {
  node: NodeCandidate;
  serverPath: string;
  installed: boolean;
  started: boolean;
  info: ServerInfo;
}

export async function bootstrapRemote(client: Client, opts: BootstrapOptions): Promise<BootstrapResult> {
  const progress = opts.onProgress ?? (() => {});
  progress('probe-node', `looking for Node.js 20+ on ${opts.label}`);
  const node = await findRemoteNode(client, {
    label: opts.label,
    ...(opts.probePaths ? { probePaths: opts.probePaths } : {}),
    ...(opts.loginShellFallback !== undefined ? { loginShellFallback: opts.loginShellFallback } : {}),
  });
  progress('install', `node ${node.version} at ${node.path}; checking server ${opts.bundle.id}`);
  const inst = await installServer(client, { node: node.path, bundle: opts.bundle, label: opts.label });
  progress('start', inst.reused ? `server ${opts.bundle.id} already installed` : `uploaded server ${opts.bundle.id}`);
  const run = await ensureServerRunning(client, {
    node: node.path, serverPath: inst.serverPath, version: opts.bundle.version, label: opts.label,
    ...(opts.serveArgs ? { serveArgs: opts.serveArgs } : {}),
  });
  progress('ready', `${run.started ? 'started' : 'reusing'} server pid ${run.info.pid} on 127.0.0.1:${run.info.port}`);
  return { node, serverPath: inst.serverPath, installed: !inst.reused, started: run.started, info: run.info };
}

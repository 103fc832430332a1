// The SSH hosts API for the desktop main process and the CLI. No `electron` import anywhere
// under this folder: it runs headless in `baton` and in tests.
export { addHost, listHosts, getHost, removeHost, hostSuggestions, readHostsFile, resolveSavedTarget } from './hosts-store.js';
export { resolveHost, listHostAliases, defaultSshPaths, readSshConfigText, localResolveEnv, type SshPaths, type ResolveEnv } from './config.js';
export { connectSsh, type ConnectInput, type SshConnection, type KnownHostsFiles } from './connect.js';
export { HostConnection, type HostConnectionOptions } from './manager.js';
export { SshError, isRetryable } from './errors.js';
export { terminalPrompter } from './terminal-prompter.js';
export { refusingPrompter, type SshPrompter, type HostKeyQuestion, type SecretQuestion } from './prompter.js';
export { fingerprintSha256 } from './known-hosts.js';
export { runScript } from './exec.js';
export { bootstrapRemote, type BootstrapOptions, type BootstrapResult } from './bootstrap/bootstrap.js';
export { findRemoteNode, defaultNodeProbePaths } from './bootstrap/probe-node.js';
export { describeBundle, installServer } from './bootstrap/install.js';
export { ensureServerRunning, readServerInfo, stopRemoteServer } from './bootstrap/start.js';
export { openRemoteChannel, startLocalForward, type LocalForward } from './bootstrap/forward.js';
export { authorizeClientOnHost } from './bootstrap/pin.js';
export { openSecureLink, type SecureLink } from './secure-link.js';
export {
  openRemoteHost, testHost, stopHost, defaultServerBundle,
  type RemoteHostDeps, type RemoteHostSession, type HostTestReport,
} from './remote-host.js';

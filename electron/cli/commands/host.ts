// `baton host add|list|remove|test|stop`: the SSH hosts Baton can hand threads to. These run in
// the CLI process itself (no app-server session): hosts are the desktop's settings, stored in
// BATON_HOME/hosts.json, and SSH belongs to the desktop side (electron/main/ssh/).
import type { Command } from 'commander';
import { loadOrCreateIdentity } from '../../app-server/transport/index';
import {
  addHost,
  defaultServerBundle,
  defaultSshPaths,
  hostSuggestions,
  listHosts,
  localResolveEnv,
  refusingPrompter,
  removeHost,
  stopHost,
  terminalPrompter,
  testHost,
  type RemoteHostDeps,
} from '../../main/ssh/index';
import { commandGroup, withJson } from '../command';
import { CliError, printResult, reportError, type OutputOptions } from '../output';

async function run(opts: OutputOptions, body: () => Promise<void> | void): Promise<void> {
  try {
    await body();
  } catch (e) {
    process.exitCode = reportError(e, opts);
  }
}

/** What connecting to a host needs on this machine: paths, prompts on the terminal, our Noise key. */
function remoteDeps(): RemoteHostDeps {
  const paths = defaultSshPaths();
  return {
    paths,
    // Without a terminal nobody can answer a host-key or passphrase question: refuse at once
    // (a one-line error) instead of printing a prompt into a pipe and waiting.
    prompter: process.stdin.isTTY ? terminalPrompter() : refusingPrompter,
    bundlePath: defaultServerBundle(),
    // The host's server learns this key over SSH, so the secure channel can use Noise IK.
    clientPublicKey: loadOrCreateIdentity(paths.batonHome).publicKey,
    onProgress: (step, detail) => process.stderr.write(`${step}: ${detail}\n`),
  };
}

export function registerHost(program: Command): void {
  const host = commandGroup(program, 'host', 'SSH hosts threads can be handed off to');

  withJson(
    host
      .command('add <name> <target>')
      .description('save a host: <target> is an alias from ~/.ssh/config or user@host[:port]'),
  ).action((name: string, target: string, opts: OutputOptions) =>
    run(opts, () => {
      const paths = defaultSshPaths();
      const saved = addHost({ batonHome: paths.batonHome, sshConfigPath: paths.sshConfig, env: localResolveEnv(), name, target });
      const r = saved.resolved;
      printResult(opts, saved, () => `Added host ${saved.name} → ${r.user}@${r.hostName}:${r.port}. Check it with \`baton host test ${saved.name}\`.`);
    }),
  );

  withJson(host.command('list').description('list saved hosts, and ~/.ssh/config aliases not saved yet')).action((opts: OutputOptions) =>
    run(opts, () => {
      const paths = defaultSshPaths();
      const hosts = listHosts(paths.batonHome);
      const suggestions = hostSuggestions(paths.batonHome, paths.sshConfig);
      printResult(opts, { hosts, suggestions }, () => {
        const lines = hosts.length
          ? hosts.map((h) => `${h.name}  ${h.target}  (${h.resolved.user}@${h.resolved.hostName}:${h.resolved.port})`)
          : ['No hosts yet. Add one with `baton host add <name> <ssh-alias | user@host[:port]>`.'];
        if (suggestions.length) lines.push('', `From ~/.ssh/config: ${suggestions.join(', ')}`);
        return lines.join('\n');
      });
    }),
  );

  withJson(host.command('remove <name>').description('forget a saved host (its server keeps running until `baton host stop`)')).action(
    (name: string, opts: OutputOptions) =>
      run(opts, () => {
        if (!removeHost(defaultSshPaths().batonHome, name)) {
          throw new CliError(`There is no saved host named "${name}".`, 'See `baton host list`.');
        }
        printResult(opts, { removed: name }, () => `Removed host ${name}`);
      }),
  );

  withJson(
    host.command('test <name>').description("connect, install or reuse Baton's server there, and print the host-key and Noise fingerprints"),
  ).action((name: string, opts: OutputOptions) =>
    run(opts, async () => {
      const r = await testHost(name, remoteDeps());
      printResult(opts, r, () =>
        [
          `Host ${r.name} (${r.endpoint}${r.via.length ? ` via ${r.via.join(' → ')}` : ''})`,
          `  host key        ${r.hostKeyFingerprint}`,
          `  node            ${r.node.path} (${r.node.version})`,
          `  server          ${r.server.version ?? '?'} pid ${r.server.pid} on 127.0.0.1:${r.server.port}${r.server.installed ? ', installed now' : ''}${r.server.started ? ', started now' : ', already running'}`,
          `  server Noise    ${r.noise.server ?? '(not published)'}`,
          `  this computer   ${r.noise.client ?? '(none)'}`,
        ].join('\n'),
      );
    }),
  );

  withJson(host.command('stop <name>').description("stop Baton's server on the host (running turns there end)")).action((name: string, opts: OutputOptions) =>
    run(opts, async () => {
      const pid = await stopHost(name, remoteDeps());
      printResult(opts, { stopped: pid }, () => (pid === null ? `No Baton server was running on ${name}.` : `Stopped Baton's server on ${name} (pid ${pid}).`));
    }),
  );
}

// `baton serve [--listen HOST:PORT] [--secure-listen HOST:PORT] [--stdio]`: the headless
// app-server of this BATON_HOME.
import path from 'node:path';
import type { Command } from 'commander';
import { tokenFromEnv } from '../../app-server/transport/token';
import { createAgent } from '../../app-server/agent/index';
import { serve } from '../../app-server/server/serve';
import { batonHome } from '../../app-server/storage/home';
import { withJson } from '../command';
import { serveHelp } from '../help/texts';
import { CliError, ExitCode, reportError } from '../output';

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new CliError(`--listen "${value}" is not HOST:PORT.`, 'For example --listen 127.0.0.1:7700 (port 0 picks a free one).', ExitCode.usage);
  return { host: (m[1] ?? m[2])!, port };
}

const loopback = new Set(['127.0.0.1', '::1', 'localhost']);

export function registerServe(program: Command): void {
  withJson(
    program
      .command('serve')
      .description('run the app-server of this BATON_HOME headless (threads, turns, the JSON-RPC API)')
      .option('--listen <host:port>', 'plain WebSocket (token only) for this machine: loopback only (default 127.0.0.1 and a free port)')
      .option('--secure-listen <host:port>', 'secure channel (Noise over WebSocket + token) for `baton --remote` (default 127.0.0.1 and a free port)')
      .option('--auth-token-env <VAR>', 'take the bearer token from this environment variable (default: a fresh token per start, in server.json)')
      .option('--allow-non-loopback', 'let --secure-listen use a non-loopback address (needs --auth-token-env)')
      .option('--socket <path>', 'also listen on a Unix socket (mode 0600), for `--remote unix://PATH`')
      .option('--stdio', 'also speak newline-delimited JSON-RPC on stdin/stdout (for an SSH peer)')
      .addHelpText('after', serveHelp),
  ).action(async (opts: { listen?: string; secureListen?: string; authTokenEnv?: string; allowNonLoopback?: boolean; socket?: string; stdio?: boolean; json?: boolean }) => {
    // Everything human goes to stderr: with --stdio, stdout is the protocol.
    const log = (line: string) => process.stderr.write(`${line}\n`);
    try {
      const listen = opts.listen ? parseListen(opts.listen) : { host: '127.0.0.1', port: 0 };
      // The plain WebSocket has only the token between a network and the agents: it stays on this machine.
      if (!loopback.has(listen.host)) {
        throw new CliError(`--listen ${opts.listen}: the plain WebSocket listens on loopback only.`, 'Reach this server from other machines over the secure channel: --secure-listen HOST:PORT --auth-token-env VAR --allow-non-loopback, or over SSH.', ExitCode.usage);
      }
      const secureListen = opts.secureListen ? parseListen(opts.secureListen) : { host: '127.0.0.1', port: 0 };
      if (!loopback.has(secureListen.host) && !(opts.allowNonLoopback && opts.authTokenEnv)) {
        throw new CliError(`--secure-listen ${opts.secureListen} is not a loopback address.`, 'Listening beyond this machine needs both --auth-token-env VAR and --allow-non-loopback.', ExitCode.usage);
      }
      const token = opts.authTokenEnv ? tokenFromEnv(opts.authTokenEnv) : undefined;
      const home = batonHome();
      const server = await serve({
        home,
        hostId: process.env.BATON_HOST_ID || 'local',
        createAgent: (settings) => createAgent(settings),
        host: listen.host,
        port: listen.port,
        secureHost: secureListen.host,
        securePort: secureListen.port,
        allowNonLoopback: !!opts.allowNonLoopback,
        ...(token ? { token } : {}),
        ...(opts.socket ? { socketPath: path.resolve(opts.socket) } : {}),
        stdio: !!opts.stdio,
        log,
        onError: (e) => log(`baton serve: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
      });
      if (opts.json && !opts.stdio) {
        const { token: _token, ...shown } = server.info;
        process.stdout.write(JSON.stringify(shown) + '\n');
      }
      const stop = () => void server.stop();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      process.once('SIGHUP', stop);
      await server.done;
      process.exitCode = ExitCode.ok;
    } catch (e) {
      process.exitCode = reportError(e, { json: opts.json && !opts.stdio });
    }
  });
}

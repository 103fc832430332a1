// `baton serve [--listen HOST:PORT | --stdio]`: the headless app-server of this BATON_HOME.
import type { Command } from 'commander';
import { createAgent } from '../../app-server/agent/index';
import { serve } from '../../app-server/server/serve';
import { batonHome } from '../../app-server/storage/home';
import { withJson } from '../command';
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
      .option('--listen <host:port>', 'WebSocket address (default 127.0.0.1 and a free port)')
      .option('--stdio', 'also speak newline-delimited JSON-RPC on stdin/stdout (for an SSH peer)'),
  ).action(async (opts: { listen?: string; stdio?: boolean; json?: boolean }) => {
    // Everything human goes to stderr: with --stdio, stdout is the protocol.
    const log = (line: string) => process.stderr.write(`${line}\n`);
    try {
      const listen = opts.listen ? parseListen(opts.listen) : { host: '127.0.0.1', port: 0 };
      if (!loopback.has(listen.host)) log(`baton serve: WARNING listening on ${listen.host}, not loopback: anyone who can reach it and has the token in server.json can drive agents here.`);
      const home = batonHome();
      const server = await serve({
        home,
        hostId: process.env.BATON_HOST_ID || 'local',
        createAgent: (settings) => createAgent(settings),
        host: listen.host,
        port: listen.port,
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

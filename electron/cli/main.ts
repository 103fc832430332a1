// The `baton` command (bundled to dist/baton.cjs): the CLI and the headless app-server.
import { Command, CommanderError } from 'commander';
import { SERVER_VERSION } from '../app-server/server/version';
import { commandGroups } from './commands/index';
import { globalHelp } from './help/texts';
import { CliError, ExitCode, reportError } from './output';
import { selectionFor, selectRemote, topLevelName } from './remote/selection';

async function main(argv: string[]): Promise<void> {
  const program = new Command('baton')
    .description('Move live coding-agent threads between this computer and your SSH hosts, whole.')
    .version(SERVER_VERSION, '-V, --version')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`baton: ${str.replace(/^error: /, '')}`) })
    .option('--remote <target>', 'talk to another app-server: ws://127.0.0.1:PORT, wss://HOST:PORT, unix://PATH or a saved host name')
    .option('--remote-auth-token-env <VAR>', 'send the bearer token from this environment variable')
    .addHelpText('after', globalHelp)
    .hook('preAction', (root, action) => selectRemote(selectionFor(root.opts(), topLevelName(action))));
  for (const register of commandGroups) register(program);
  // Subcommands inherit exitOverride only when created after it; make sure of every one.
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) c.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help';
      process.exitCode = ok ? ExitCode.ok : ExitCode.usage;
      return;
    }
    if (e instanceof CliError) {
      process.exitCode = reportError(e, {});
      return;
    }
    process.stderr.write(`baton: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = ExitCode.failure;
  }
}

void main(process.argv);

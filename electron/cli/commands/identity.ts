// `baton identity [authorize|revoke|clients]`: this BATON_HOME's Noise key (what a server pins
// and a user compares), and the allow-list of client keys `baton serve` admits on the secure channel.
import type { Command } from 'commander';
import { fingerprint, hostIdFor, loadOrCreateIdentity, parsePublicKey } from '../../app-server/transport/identity';
import { addAuthorizedClient, listAuthorizedClients, removeAuthorizedClient } from '../../app-server/transport/key-stores';
import { batonHome } from '../../app-server/storage/home';
import { withJson } from '../command';
import { identityHelp } from '../help/texts';
import { CliError, ExitCode, printResult, reportError } from '../output';

function keyArg(text: string): Buffer {
  try {
    return parsePublicKey(text.trim(), 'the command line');
  } catch {
    throw new CliError(`"${text}" is not a Noise public key.`, 'Pass the base64 publicKey that `baton identity` prints on the client (44 characters).', ExitCode.usage);
  }
}

function run(opts: { json?: boolean }, body: () => void): void {
  try {
    body();
    process.exitCode = ExitCode.ok;
  } catch (e) {
    process.exitCode = reportError(e, opts);
  }
}

export function registerIdentity(program: Command): void {
  const identity = withJson(program.command('identity').description("print this BATON_HOME's Noise identity (public key and fingerprint)").addHelpText('after', identityHelp)).action(
    (opts: { json?: boolean }) =>
      run(opts, () => {
        const home = batonHome();
        const { publicKey } = loadOrCreateIdentity(home);
        const shown = { publicKey: publicKey.toString('base64'), fingerprint: fingerprint(publicKey), hostId: hostIdFor(publicKey), home };
        printResult(opts, shown, () => `${shown.fingerprint}\n  public key ${shown.publicKey}\n  host id ${shown.hostId} · BATON_HOME ${home}`);
      }),
  );

  withJson(identity.command('authorize <public-key>').description("admit a client's key on this home's secure channel (authorized_clients)").option('--name <name>', 'a note kept next to the key')).action(
    (key: string, opts: { name?: string; json?: boolean }) =>
      run(opts, () => {
        const pk = keyArg(key);
        const added = addAuthorizedClient(batonHome(), pk, opts.name ?? '');
        printResult(opts, { publicKey: pk.toString('base64'), fingerprint: fingerprint(pk), added }, () => `${added ? 'Authorized' : 'Already authorized:'} ${fingerprint(pk)}`);
      }),
  );

  withJson(identity.command('revoke <public-key>').description('remove a client key from authorized_clients')).action((key: string, opts: { json?: boolean }) =>
    run(opts, () => {
      const pk = keyArg(key);
      const removed = removeAuthorizedClient(batonHome(), pk);
      if (!removed && !opts.json) throw new CliError(`${fingerprint(pk)} is not in authorized_clients.`, 'See `baton identity clients`.');
      printResult(opts, { publicKey: pk.toString('base64'), fingerprint: fingerprint(pk), removed }, () => `Revoked ${fingerprint(pk)}`);
    }),
  );

  withJson(identity.command('clients').description('list the client keys this home admits')).action((opts: { json?: boolean }) =>
    run(opts, () => {
      const clients = listAuthorizedClients(batonHome()).map((c) => ({ publicKey: c.publicKey.toString('base64'), fingerprint: fingerprint(c.publicKey), comment: c.comment }));
      printResult(opts, clients, () => (clients.length ? clients.map((c) => `${c.fingerprint}  ${c.comment}`).join('\n') : 'No authorized clients. Add one with `baton identity authorize <public-key>`.'));
    }),
  );
}

// Installing the server bundle on a host: one file, ~/.baton/server/<version>-<sha>/baton-server.cjs,
// uploaded over SFTP to a temp name, checked with the remote node's own SHA-256, then renamed
// into place — so a cut upload never leaves a file that looks installed. Present and intact:
// reused without uploading.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Client, SFTPWrapper } from 'ssh2';
import pkg from '../../../../package.json';
import { SshError } from '../errors.js';
import { runScript } from '../exec.js';
import { shQuote } from './shell.js';

export interface LocalBundle {
  path: string;
  version: string;
  sha256: string;
  /** `<version>-<first 12 hex of sha256>`: the install directory's name. */
  id: string;
}

export function describeBundle(bundlePath: string, version: string = pkg.version): LocalBundle {
  let data: Buffer;
  try {
    data = readFileSync(bundlePath);
  } catch (e) {
    throw new SshError('upload-failed', `The server bundle ${bundlePath} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, 'Run `npm run build` to produce dist/baton.cjs.');
  }
  const sha256 = createHash('sha256').update(data).digest('hex');
  return { path: bundlePath, version, sha256, id: `${version}-${sha256.slice(0, 12)}` };
}

export function openSftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))));
}

export function remoteHome(sftp: SFTPWrapper): Promise<string> {
  return new Promise((resolve, reject) => sftp.realpath('.', (err, p) => (err ? reject(err) : resolve(p))));
}

function fastPut(sftp: SFTPWrapper, local: string, remote: string): Promise<void> {
  return new Promise((resolve, reject) => sftp.fastPut(local, remote, { mode: 0o600 }, (err) => (err ? reject(err) : resolve())));
}

const shaJs = 'const c=require("crypto"),f=require("fs");try{process.stdout.write("BATON_SHA "+c.createHash("sha256").update(f.readFileSync(process.argv[1])).digest("hex")+"\\n")}catch(e){process.stdout.write("BATON_SHA none\\n")}';

async function remoteSha(client: Client, node: string, file: string): Promise<string | null> {
  const r = await runScript(client, `${shQuote(node)} -e ${shQuote(shaJs)} ${shQuote(file)}\n`, { timeoutMs: 60_000 });
  const m = /^BATON_SHA ([0-9a-f]{64}|none)$/m.exec(r.stdout);
  return m && m[1] !== 'none' ? m[1]! : null;
}

export interface InstallResult {
  /** Absolute path of baton-server.cjs on the host. */
  serverPath: string;
  /** True when an intact copy was already there. */
  reused: boolean;
  remoteHome: string;
}

export async function installServer(client: Client, args: { node: string; bundle: LocalBundle; label: string }): Promise<InstallResult> {
  const sftp = await openSftp(client);
  try {
    const home = await remoteHome(sftp);
    const dir = `${home}/.baton/server/${args.bundle.id}`;
    const serverPath = `${dir}/baton-server.cjs`;
    if ((await remoteSha(client, args.node, serverPath)) === args.bundle.sha256) return { serverPath, reused: true, remoteHome: home };
    const mk = await runScript(client, `umask 077; mkdir -p ${shQuote(dir)} && echo BATON_OK\n`);
    if (!mk.stdout.includes('BATON_OK')) throw new SshError('upload-failed', `Could not create ${dir} on ${args.label}: ${mk.stderr.trim()}`, 'Check the disk space and permissions of ~/.baton on the host.');
    const tmp = `${serverPath}.${process.pid}-${Date.now()}.tmp`;
    try {
      await fastPut(sftp, args.bundle.path, tmp);
    } catch (e) {
      throw new SshError('upload-failed', `Uploading the server to ${args.label}:${tmp} failed: ${(e as Error).message}`, 'Check the disk space on the host and try again.');
    }
    const got = await remoteSha(client, args.node, tmp);
    if (got !== args.bundle.sha256) {
      await runScript(client, `rm -f ${shQuote(tmp)}\n`);
      throw new SshError('upload-failed', `The server uploaded to ${args.label} is corrupt (SHA-256 ${got ?? 'unreadable'}, expected ${args.bundle.sha256}).`, 'Try again; if it repeats, check the disk on the host.');
    }
    const mv = await runScript(client, `mv -f ${shQuote(tmp)} ${shQuote(serverPath)} && echo BATON_OK\n`);
    if (!mv.stdout.includes('BATON_OK')) throw new SshError('upload-failed', `Could not move the server into place on ${args.label}: ${mv.stderr.trim()}`);
    return { serverPath, reused: false, remoteHome: home };
  } finally {
    sftp.end();
  }
}
